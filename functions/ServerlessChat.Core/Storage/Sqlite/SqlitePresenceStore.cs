using Microsoft.Data.Sqlite;
using ServerlessChat.Core.Domain;

namespace ServerlessChat.Core.Storage.Sqlite;

internal sealed class SqlitePresenceStore(SqliteConnectionFactory factory, SqliteWriter writer) : IPresenceStore
{
    private const string Columns = "user_id, connections, last_seen_at";

    // lastSeenAt only moves forward: instances' clocks differ a little, and a late event must not make an
    // online user look stale to ExpireAsync.
    private const string ConnectedSql = $"""
        INSERT INTO presence (user_id, connections, last_seen_at) VALUES (@userId, 1, @at)
        ON CONFLICT (user_id) DO UPDATE SET
            connections = presence.connections + 1,
            last_seen_at = max(presence.last_seen_at, excluded.last_seen_at)
        RETURNING {Columns}
        """;

    private const string DisconnectedSql = $"""
        INSERT INTO presence (user_id, connections, last_seen_at) VALUES (@userId, 0, @at)
        ON CONFLICT (user_id) DO UPDATE SET
            connections = max(presence.connections - 1, 0),
            last_seen_at = max(presence.last_seen_at, excluded.last_seen_at)
        RETURNING {Columns}
        """;

    private const string HeartbeatSql = $"""
        UPDATE presence SET last_seen_at = max(last_seen_at, @at)
        WHERE user_id IN (SELECT value FROM json_each(@userIds)) AND connections > 0
        RETURNING {Columns}
        """;

    private const string ExpireSql = $"""
        UPDATE presence SET connections = 0
        WHERE connections > 0 AND last_seen_at < @cutoff
        RETURNING {Columns}
        """;

    public Task<PresenceRecord> ConnectedAsync(string userId, DateTimeOffset at, CancellationToken ct)
    {
        var user = StorageIds.Require(userId);
        return writer.ExecuteAsync(w => w.QuerySingle(ConnectedSql, p => p.Bind("@userId", user).BindTime("@at", at), Map)!, ct);
    }

    public Task<PresenceRecord> DisconnectedAsync(string userId, DateTimeOffset at, CancellationToken ct)
    {
        var user = StorageIds.Require(userId);
        return writer.ExecuteAsync(w => w.QuerySingle(DisconnectedSql, p => p.Bind("@userId", user).BindTime("@at", at), Map)!, ct);
    }

    public async Task<IReadOnlyList<PresenceRecord>> HeartbeatAsync(IReadOnlyCollection<string> userIds, DateTimeOffset at, CancellationToken ct)
    {
        var ids = StorageIds.NormalizeAll(userIds);
        if (ids.Count == 0)
        {
            return [];
        }
        return await writer.ExecuteAsync(w => w.Query(HeartbeatSql, p => p.BindList("@userIds", ids).BindTime("@at", at), Map), ct).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<PresenceRecord>> GetAsync(IReadOnlyCollection<string> userIds, CancellationToken ct)
    {
        var ids = StorageIds.NormalizeAll(userIds);
        if (ids.Count == 0)
        {
            return [];
        }
        return await factory.QueryAsync(
            $"SELECT {Columns} FROM presence WHERE user_id IN (SELECT value FROM json_each(@userIds))",
            p => p.BindList("@userIds", ids), Map, ct).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<PresenceRecord>> ExpireAsync(DateTimeOffset cutoff, CancellationToken ct) =>
        await writer.ExecuteAsync(w => w.Query(ExpireSql, p => p.BindTime("@cutoff", cutoff), Map), ct).ConfigureAwait(false);

    private static PresenceRecord Map(SqliteDataReader r) => new(r.GetString(0), r.GetInt32(1), r.GetTime(2));
}
