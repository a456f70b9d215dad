using Microsoft.Data.Sqlite;
using ServerlessChat.Core.Domain;

namespace ServerlessChat.Core.Storage.Sqlite;

internal sealed class SqliteAuthTokenStore(SqliteConnectionFactory factory, SqliteWriter writer) : IAuthTokenStore
{
    private const string RefreshColumns = "token_hash, user_id, family_id, created_at, expires_at, used_at, revoked_at";
    private const string ResetColumns = "token_hash, user_id, created_at, expires_at, used_at";

    public Task InsertRefreshTokenAsync(RefreshTokenRecord token, CancellationToken ct)
    {
        var userId = StorageIds.Require(token.UserId, nameof(token));
        return writer.ExecuteAsync(w => w.Execute(
            $"INSERT INTO refresh_tokens ({RefreshColumns}) VALUES (@tokenHash, @userId, @familyId, @createdAt, @expiresAt, @usedAt, @revokedAt)",
            p => p.Bind("@tokenHash", token.TokenHash)
                .Bind("@userId", userId)
                .Bind("@familyId", token.FamilyId)
                .BindTime("@createdAt", token.CreatedAt)
                .BindTime("@expiresAt", token.ExpiresAt)
                .BindTime("@usedAt", token.UsedAt)
                .BindTime("@revokedAt", token.RevokedAt)), ct);
    }

    public Task<RefreshTokenRecord?> FindRefreshTokenAsync(string tokenHash, CancellationToken ct) =>
        factory.QuerySingleAsync(
            $"SELECT {RefreshColumns} FROM refresh_tokens WHERE token_hash = @tokenHash",
            p => p.Bind("@tokenHash", tokenHash), MapRefresh, ct);

    public async Task<bool> TryUseRefreshTokenAsync(string tokenHash, DateTimeOffset at, CancellationToken ct) =>
        await writer.ExecuteAsync(w => w.Execute(
            "UPDATE refresh_tokens SET used_at = @at WHERE token_hash = @tokenHash AND used_at IS NULL AND revoked_at IS NULL",
            p => p.BindTime("@at", at).Bind("@tokenHash", tokenHash)), ct).ConfigureAwait(false) == 1;

    public Task RevokeRefreshFamilyAsync(string familyId, DateTimeOffset at, CancellationToken ct) =>
        writer.ExecuteAsync(w => w.Execute(
            "UPDATE refresh_tokens SET revoked_at = @at WHERE family_id = @familyId AND revoked_at IS NULL",
            p => p.BindTime("@at", at).Bind("@familyId", familyId)), ct);

    public Task RevokeAllRefreshTokensAsync(string userId, DateTimeOffset at, CancellationToken ct)
    {
        if (!StorageIds.TryNormalize(userId, out var normalized))
        {
            return Task.CompletedTask;
        }
        return writer.ExecuteAsync(w => w.Execute(
            "UPDATE refresh_tokens SET revoked_at = @at WHERE user_id = @userId AND revoked_at IS NULL",
            p => p.BindTime("@at", at).Bind("@userId", normalized)), ct);
    }

    public Task InsertResetTokenAsync(ResetTokenRecord token, CancellationToken ct)
    {
        var userId = StorageIds.Require(token.UserId, nameof(token));
        // One transaction on the one writer: the user's older live tokens end, and the new one is born used if a
        // newer one is already there (creation time, then hash, decides), so exactly one stays live.
        return writer.ExecuteAtomicAsync(w =>
            w.Execute(
                """
                UPDATE reset_tokens SET used_at = @createdAt
                WHERE user_id = @userId AND used_at IS NULL
                  AND (created_at < @createdAt OR (created_at = @createdAt AND token_hash < @tokenHash))
                """,
                p => p.Bind("@userId", userId).BindTime("@createdAt", token.CreatedAt).Bind("@tokenHash", token.TokenHash))
            + w.Execute(
                $"""
                INSERT INTO reset_tokens ({ResetColumns})
                VALUES (@tokenHash, @userId, @createdAt, @expiresAt,
                    CASE WHEN @usedAt IS NULL AND EXISTS (
                        SELECT 1 FROM reset_tokens
                        WHERE user_id = @userId AND (created_at > @createdAt OR (created_at = @createdAt AND token_hash > @tokenHash)))
                    THEN @createdAt ELSE @usedAt END)
                """,
                p => p.Bind("@tokenHash", token.TokenHash)
                    .Bind("@userId", userId)
                    .BindTime("@createdAt", token.CreatedAt)
                    .BindTime("@expiresAt", token.ExpiresAt)
                    .BindTime("@usedAt", token.UsedAt)), ct);
    }

    public Task UseAllResetTokensAsync(string userId, DateTimeOffset at, CancellationToken ct)
    {
        if (!StorageIds.TryNormalize(userId, out var normalized))
        {
            return Task.CompletedTask;
        }

        return writer.ExecuteAsync(w => w.Execute(
            "UPDATE reset_tokens SET used_at = @at WHERE user_id = @userId AND used_at IS NULL",
            p => p.BindTime("@at", at).Bind("@userId", normalized)), ct);
    }

    public Task<ResetTokenRecord?> FindResetTokenAsync(string tokenHash, CancellationToken ct) =>
        factory.QuerySingleAsync(
            $"SELECT {ResetColumns} FROM reset_tokens WHERE token_hash = @tokenHash",
            p => p.Bind("@tokenHash", tokenHash), MapReset, ct);

    public async Task<bool> TryUseResetTokenAsync(string tokenHash, DateTimeOffset at, CancellationToken ct) =>
        await writer.ExecuteAsync(w => w.Execute(
            "UPDATE reset_tokens SET used_at = @at WHERE token_hash = @tokenHash AND used_at IS NULL",
            p => p.BindTime("@at", at).Bind("@tokenHash", tokenHash)), ct).ConfigureAwait(false) == 1;

    public Task<int> PurgeExpiredAsync(DateTimeOffset now, CancellationToken ct) =>
        writer.ExecuteAtomicAsync(w =>
            w.Execute("DELETE FROM refresh_tokens WHERE expires_at < @now", p => p.BindTime("@now", now))
            + w.Execute("DELETE FROM reset_tokens WHERE expires_at < @now", p => p.BindTime("@now", now)), ct);

    private static RefreshTokenRecord MapRefresh(SqliteDataReader r) => new(
        r.GetString(0),
        r.GetString(1),
        r.GetString(2),
        r.GetTime(3),
        r.GetTime(4),
        r.GetTimeOrNull(5),
        r.GetTimeOrNull(6));

    private static ResetTokenRecord MapReset(SqliteDataReader r) => new(
        r.GetString(0),
        r.GetString(1),
        r.GetTime(2),
        r.GetTime(3),
        r.GetTimeOrNull(4));
}
