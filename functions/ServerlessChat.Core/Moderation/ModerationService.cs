using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MongoDB.Bson;
using ServerlessChat.Core.Caching;
using ServerlessChat.Core.Domain;
using ServerlessChat.Core.Events;
using ServerlessChat.Core.Http;
using ServerlessChat.Core.Messaging;
using ServerlessChat.Core.Realtime;
using ServerlessChat.Core.Sessions;
using ServerlessChat.Core.Storage;

namespace ServerlessChat.Core.Moderation;

/// <summary>
/// Reports, the moderation queue and its actions (API.md "Trust and safety"). Nothing here tells the reported
/// user anything, and nothing a reported user can read names a reporter: reporters appear in the queue only.
/// Every action is written to the audit log.
/// </summary>
public sealed partial class ModerationService(
    IModerationStore store,
    MessageService messages,
    IMessageStore messageStore,
    ChatDirectory directory,
    SessionService sessions,
    SuspensionDirectory suspensions,
    ModerationRoles roles,
    IRateLimitCounterStore counters,
    IChangeLog changes,
    IOptions<ModerationOptions> options,
    TimeProvider time,
    ILogger<ModerationService> logger)
{
    public static readonly IReadOnlySet<string> Reasons = new HashSet<string>(StringComparer.Ordinal)
        { "spam", "harassment", "hate", "sexual", "violence", "self-harm", "other" };

    public const int MaxNoteLength = 500;
    public const int MaxReasonLength = 500;
    public const int MaxSuspensionDays = 3650;

    private static readonly TimeSpan ReportWindow = TimeSpan.FromHours(1);

    /// <summary>Files a report, or joins the open one on the same target (<c>Created = false</c>).</summary>
    public async Task<(ReportCreatedDto Report, bool Created)> ReportAsync(string callerId, ReportRequest request, CancellationToken ct)
    {
        var rules = new InputRules();
        rules.ExactlyOne("messageId", request.MessageId, "userId", request.UserId);
        var messageId = rules.Id("messageId", request.MessageId, required: false);
        var userId = rules.Id("userId", request.UserId, required: false);
        if (request.Reason is null || !Reasons.Contains(request.Reason))
        {
            rules.Add("reason", $"Use one of: {string.Join(", ", Reasons.Order(StringComparer.Ordinal))}.");
        }

        var note = Note(rules, "note", request.Note);
        if (userId == callerId)
        {
            rules.Add("userId", "A user cannot report itself.");
        }

        rules.ThrowIfAny();
        await CountReportAsync(callerId, ct);

        ReportRecord candidate;
        var now = time.GetStoredNow();
        if (messageId is not null)
        {
            // Only what the caller can see: 404 otherwise, as for any message it cannot see.
            var message = await messages.FindVisibleAsync(callerId, messageId, ct);
            if (message.SenderId == callerId)
            {
                throw ProblemException.Validation("messageId", "A user cannot report its own message.");
            }

            var snapshot = JsonSerializer.Serialize(await messages.ToDtoAsync(message, ct), ChatJson.Options);
            candidate = new ReportRecord(ObjectId.GenerateNewId().ToString(), ReportRecord.MessageTarget, message.Id, message.SenderId, message.ConversationId,
                snapshot, request.Reason!, note, [callerId], now);
        }
        else
        {
            var user = await directory.GetUserAsync(userId!, ct) ?? throw ProblemException.NotFound("No such user.");
            var snapshot = JsonSerializer.Serialize(new { user.Id, user.Username, user.DisplayName, user.CreatedAt }, ChatJson.Options);
            candidate = new ReportRecord(ObjectId.GenerateNewId().ToString(), ReportRecord.UserTarget, null, user.Id, null,
                snapshot, request.Reason!, note, [callerId], now);
        }

        var (report, created) = await store.FileReportAsync(candidate, ct);
        if (created)
        {
            // Events out: report.created, in the log of the user reported.
            await changes.AppendAsync(UserLog.Of(report.UserId), UserLog.ReportCreated, report.Id, ct);
            LogReported(logger, report.Id, report.TargetType);
        }

        return (new ReportCreatedDto(report.Id), created);
    }

    public async Task<ReportPageDto> ListReportsAsync(string? status, string? before, string? limitText, CancellationToken ct)
    {
        var rules = new InputRules();
        if (status is not null and not "open" and not "resolved")
        {
            rules.Add("status", "Use open or resolved.");
        }

        var beforeId = rules.Id("before", before, required: false);
        var limit = rules.Limit("limit", limitText, 50, 100);
        rules.ThrowIfAny();

        var page = await store.ListReportsAsync(status != "resolved", beforeId, limit + 1, ct);
        var items = page.Take(limit).Select(ToDto).ToList();
        return new ReportPageDto(items, page.Count > limit ? items[^1].Id : null);
    }

    /// <summary>
    /// Resolves an open report (409 when it is resolved already: of two moderators acting at once, one wins) and
    /// then does what it says. A target has one open report, so every open report on it is resolved with it.
    /// </summary>
    public async Task<Outcome<ReportDto>> ResolveAsync(string actorId, string id, ResolveReportRequest request, CancellationToken ct)
    {
        var rules = new InputRules();
        if (request.Action is not ("dismiss" or "removeMessage" or "suspendUser"))
        {
            rules.Add("action", "Use dismiss, removeMessage or suspendUser.");
        }

        var note = Note(rules, "note", request.Note);
        if (request.Days is { } days && (days < 1 || days > MaxSuspensionDays || request.Action != "suspendUser"))
        {
            rules.Add("days", $"Only with suspendUser: a whole number from 1 to {MaxSuspensionDays}; none suspends until lifted.");
        }

        rules.ThrowIfAny();

        var report = (InputRules.IsId(id) ? await store.FindReportAsync(id, ct) : null) ?? throw ProblemException.NotFound("No such report.");
        if (request.Action == "removeMessage" && report.TargetType != ReportRecord.MessageTarget)
        {
            throw ProblemException.Validation("action", "removeMessage applies to a report of a message.");
        }

        if (request.Action == "suspendUser")
        {
            await CheckSuspendableAsync(actorId, report.UserId, ct);
        }

        var now = time.GetStoredNow();
        var resolved = await store.ResolveReportAsync(report.Id, new ReportResolution(request.Action!, note, actorId, now), ct)
            ?? throw ProblemException.Conflict("The report is resolved already.");

        IReadOnlyList<RealtimeAction> actions = [];
        switch (request.Action)
        {
            case "removeMessage":
                actions = (await messages.DeleteByModerationAsync(report.MessageId!, ct)).Actions;
                break;
            case "suspendUser":
                var until = request.Days is { } d ? now.AddDays(d) : (DateTimeOffset?)null;
                await SuspendStoredAsync(actorId, report.UserId, until, note ?? report.Reason, ct);
                break;
        }

        await AuditAsync(actorId, request.Action!, "report", report.Id, note, ct);
        return new(ToDto(resolved), actions);
    }

    /// <summary>
    /// <c>DELETE /api/messages/{id}</c>: the sender's own delete, or, for a moderator deleting another's message, a
    /// removal by moderation (audited, <c>deletedBy: moderation</c>); anyone else gets what a delete always answered.
    /// </summary>
    public async Task<Outcome<bool>> DeleteMessageAsync(string callerId, string messageId, CancellationToken ct)
    {
        var message = InputRules.IsId(messageId) ? await messageStore.FindByIdAsync(messageId, ct) : null;
        if (message is not null && message.SenderId != callerId && await roles.GetAsync(callerId, ct) >= ChatRole.Moderator)
        {
            return await RemoveMessageAsync(callerId, messageId, ct);
        }

        return await messages.DeleteAsync(callerId, messageId, ct);
    }

    /// <summary>Deletes any message for everyone; 404 for none.</summary>
    public async Task<Outcome<bool>> RemoveMessageAsync(string actorId, string messageId, CancellationToken ct)
    {
        var outcome = await messages.DeleteByModerationAsync(messageId, ct);
        await AuditAsync(actorId, "removeMessage", "message", messageId, null, ct);
        return outcome;
    }

    public async Task<SuspensionDto> SuspendAsync(string actorId, string userId, SuspendRequest request, CancellationToken ct)
    {
        var rules = new InputRules();
        var reason = request.Reason?.Trim();
        if (string.IsNullOrEmpty(reason) || reason.Length > MaxReasonLength)
        {
            rules.Add("reason", $"Use 1 to {MaxReasonLength} characters.");
        }

        if (request.Until is { } until && until <= time.GetUtcNow())
        {
            rules.Add("until", "Give a time in the future, or none to suspend until lifted.");
        }

        rules.ThrowIfAny();
        await CheckSuspendableAsync(actorId, userId, ct);
        var suspension = await SuspendStoredAsync(actorId, userId, request.Until, reason!, ct);
        await AuditAsync(actorId, "suspendUser", "user", userId, reason, ct);
        return new SuspensionDto(suspension.UserId, suspension.Until, suspension.Reason);
    }

    public async Task LiftSuspensionAsync(string actorId, string userId, CancellationToken ct)
    {
        if (!InputRules.IsId(userId) || await directory.GetUserAsync(userId, ct) is null)
        {
            throw ProblemException.NotFound("No such user.");
        }

        await store.ClearSuspensionAsync(userId, ct);
        suspensions.Set(userId, null);
        await AuditAsync(actorId, "liftSuspension", "user", userId, null, ct);
    }

    public async Task<ModeratedUserDto> SetRoleAsync(string actorId, string userId, SetRoleRequest request, CancellationToken ct)
    {
        var role = ModerationRoles.Parse(request.Role) ?? throw ProblemException.Validation("role", "Use user, moderator or admin.");
        var user = (InputRules.IsId(userId) ? await directory.GetUserAsync(userId, ct) : null) ?? throw ProblemException.NotFound("No such user.");
        if (roles.IsBootstrapAdmin(user.Id) && role != ChatRole.Admin)
        {
            throw ProblemException.Conflict("This admin comes from the setting Moderation:AdminUserIds; change it there.");
        }

        await store.SetRoleAsync(user.Id, ModerationRoles.Name(role), ct);
        await AuditAsync(actorId, "setRole", "user", user.Id, ModerationRoles.Name(role), ct);
        return new ModeratedUserDto(user.Id, user.Username, user.DisplayName, user.CreatedAt, user.UpdatedAt, ModerationRoles.Name(role));
    }

    public async Task<AuditPageDto> ListAuditAsync(string? before, string? limitText, CancellationToken ct)
    {
        var rules = new InputRules();
        var beforeId = rules.Id("before", before, required: false);
        var limit = rules.Limit("limit", limitText, 50, 100);
        rules.ThrowIfAny();

        var page = await store.ListAuditAsync(beforeId, limit + 1, ct);
        var items = page.Take(limit)
            .Select(e => new AuditEntryDto(e.Id, e.ActorId, e.Action, new AuditTargetDto(e.TargetType, e.TargetId), e.Note, e.At)).ToList();
        return new AuditPageDto(items, page.Count > limit ? items[^1].Id : null);
    }

    /// <summary>The answer a suspended user's login gets: 403 with the reason and the end.</summary>
    public static ProblemException Suspended(SuspensionRecord suspension) =>
        ProblemException.Forbidden(suspension.Until is { } until
            ? $"This account is suspended until {until.ToString("O", CultureInfo.InvariantCulture)}: {suspension.Reason}"
            : $"This account is suspended until further notice: {suspension.Reason}");

    private async Task CheckSuspendableAsync(string actorId, string userId, CancellationToken ct)
    {
        if (!InputRules.IsId(userId) || await directory.GetUserAsync(userId, ct) is null)
        {
            throw ProblemException.NotFound("No such user.");
        }

        if (userId == actorId)
        {
            throw ProblemException.Validation("userId", "A moderator cannot suspend itself.");
        }

        if (await roles.GetAsync(userId, ct) > await roles.GetAsync(actorId, ct))
        {
            throw ProblemException.Forbidden("Only an admin can suspend an admin.");
        }
    }

    /// <summary>Stores the suspension, then ends the user's sessions the way any ended session ends (refresh at once, access and hub within the revocation time).</summary>
    private async Task<SuspensionRecord> SuspendStoredAsync(string actorId, string userId, DateTimeOffset? until, string reason, CancellationToken ct)
    {
        var suspension = new SuspensionRecord(userId, until, reason, actorId, time.GetStoredNow());
        await store.SetSuspensionAsync(suspension, ct);
        suspensions.Set(userId, suspension);
        await sessions.EndAllAsync(userId, null, ct);
        LogSuspended(logger, userId);
        return suspension;
    }

    private Task AuditAsync(string actorId, string action, string targetType, string targetId, string? note, CancellationToken ct) =>
        store.AppendAuditAsync(new AuditRecord(ObjectId.GenerateNewId().ToString(), actorId, action, targetType, targetId, note, time.GetStoredNow()), ct);

    private async Task CountReportAsync(string callerId, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var windowEnd = new DateTimeOffset(now.UtcTicks - (now.UtcTicks % ReportWindow.Ticks), TimeSpan.Zero) + ReportWindow;
        if (await counters.IncrementAsync($"reports:{callerId}", windowEnd, ct) > options.Value.ReportsPerHour)
        {
            throw new ProblemException(StatusCodes.Status429TooManyRequests, "Too many requests", "The report limit was reached; retry later.")
            {
                RetryAfter = windowEnd - now,
            };
        }
    }

    private static string? Note(InputRules rules, string field, string? value)
    {
        var note = value?.Trim();
        if (note is { Length: > MaxNoteLength })
        {
            rules.Add(field, $"Use 0 to {MaxNoteLength} characters.");
            return null;
        }

        return string.IsNullOrEmpty(note) ? null : note;
    }

    internal static ReportDto ToDto(ReportRecord r)
    {
        using var snapshot = JsonDocument.Parse(r.Snapshot);
        return new ReportDto(
            r.Id,
            new ReportTargetDto(r.TargetType, r.MessageId, r.UserId, r.ConversationId, snapshot.RootElement.Clone()),
            r.Reason,
            r.Note,
            r.ReporterIds,
            r.ReporterIds.Count,
            r.IsOpen ? "open" : "resolved",
            r.CreatedAt,
            r.Resolution is { } res ? new ReportResolutionDto(res.Action, res.Note, res.ActorId, res.At) : null);
    }

    [LoggerMessage(LogLevel.Information, "Report {ReportId} of a {TargetType} filed")]
    private static partial void LogReported(ILogger logger, string reportId, string targetType);

    [LoggerMessage(LogLevel.Information, "User {UserId} suspended; its sessions ended")]
    private static partial void LogSuspended(ILogger logger, string userId);
}
