using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using ServerlessChat.Core.Domain;
using ServerlessChat.Core.Realtime;

namespace ServerlessChat.Core.Storage.Sqlite;

internal sealed class SqliteGroupStore(SqliteConnectionFactory factory, SqliteWriter writer, SqliteChangeLog changes) : IGroupStore
{
    private const string GroupColumns = "id, name, created_by, created_at, updated_at, version, description, frozen, muted, avatar_id";

    private const string InsertMemberSql = """
        INSERT INTO group_members (group_id, user_id, is_admin, position) VALUES (@groupId, @userId, @isAdmin, @position)
        """;

    private const string MembersOfSql = """
        SELECT group_id, user_id, is_admin FROM group_members
        WHERE group_id IN (SELECT value FROM json_each(@groupIds))
        ORDER BY group_id, position
        """;

    public Task<ChangeRecord> CreateAsync(GroupRecord group, CancellationToken ct)
    {
        var id = StorageIds.Require(group.Id, nameof(group));
        var createdBy = StorageIds.Require(group.CreatedBy, nameof(group));
        var (members, admins) = StorageGuards.Membership(group.Members, group.Admins);
        var muted = MutedJson(group.MutedMembers);
        return writer.ExecuteAtomicAsync(w =>
        {
            w.Execute(
                $"INSERT INTO \"groups\" ({GroupColumns}) VALUES (@id, @name, @createdBy, @createdAt, @updatedAt, @version, @description, @frozen, @muted, @avatarId)",
                p => p.Bind("@id", id)
                    .Bind("@name", group.Name)
                    .Bind("@createdBy", createdBy)
                    .BindTime("@createdAt", group.CreatedAt)
                    .BindTime("@updatedAt", group.UpdatedAt)
                    .Bind("@version", group.Version)
                    .Bind("@description", group.Description)
                    .Bind("@frozen", group.Frozen)
                    .Bind("@muted", muted)
                    .Bind("@avatarId", group.AvatarId));
            InsertMembers(w, id, members, admins);
            return changes.Append(w, ConversationIds.Group(id), ChatHub.GroupUpdated, id);
        }, ct);
    }

    public async Task<GroupRecord?> FindByIdAsync(string id, CancellationToken ct)
    {
        if (!StorageIds.TryNormalize(id, out var normalized))
        {
            return null;
        }
        var groups = await LoadAsync($"SELECT {GroupColumns} FROM \"groups\" WHERE id = @id", p => p.Bind("@id", normalized), ct).ConfigureAwait(false);
        return groups.FirstOrDefault();
    }

    public async Task<IReadOnlyList<GroupRecord>> ListForMemberAsync(string userId, CancellationToken ct)
    {
        if (!StorageIds.TryNormalize(userId, out var normalized))
        {
            return [];
        }
        return await LoadAsync(
            $"SELECT {GroupColumns} FROM \"groups\" WHERE id IN (SELECT group_id FROM group_members WHERE user_id = @userId) ORDER BY id",
            p => p.Bind("@userId", normalized), ct).ConfigureAwait(false);
    }

    public Task<Changed<GroupRecord>?> UpdateMembersAsync(
        string id, long expectedVersion, IReadOnlyList<string> members, IReadOnlyList<string> admins, DateTimeOffset at, CancellationToken ct)
    {
        if (!StorageIds.TryNormalize(id, out var groupId))
        {
            return Task.FromResult<Changed<GroupRecord>?>(null);
        }
        var (memberIds, adminIds) = StorageGuards.Membership(members, admins);
        return writer.ExecuteAtomicAsync(w =>
        {
            var group = w.QuerySingle(
                $"UPDATE \"groups\" SET version = version + 1, updated_at = @at WHERE id = @id AND version = @expected RETURNING {GroupColumns}",
                p => p.BindTime("@at", at).Bind("@id", groupId).Bind("@expected", expectedVersion),
                MapGroup);
            if (group is null)
            {
                return (Changed<GroupRecord>?)null;
            }
            w.Execute("DELETE FROM group_members WHERE group_id = @groupId", p => p.Bind("@groupId", groupId));
            InsertMembers(w, groupId, memberIds, adminIds);
            return new Changed<GroupRecord>(
                group with { Members = memberIds, Admins = adminIds },
                changes.Append(w, ConversationIds.Group(groupId), ChatHub.GroupUpdated, groupId));
        }, ct);
    }

