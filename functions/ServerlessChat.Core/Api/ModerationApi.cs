using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using ServerlessChat.Core.Auth;
using ServerlessChat.Core.Http;
using ServerlessChat.Core.Moderation;
using ServerlessChat.Core.RateLimiting;
using ServerlessChat.Core.Realtime;

namespace ServerlessChat.Core.Api;

/// <summary>API.md "Trust and safety": reports from anyone, the queue and its actions for moderators and admins.</summary>
public static class ModerationApi
{
    public static IEnumerable<ChatEndpoint> Endpoints =>
    [
        new(nameof(FileReport), HttpMethods.Post, ChatRoutes.Reports, FileReport, RateLimitPolicy.PerUser, "Report a message or a user (joins the open report on the same target)") { Problems = [StatusCodes.Status404NotFound] },
        new(nameof(ListReports), HttpMethods.Get, ChatRoutes.ModerationReports, ListReports, RateLimitPolicy.PerUser, "The moderation queue, newest first") { MinimumRole = ChatRole.Moderator },
        new(nameof(ResolveReport), HttpMethods.Post, ChatRoutes.ModerationReportResolve, ResolveReport, RateLimitPolicy.PerUser, "Resolve a report: dismiss, remove the message or suspend the user") { MinimumRole = ChatRole.Moderator, Problems = [StatusCodes.Status409Conflict] },
        new(nameof(RemoveMessage), HttpMethods.Delete, ChatRoutes.ModerationMessage, RemoveMessage, RateLimitPolicy.PerUser, "Delete a message for everyone, by moderation") { MinimumRole = ChatRole.Moderator },
        new(nameof(SuspendUser), HttpMethods.Put, ChatRoutes.ModerationSuspension, SuspendUser, RateLimitPolicy.PerUser, "Suspend a user: its sessions end and it is refused everywhere") { MinimumRole = ChatRole.Moderator },
        new(nameof(LiftSuspension), HttpMethods.Delete, ChatRoutes.ModerationSuspension, LiftSuspension, RateLimitPolicy.PerUser, "Lift a user's suspension") { MinimumRole = ChatRole.Moderator },
        new(nameof(SetRole), HttpMethods.Put, ChatRoutes.ModerationRole, SetRole, RateLimitPolicy.PerUser, "Make a user a moderator, an admin or a plain user") { MinimumRole = ChatRole.Admin, Problems = [StatusCodes.Status409Conflict] },
        new(nameof(ListAudit), HttpMethods.Get, ChatRoutes.ModerationAudit, ListAudit, RateLimitPolicy.PerUser, "Every moderation action, newest first") { MinimumRole = ChatRole.Moderator },
    ];

    public static async Task<Results<Created<ReportCreatedDto>, Ok<ReportCreatedDto>>> FileReport(
        Caller caller, JsonBody<ReportRequest> body, ModerationService moderation, CancellationToken ct)
    {
        var (report, created) = await moderation.ReportAsync(caller.UserId, body.Value, ct);
        return created ? TypedResults.Created((string?)null, report) : TypedResults.Ok(report);
    }

    public static async Task<Ok<ReportPageDto>> ListReports(
        Caller caller, string? status, string? before, string? limit, ModerationService moderation, CancellationToken ct) =>
        TypedResults.Ok(await moderation.ListReportsAsync(status, before, limit, ct));

    public static async Task<Ok<ReportDto>> ResolveReport(
        Caller caller, string id, JsonBody<ResolveReportRequest> body, ModerationService moderation, IRealtimePublisher realtime, CancellationToken ct)
    {
        var outcome = await moderation.ResolveAsync(caller.UserId, id, body.Value, ct);
        await realtime.PublishAsync(outcome.Actions, ct);
        return TypedResults.Ok(outcome.Value);
    }

    public static async Task<NoContent> RemoveMessage(Caller caller, string id, ModerationService moderation, IRealtimePublisher realtime, CancellationToken ct)
    {
        var outcome = await moderation.RemoveMessageAsync(caller.UserId, id, ct);
        await realtime.PublishAsync(outcome.Actions, ct);
        return TypedResults.NoContent();
    }

    public static async Task<Ok<SuspensionDto>> SuspendUser(Caller caller, string id, JsonBody<SuspendRequest> body, ModerationService moderation, CancellationToken ct) =>
        TypedResults.Ok(await moderation.SuspendAsync(caller.UserId, id, body.Value, ct));

    public static async Task<NoContent> LiftSuspension(Caller caller, string id, ModerationService moderation, CancellationToken ct)
    {
        await moderation.LiftSuspensionAsync(caller.UserId, id, ct);
        return TypedResults.NoContent();
    }

    public static async Task<Ok<ModeratedUserDto>> SetRole(Caller caller, string id, JsonBody<SetRoleRequest> body, ModerationService moderation, CancellationToken ct) =>
        TypedResults.Ok(await moderation.SetRoleAsync(caller.UserId, id, body.Value, ct));

    public static async Task<Ok<AuditPageDto>> ListAudit(Caller caller, string? before, string? limit, ModerationService moderation, CancellationToken ct) =>
        TypedResults.Ok(await moderation.ListAuditAsync(before, limit, ct));
}
