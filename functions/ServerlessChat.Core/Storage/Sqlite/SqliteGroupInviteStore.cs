using Microsoft.Data.Sqlite;
using ServerlessChat.Core.Domain;

namespace ServerlessChat.Core.Storage.Sqlite;

/// <summary>Invite links on SQLite: the live count and the insert, and each use's check and count, are one writer operation.</summary>
internal sealed class SqliteGroupInviteStore(SqliteConnectionFactory factory, SqliteWriter writer) : IGroupInviteStore
{
    private const string Columns = "token, group_id, created_by, created_at, expires_at, max_uses, uses, revoked";

    private const string LiveCondition = "revoked = 0 AND (expires_at IS NULL OR expires_at > @now) AND (max_uses IS NULL OR uses < max_uses)";

    public Task<bool> CreateAsync(GroupInviteRecord invite, int maxLive, DateTimeOffset now, CancellationToken ct)
    {
        var groupId = StorageIds.Require(invite.GroupId, nameof(invite));
        var createdBy = StorageIds.Require(invite.CreatedBy, nameof(invite));
        return writer.ExecuteAtomicAsync(w =>
        {
            var live = w.QuerySingle($"SELECT COUNT(*) FROM group_invites WHERE group_id = @groupId AND {LiveCondition}",
                p => p.Bind("@groupId", groupId).BindTime("@now", now), r => r.GetInt64(0));
            if (live >= maxLive)
            {
                return false;
            }
            w.Execute($"INSERT INTO group_invites ({Columns}) VALUES (@token, @groupId, @createdBy, @createdAt, @expiresAt, @maxUses, @uses, @revoked)", p => p
                .Bind("@token", invite.Token)
                .Bind("@groupId", groupId)
                .Bind("@createdBy", createdBy)
                .BindTime("@createdAt", invite.CreatedAt)
                .BindTime("@expiresAt", invite.ExpiresAt)
                .Bind("@maxUses", invite.MaxUses)
                .Bind("@uses", invite.Uses)
                .Bind("@revoked", invite.Revoked));
            return true;
        }, ct);
    }

    public Task<GroupInviteRecord?> FindAsync(string token, CancellationToken ct) =>
        factory.QuerySingleAsync($"SELECT {Columns} FROM group_invites WHERE token = @token", p => p.Bind("@token", token), Map, ct);

    public async Task<IReadOnlyList<GroupInviteRecord>> ListAsync(string groupId, CancellationToken ct) =>
        StorageIds.TryNormalize(groupId, out var id)
            ? await factory.QueryAsync($"SELECT {Columns} FROM group_invites WHERE group_id = @groupId ORDER BY created_at, token",
                p => p.Bind("@groupId", id), Map, ct).ConfigureAwait(false)
            : [];

    public Task<bool> RevokeAsync(string groupId, string token, CancellationToken ct) =>
        StorageIds.TryNormalize(groupId, out var id)
            ? writer.ExecuteAtomicAsync(w => w.Execute("UPDATE group_invites SET revoked = 1 WHERE token = @token AND group_id = @groupId",
                p => p.Bind("@token", token).Bind("@groupId", id)) == 1, ct)
            : Task.FromResult(false);

    public Task<bool> UseAsync(string token, DateTimeOffset now, CancellationToken ct) =>
        writer.ExecuteAtomicAsync(w => w.Execute($"UPDATE group_invites SET uses = uses + 1 WHERE token = @token AND {LiveCondition}",
            p => p.Bind("@token", token).BindTime("@now", now)) == 1, ct);

    public Task ReleaseAsync(string token, CancellationToken ct) =>
        writer.ExecuteAtomicAsync(w => w.Execute("UPDATE group_invites SET uses = uses - 1 WHERE token = @token AND uses > 0", p => p.Bind("@token", token)), ct);

    private static GroupInviteRecord Map(SqliteDataReader r) => new(
        r.GetString(0),
        r.GetString(1),
        r.GetString(2),
        r.GetTime(3),
        r.GetTimeOrNull(4),
        r.IsDBNull(5) ? null : r.GetInt32(5),
        r.GetInt32(6),
        r.GetBoolean(7));
}