    public Task<Changed<GroupRecord>?> UpdateAsync(GroupRecord group, long expectedVersion, DateTimeOffset at, CancellationToken ct)
    {
        if (!StorageIds.TryNormalize(group.Id, out var groupId))
        {
            return Task.FromResult<Changed<GroupRecord>?>(null);
        }
        var (memberIds, adminIds) = StorageGuards.Membership(group.Members, group.Admins);
        var muted = MutedJson(group.MutedMembers);
        return writer.ExecuteAtomicAsync(w =>
        {
            var stored = w.QuerySingle($"""
                UPDATE "groups" SET version = version + 1, updated_at = @at, name = @name, description = @description, frozen = @frozen, muted = @muted, avatar_id = @avatarId
                WHERE id = @id AND version = @expected RETURNING {GroupColumns}
                """,
                p => p.BindTime("@at", at).Bind("@id", groupId).Bind("@expected", expectedVersion)
                    .Bind("@name", group.Name).Bind("@description", group.Description).Bind("@frozen", group.Frozen).Bind("@muted", muted).Bind("@avatarId", group.AvatarId),
                MapGroup);
            if (stored is null)
            {
                return (Changed<GroupRecord>?)null;
            }
            w.Execute("DELETE FROM group_members WHERE group_id = @groupId", p => p.Bind("@groupId", groupId));
            InsertMembers(w, groupId, memberIds, adminIds);
            return new Changed<GroupRecord>(
                stored with { Members = memberIds, Admins = adminIds },
                changes.Append(w, ConversationIds.Group(groupId), ChatHub.GroupUpdated, groupId));
        }, ct);
    }

    public Task<(JoinOutcome Outcome, Changed<GroupRecord>? Group)> AddMemberAsync(string id, string userId, int maxMembers, DateTimeOffset at, CancellationToken ct)
    {
        if (!StorageIds.TryNormalize(id, out var groupId))
        {
            return Task.FromResult<(JoinOutcome, Changed<GroupRecord>?)>((JoinOutcome.NoGroup, null));
        }
        var user = StorageIds.Require(userId, nameof(userId));
        // The check of the members and the insert are one writer operation: concurrent joins queue behind each other.
        return writer.ExecuteAtomicAsync<(JoinOutcome, Changed<GroupRecord>?)>(w =>
        {
            var rows = w.Query("SELECT user_id, is_admin, position FROM group_members WHERE group_id = @groupId ORDER BY position",
                p => p.Bind("@groupId", groupId), r => (UserId: r.GetString(0), IsAdmin: r.GetBoolean(1), Position: r.GetInt64(2)));
            if (rows.Any(r => r.UserId == user))
            {
                return (JoinOutcome.AlreadyMember, null);
            }
            if (rows.Count >= maxMembers)
            {
                return (JoinOutcome.Full, null);
            }
            var group = w.QuerySingle(
                $"UPDATE \"groups\" SET version = version + 1, updated_at = @at WHERE id = @id RETURNING {GroupColumns}",
                p => p.BindTime("@at", at).Bind("@id", groupId), MapGroup);
            if (group is null)
            {
                return (JoinOutcome.NoGroup, null);
            }
            w.Execute(InsertMemberSql, p => p.Bind("@groupId", groupId).Bind("@userId", user).Bind("@isAdmin", false)
                .Bind("@position", rows.Count == 0 ? 0 : rows[^1].Position + 1));
            var joined = group with
            {
                Members = [.. rows.Select(r => r.UserId), user],
                Admins = rows.Where(r => r.IsAdmin).Select(r => r.UserId).ToList(),
            };
            return (JoinOutcome.Joined, new Changed<GroupRecord>(joined, changes.Append(w, ConversationIds.Group(groupId), ChatHub.GroupUpdated, groupId)));
        }, ct);
    }

