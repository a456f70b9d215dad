using Microsoft.AspNetCore.Http;
using ServerlessChat.Core.Http;
using ServerlessChat.Core.Realtime;
using ServerlessChat.Core.Telemetry;
using ServerlessChat.Core.Sync;

namespace ServerlessChat.Core.AzureSignalR;

/// <summary>
/// The service's upstream calls (serverless mode): <c>POST {hub}/{category}/{event}</c> with the X-ASRS-* headers.
/// Only genuine calls count: the signature must match a key we hold, or the answer is 401 before anything is read.
/// Connected and disconnected events feed presence; the heartbeat covers events that never arrive.
/// </summary>
public sealed class AzureSignalRUpstream(
    AzureSignalRAuthorization authorization, PresenceService presence, SyncService sync, IRealtimePublisher realtime, AzureSignalRSessionConnections sessions)
{
    public const string ConnectionIdHeader = "X-ASRS-Connection-Id";
    public const string UserIdHeader = "X-ASRS-User-Id";
    public const string ConnectionsCategory = "connections";
    public const string ConnectedEvent = "connected";
    public const string DisconnectedEvent = "disconnected";

    public async Task HandleAsync(HttpContext context, string hub, string category, string @event)
    {
        try
        {
            await HandleCoreAsync(context, hub, category, @event);
        }
        catch (Exception error) when (!context.Response.HasStarted)
        {
            await ChatProblems.WriteAsync(context, error);
        }
    }

    private async Task HandleCoreAsync(HttpContext context, string hub, string category, string @event)
    {
        var headers = context.Request.Headers;
        // With a managed identity there is no key to check a signature with, so nothing is accepted: the
        // deployment keeps a key-based connection string for exactly this reason.
        var keys = authorization.Connection.AccessKey is { } key ? [key] : Array.Empty<string>();
        if (!UpstreamSignature.IsValid(headers[ConnectionIdHeader], headers[UpstreamSignature.Header], keys))
        {
            throw ProblemException.Unauthorized("The upstream signature is missing or does not match.");
        }

        if (!string.Equals(hub, ChatHub.Name, StringComparison.OrdinalIgnoreCase))
        {
            throw ProblemException.NotFound($"No hub '{hub}' here.");
        }

        var userId = headers[UserIdHeader].ToString();
        var ct = context.RequestAborted;
        if (string.Equals(category, ConnectionsCategory, StringComparison.OrdinalIgnoreCase)
            && string.Equals(@event, ConnectedEvent, StringComparison.OrdinalIgnoreCase))
        {
            // Before anything else: a connection of a session that has ended is closed, not set up.
            await sessions.ConnectedAsync(headers[ConnectionIdHeader].ToString(), AzureSignalRSessionConnections.SessionIdOf(headers[AzureSignalRSessionConnections.ClaimsHeader]), ct);
        }

        IReadOnlyList<RealtimeAction> actions = (category.ToLowerInvariant(), @event.ToLowerInvariant(), userId) switch
        {
            // An anonymous connection has no presence; ours always carry a user id, but the service allows them.
            (ConnectionsCategory, ConnectedEvent or DisconnectedEvent, "") => [],
            // The service keeps group membership per user, so a new connection of the user is in its groups the
            // moment it exists; ready goes to that one connection once this handler has run.
            (ConnectionsCategory, ConnectedEvent, _) =>
                [.. await presence.ConnectedAsync(userId, ct), new SendToConnection(headers[ConnectionIdHeader].ToString(), ChatHub.Ready, new ReadyDto(sync.CurrentCursor()))],
            (ConnectionsCategory, DisconnectedEvent, _) => await presence.DisconnectedAsync(userId, ct),
            // Clients only listen (serverless mode); a hub method invocation has nothing to run here.
            _ => throw ProblemException.BadRequest($"The upstream event '{category}/{@event}' is not handled."),
        };
        if (string.Equals(category, ConnectionsCategory, StringComparison.OrdinalIgnoreCase) && userId.Length > 0)
        {
            if (string.Equals(@event, ConnectedEvent, StringComparison.OrdinalIgnoreCase))
            {
                ChatTelemetry.ConnectionOpened("signalr-service");
            }
            else
            {
                ChatTelemetry.ConnectionClosed("signalr-service");
            }
        }

        await realtime.PublishAsync(actions, ct);
        context.Response.StatusCode = StatusCodes.Status200OK;
    }
}
