namespace ServerlessChat.Core.Storage.Sqlite;

internal sealed class SqliteBlockStore(SqliteConnectionFactory factory, SqliteWriter writer) : IBlockStore
{
    public Task BlockAsync(string blockerId, string blockedId, DateTimeOffset at, CancellationToken ct)
    {
        var blocker = StorageIds.Require(blockerId, nameof(blockerId));
        var blocked = StorageIds.Require(blockedId, nameof(blockedId));
        return writer.ExecuteAsync(w => w.Execute(
            "INSERT INTO blocks (blocker_id, blocked_id, created_at) VALUES (@blocker, @blocked, @at) ON CONFLICT DO NOTHING",
            p => p.Bind("@blocker", blocker).Bind("@blocked", blocked).BindTime("@at", at)), ct);
    }

    public Task UnblockAsync(string blockerId, string blockedId, CancellationToken ct)
    {
        if (!StorageIds.TryNormalize(blockerId, out var blocker) || !StorageIds.TryNormalize(blockedId, out var blocked))
        {
            return Task.CompletedTask;
        }
        return writer.ExecuteAsync(w => w.Execute(
            "DELETE FROM blocks WHERE blocker_id = @blocker AND blocked_id = @blocked",
            p => p.Bind("@blocker", blocker).Bind("@blocked", blocked)), ct);
    }

    public async Task<IReadOnlyList<string>> ListBlockedAsync(string blockerId, CancellationToken ct)
    {
        if (!StorageIds.TryNormalize(blockerId, out var blocker))
        {
            return [];
        }
        return await factory.QueryAsync(
            "SELECT blocked_id FROM blocks WHERE blocker_id = @blocker ORDER BY created_at, blocked_id",
            p => p.Bind("@blocker", blocker), r => r.GetString(0), ct).ConfigureAwait(false);
    }

    public async Task<bool> IsBlockedAsync(string blockerId, string blockedId, CancellationToken ct)
    {
        if (!StorageIds.TryNormalize(blockerId, out var blocker) || !StorageIds.TryNormalize(blockedId, out var blocked))
        {
            return false;
        }
        return await factory.ScalarAsync<long>(
            "SELECT COUNT(*) FROM blocks WHERE blocker_id = @blocker AND blocked_id = @blocked",
            p => p.Bind("@blocker", blocker).Bind("@blocked", blocked), ct).ConfigureAwait(false) > 0;
    }
}
