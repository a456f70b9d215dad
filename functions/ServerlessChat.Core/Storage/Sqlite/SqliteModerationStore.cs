using System.Text.Json;
using Microsoft.Data.Sqlite;
using ServerlessChat.Core.Domain;

namespace ServerlessChat.Core.Storage.Sqlite;

internal sealed class SqliteModerationStore(SqliteConnectionFactory factory, SqliteWriter writer) : IModerationStore
{
    private const string ReportColumns =
        "id, target_type, message_id, user_id, conversation_id, snapshot, reason, note, reporter_ids, created_at, resolution_action, resolution_note, resolved_by, resolved_at";

    public async Task<(ReportRecord Report, bool Created)> FileReportAsync(ReportRecord candidate, CancellationToken ct)
    {
        var id = StorageIds.Require(candidate.Id, nameof(candidate));
        var reporter = StorageIds.Require(candidate.ReporterIds.Single(), nameof(candidate));
        // One writer operation: the look for an open report and the insert or join cannot interleave with another.
        return await writer.ExecuteAtomicAsync(w =>
        {
            var open = w.QuerySingle($"SELECT {ReportColumns} FROM reports WHERE target_key = @key AND open = 1", p => p.Bind("@key", candidate.TargetKey), Map);
            if (open is not null)
            {
                if (open.ReporterIds.Contains(reporter))
                {
                    return (open, false);
                }

                var joined = open with { ReporterIds = [.. open.ReporterIds, reporter] };
                w.Execute("UPDATE reports SET reporter_ids = @reporters WHERE id = @id", p => p.BindList("@reporters", joined.ReporterIds).Bind("@id", open.Id));
                return (joined, false);
            }

            w.Execute(
                $"""
                INSERT INTO reports (id, target_type, target_key, message_id, user_id, conversation_id, snapshot, reason, note, reporter_ids, created_at, open)
                VALUES (@id, @type, @key, @messageId, @userId, @conversationId, @snapshot, @reason, @note, @reporters, @createdAt, 1)
                """,
                p => p.Bind("@id", id)
                    .Bind("@type", candidate.TargetType)
                    .Bind("@key", candidate.TargetKey)
                    .Bind("@messageId", StorageIds.RequireOptional(candidate.MessageId, nameof(candidate)))
                    .Bind("@userId", StorageIds.Require(candidate.UserId, nameof(candidate)))
                    .Bind("@conversationId", candidate.ConversationId)
                    .Bind("@snapshot", candidate.Snapshot)
                    .Bind("@reason", candidate.Reason)
                    .Bind("@note", candidate.Note)
                    .BindList("@reporters", [reporter])
                    .BindTime("@createdAt", candidate.CreatedAt));
            return (candidate with { Id = id, ReporterIds = [reporter] }, true);
        }, ct).ConfigureAwait(false);
    }

    public Task<ReportRecord?> FindReportAsync(string id, CancellationToken ct) =>
        !StorageIds.TryNormalize(id, out var normalized)
            ? Task.FromResult<ReportRecord?>(null)
            : factory.QuerySingleAsync($"SELECT {ReportColumns} FROM reports WHERE id = @id", p => p.Bind("@id", normalized), Map, ct);

    public async Task<IReadOnlyList<ReportRecord>> ListReportsAsync(bool open, string? beforeId, int limit, CancellationToken ct)
    {
        var before = beforeId is not null && StorageIds.TryNormalize(beforeId, out var b) ? b : null;
        return await factory.QueryAsync(
            $"SELECT {ReportColumns} FROM reports WHERE open = @open AND (@before IS NULL OR id < @before) ORDER BY id DESC LIMIT @limit",
            p => p.Bind("@open", open ? 1 : 0).Bind("@before", before).Bind("@limit", limit), Map, ct).ConfigureAwait(false);
    }

    public async Task<ReportRecord?> ResolveReportAsync(string id, ReportResolution resolution, CancellationToken ct)
    {
        if (!StorageIds.TryNormalize(id, out var normalized))
        {
            return null;
        }

        var resolved = await writer.ExecuteAsync(w => w.Query(
            $"""
            UPDATE reports SET open = 0, resolution_action = @action, resolution_note = @note, resolved_by = @by, resolved_at = @at
            WHERE id = @id AND open = 1 RETURNING {ReportColumns}
            """,
            p => p.Bind("@action", resolution.Action)
                .Bind("@note", resolution.Note)
                .Bind("@by", StorageIds.Require(resolution.ActorId, nameof(resolution)))
                .BindTime("@at", resolution.At)
                .Bind("@id", normalized),
            Map), ct).ConfigureAwait(false);
        return resolved.Count == 1 ? resolved[0] : null;
    }