    private static void InsertMembers(SqliteWriteContext w, string groupId, List<string> members, List<string> admins)
    {
        var adminSet = admins.ToHashSet(StringComparer.Ordinal);
        for (var i = 0; i < members.Count; i++)
        {
            var member = members[i];
            var position = i;
            w.Execute(InsertMemberSql, p => p
                .Bind("@groupId", groupId)
                .Bind("@userId", member)
                .Bind("@isAdmin", adminSet.Contains(member))
                .Bind("@position", position));
        }
    }

    private async Task<List<GroupRecord>> LoadAsync(string sql, Action<SqliteParameterCollection> bind, CancellationToken ct)
    {
        // One read connection and one snapshot for both statements, so members always belong to the version read.
        await using var lease = await factory.OpenReadAsync(ct).ConfigureAwait(false);
        var connection = lease.Connection;
        // Deferred: Microsoft.Data.Sqlite would otherwise BEGIN IMMEDIATE and queue this read behind the writer.
        await using var transaction = connection.BeginTransaction(deferred: true);

        var groups = new List<GroupRecord>();
        await using (var command = connection.CreateCommand())
        {
            command.Transaction = transaction;
            command.CommandText = sql;
            bind(command.Parameters);
            await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                groups.Add(MapGroup(reader));
            }
        }
        if (groups.Count == 0)
        {
            return groups;
        }

        var members = groups.ToDictionary(g => g.Id, _ => new List<string>(), StringComparer.Ordinal);
        var admins = groups.ToDictionary(g => g.Id, _ => new List<string>(), StringComparer.Ordinal);
        await using (var command = connection.CreateCommand())
        {
            command.Transaction = transaction;
            command.CommandText = MembersOfSql;
            command.Parameters.BindList("@groupIds", groups.Select(g => g.Id));
            await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                var groupId = reader.GetString(0);
                var userId = reader.GetString(1);
                members[groupId].Add(userId);
                if (reader.GetBoolean(2))
                {
                    admins[groupId].Add(userId);
                }
            }
        }
        await transaction.CommitAsync(ct).ConfigureAwait(false);
        return groups.ConvertAll(g => g with { Members = members[g.Id], Admins = admins[g.Id] });
    }

    /// <summary>Muted members as a JSON array of [userId, until in unix milliseconds or null]; null for none.</summary>
    private static string? MutedJson(IReadOnlyList<MutedMember> muted) =>
        muted.Count == 0
            ? null
            : new JsonArray(muted.Select(m => (JsonNode)new JsonArray(StorageIds.Require(m.UserId, nameof(muted)), m.Until?.ToUnixTimeMilliseconds())).ToArray()).ToJsonString();

    private static List<MutedMember> ParseMuted(string? json) =>
        json is null
            ? []
            : JsonNode.Parse(json)!.AsArray().Select(m => new MutedMember(
                (string)m![0]!, m[1] is { } until ? DateTimeOffset.FromUnixTimeMilliseconds((long)until) : null)).ToList();

    private static GroupRecord MapGroup(SqliteDataReader r) => new(
        r.GetString(0),
        r.GetString(1),
        [],
        [],
        r.GetString(2),
        r.GetTime(3),
        r.GetTime(4),
        r.GetInt64(5),
        r.GetString(6),
        r.GetBoolean(7),
        ParseMuted(r.GetStringOrNull(8)))
    {
        AvatarId = r.GetStringOrNull(9),
    };
}
