using Microsoft.Data.Sqlite;
using ServerlessChat.Core.Domain;

namespace ServerlessChat.Core.Storage.Sqlite;

internal sealed class SqliteSessionStore(SqliteConnectionFactory factory, SqliteWriter writer) : ISessionStore
{
    private const string Columns = "id, user_id, current_token_hash, created_at, last_used_at, expires_at, user_agent, ended_at";

    public Task CreateAsync(SessionRecord session, CancellationToken ct)
    {
        var id = StorageIds.Require(session.Id, nameof(session));
        var userId = StorageIds.Require(session.UserId, nameof(session));
        return writer.ExecuteAsync(w => w.Execute(
            $"INSERT INTO sessions ({Columns}) VALUES (@id, @userId, @hash, @createdAt, @lastUsedAt, @expiresAt, @userAgent, @endedAt)",
            p => p.Bind("@id", id)
                .Bind("@userId", userId)
                .Bind("@hash", session.CurrentTokenHash)
                .BindTime("@createdAt", session.CreatedAt)
                .BindTime("@lastUsedAt", session.LastUsedAt)
                .BindTime("@expiresAt", session.ExpiresAt)
                .Bind("@userAgent", session.UserAgent)
                .BindTime("@endedAt", session.EndedAt)), ct);
    }

    public Task<SessionRecord?> FindAsync(string id, CancellationToken ct) =>
        !StorageIds.TryNormalize(id, out var normalized)
            ? Task.FromResult<SessionRecord?>(null)
            : factory.QuerySingleAsync($"SELECT {Columns} FROM sessions WHERE id = @id", p => p.Bind("@id", normalized), Map, ct);

    public async Task<bool> TryRotateAsync(
        string id, string expectedTokenHash, string newTokenHash, DateTimeOffset at, DateTimeOffset expiresAt, string? userAgent, CancellationToken ct)
    {
        if (!StorageIds.TryNormalize(id, out var normalized))
        {
            return false;
        }

        return await writer.ExecuteAsync(w => w.Execute(
            """
            UPDATE sessions SET current_token_hash = @new, last_used_at = @at, expires_at = @expiresAt, user_agent = COALESCE(@userAgent, user_agent)
            WHERE id = @id AND current_token_hash = @expected AND ended_at IS NULL
            """,
            p => p.Bind("@new", newTokenHash)
                .BindTime("@at", at)
                .BindTime("@expiresAt", expiresAt)
                .Bind("@userAgent", userAgent)
                .Bind("@id", normalized)
                .Bind("@expected", expectedTokenHash)), ct).ConfigureAwait(false) == 1;
    }

    public async Task<bool> EndAsync(string id, DateTimeOffset at, CancellationToken ct)
    {
        if (!StorageIds.TryNormalize(id, out var normalized))
        {
            return false;
        }

        return await writer.ExecuteAsync(w => w.Execute(
            "UPDATE sessions SET ended_at = @at WHERE id = @id AND ended_at IS NULL",
            p => p.BindTime("@at", at).Bind("@id", normalized)), ct).ConfigureAwait(false) == 1;
    }

    public async Task<IReadOnlyList<string>> EndAllAsync(string userId, string? exceptId, DateTimeOffset at, CancellationToken ct)
    {
        if (!StorageIds.TryNormalize(userId, out var user))
        {
            return [];
        }

        var except = exceptId is not null && StorageIds.TryNormalize(exceptId, out var e) ? e : string.Empty;
        // One writer operation: the ids returned are exactly the sessions this call ended.
        return await writer.ExecuteAtomicAsync(w => w.Query(
            "UPDATE sessions SET ended_at = @at WHERE user_id = @userId AND ended_at IS NULL AND id <> @except RETURNING id",
            p => p.BindTime("@at", at).Bind("@userId", user).Bind("@except", except),
            r => r.GetString(0)), ct).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<SessionRecord>> ListLiveAsync(string userId, DateTimeOffset now, int limit, CancellationToken ct)
    {
        if (!StorageIds.TryNormalize(userId, out var user))
        {
            return [];
        }

        return await factory.QueryAsync(
            $"SELECT {Columns} FROM sessions WHERE user_id = @userId AND ended_at IS NULL AND expires_at > @now ORDER BY last_used_at DESC, id DESC LIMIT @limit",
            p => p.Bind("@userId", user).BindTime("@now", now).Bind("@limit", limit), Map, ct).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<EndedSession>> ListEndedSinceAsync(DateTimeOffset since, int limit, CancellationToken ct) =>
        await factory.QueryAsync(
            "SELECT id, user_id, ended_at FROM sessions WHERE ended_at >= @since ORDER BY ended_at LIMIT @limit",
            p => p.BindTime("@since", since).Bind("@limit", limit),
            r => new EndedSession(r.GetString(0), r.GetString(1), r.GetTime(2)), ct).ConfigureAwait(false);

    public Task<int> PurgeExpiredAsync(DateTimeOffset before, CancellationToken ct) =>
        writer.ExecuteAsync(w => w.Execute("DELETE FROM sessions WHERE expires_at < @before", p => p.BindTime("@before", before)), ct);

    private static SessionRecord Map(SqliteDataReader r) => new(
        r.GetString(0),
        r.GetString(1),
        r.GetString(2),
        r.GetTime(3),
        r.GetTime(4),
        r.GetTime(5),
        r.GetStringOrNull(6),
        r.GetTimeOrNull(7));
}