    public Task SetSuspensionAsync(SuspensionRecord suspension, CancellationToken ct) =>
        writer.ExecuteAsync(w => w.Execute(
            """
            INSERT INTO suspensions (user_id, until, reason, actor_id, at) VALUES (@userId, @until, @reason, @actorId, @at)
            ON CONFLICT (user_id) DO UPDATE SET until = excluded.until, reason = excluded.reason, actor_id = excluded.actor_id, at = excluded.at
            """,
            p => p.Bind("@userId", StorageIds.Require(suspension.UserId, nameof(suspension)))
                .BindTime("@until", suspension.Until)
                .Bind("@reason", suspension.Reason)
                .Bind("@actorId", StorageIds.Require(suspension.ActorId, nameof(suspension)))
                .BindTime("@at", suspension.At)), ct);

    public async Task<bool> ClearSuspensionAsync(string userId, CancellationToken ct) =>
        StorageIds.TryNormalize(userId, out var user)
        && await writer.ExecuteAsync(w => w.Execute("DELETE FROM suspensions WHERE user_id = @userId", p => p.Bind("@userId", user)), ct).ConfigureAwait(false) == 1;

    public Task<SuspensionRecord?> FindSuspensionAsync(string userId, CancellationToken ct) =>
        !StorageIds.TryNormalize(userId, out var user)
            ? Task.FromResult<SuspensionRecord?>(null)
            : factory.QuerySingleAsync("SELECT user_id, until, reason, actor_id, at FROM suspensions WHERE user_id = @userId", p => p.Bind("@userId", user), MapSuspension, ct);

    public async Task<IReadOnlyList<SuspensionRecord>> ListSuspensionsAsync(DateTimeOffset now, int limit, CancellationToken ct) =>
        await factory.QueryAsync(
            "SELECT user_id, until, reason, actor_id, at FROM suspensions WHERE until IS NULL OR until > @now LIMIT @limit",
            p => p.BindTime("@now", now).Bind("@limit", limit), MapSuspension, ct).ConfigureAwait(false);

    public Task SetRoleAsync(string userId, string role, CancellationToken ct) =>
        writer.ExecuteAsync(w => w.Execute(
            "INSERT INTO roles (user_id, role) VALUES (@userId, @role) ON CONFLICT (user_id) DO UPDATE SET role = excluded.role",
            p => p.Bind("@userId", StorageIds.Require(userId)).Bind("@role", role)), ct);

    public Task<string?> FindRoleAsync(string userId, CancellationToken ct) =>
        !StorageIds.TryNormalize(userId, out var user)
            ? Task.FromResult<string?>(null)
            : factory.QuerySingleAsync("SELECT role FROM roles WHERE user_id = @userId", p => p.Bind("@userId", user), r => r.GetString(0), ct);

    public Task AppendAuditAsync(AuditRecord entry, CancellationToken ct) =>
        writer.ExecuteAsync(w => w.Execute(
            "INSERT INTO audit_log (id, actor_id, action, target_type, target_id, note, at) VALUES (@id, @actorId, @action, @targetType, @targetId, @note, @at)",
            p => p.Bind("@id", StorageIds.Require(entry.Id, nameof(entry)))
                .Bind("@actorId", entry.ActorId)
                .Bind("@action", entry.Action)
                .Bind("@targetType", entry.TargetType)
                .Bind("@targetId", entry.TargetId)
                .Bind("@note", entry.Note)
                .BindTime("@at", entry.At)), ct);

    public async Task<IReadOnlyList<AuditRecord>> ListAuditAsync(string? beforeId, int limit, CancellationToken ct)
    {
        var before = beforeId is not null && StorageIds.TryNormalize(beforeId, out var b) ? b : null;
        return await factory.QueryAsync(
            "SELECT id, actor_id, action, target_type, target_id, note, at FROM audit_log WHERE (@before IS NULL OR id < @before) ORDER BY id DESC LIMIT @limit",
            p => p.Bind("@before", before).Bind("@limit", limit),
            r => new AuditRecord(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetStringOrNull(5), r.GetTime(6)), ct).ConfigureAwait(false);
    }

    private static ReportRecord Map(SqliteDataReader r) => new(
        r.GetString(0),
        r.GetString(1),
        r.GetStringOrNull(2),
        r.GetString(3),
        r.GetStringOrNull(4),
        r.GetString(5),
        r.GetString(6),
        r.GetStringOrNull(7),
        JsonSerializer.Deserialize(r.GetString(8), SqliteJsonContext.Default.ListString)!,
        r.GetTime(9),
        r.IsDBNull(10) ? null : new ReportResolution(r.GetString(10), r.GetStringOrNull(11), r.GetString(12), r.GetTime(13)));

    private static SuspensionRecord MapSuspension(SqliteDataReader r) =>
        new(r.GetString(0), r.GetTimeOrNull(1), r.GetString(2), r.GetString(3), r.GetTime(4));
}
