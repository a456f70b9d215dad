using ServerlessChat.Core.Domain;

namespace ServerlessChat.Core.Storage.Sqlite;

internal sealed class SqliteThreadStore(SqliteConnectionFactory factory, SqliteWriter writer) : IThreadStore
{
    public async Task<IReadOnlyList<ThreadMemberRecord>> ListForUserAsync(string userId, int limit, CancellationToken ct)
    {
        if (limit <= 0 || !StorageIds.TryNormalize(userId, out var user))
        {
            return [];
        }
        return await factory.QueryAsync(
            "SELECT user_id, root_id, conversation_id, read_up_to FROM thread_members WHERE user_id = @userId LIMIT @limit",
            p => p.Bind("@userId", user).Bind("@limit", limit),
            r => new ThreadMemberRecord(r.GetString(0), r.GetString(1), r.GetString(2), r.GetStringOrNull(3)), ct).ConfigureAwait(false);
    }

    public Task<string?> AdvanceReadAsync(string userId, string rootId, string upTo, CancellationToken ct)
    {
        if (!StorageIds.TryNormalize(userId, out var user) || !StorageIds.TryNormalize(rootId, out var root) || !StorageIds.TryNormalize(upTo, out var marker))
        {
            return Task.FromResult<string?>(null);
        }
        return writer.ExecuteAtomicAsync(w => w.QuerySingle(
            """
            UPDATE thread_members SET read_up_to = MAX(COALESCE(read_up_to, ''), @upTo)
            WHERE user_id = @userId AND root_id = @rootId RETURNING read_up_to
            """,
            p => p.Bind("@userId", user).Bind("@rootId", root).Bind("@upTo", marker), r => r.GetString(0)), ct);
    }

    public async Task<long> CountUnreadAsync(string conversationId, string rootId, string userId, string? afterId, CancellationToken ct)
    {
        var after = "";
        if (!StorageIds.TryNormalize(rootId, out var root) || (afterId is not null && !StorageIds.TryNormalize(afterId, out after)))
        {
            return 0;
        }
        return await factory.ScalarAsync<long>(
            """
            SELECT COUNT(*) FROM messages
            WHERE thread_id = @rootId AND id > @after AND conversation_id = @conversationId AND sender_id <> @userId AND deleted = 0
            """,
            p => p.Bind("@rootId", root).Bind("@after", after).Bind("@conversationId", conversationId)
                .Bind("@userId", StorageIds.TryNormalize(userId, out var user) ? user : userId), ct).ConfigureAwait(false);
    }
}
