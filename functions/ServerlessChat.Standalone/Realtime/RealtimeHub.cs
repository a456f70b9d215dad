using Microsoft.AspNetCore.SignalR;
using ServerlessChat.Core.Realtime;
using ServerlessChat.Core.Telemetry;
using ServerlessChat.Core.Storage;
using ServerlessChat.Standalone.Limits;
using ServerlessChat.Core.Sync;

namespace ServerlessChat.Standalone.Realtime;

/// <summary>
/// The "chat" hub. Clients only listen here (they send through the HTTP API); the hub keeps each connection in
/// the SignalR groups of its user's chat groups and reports connections to presence. It reads the user from
/// <see cref="HubCallerContext.UserIdentifier"/>, so it serves any endpoint whose authentication puts the user id
/// in the NameIdentifier claim.
/// </summary>
public sealed partial class RealtimeHub(
    IConnectionRegistry registry, IGroupStore groups, PresenceService presence, SyncService sync, IRealtimePublisher publisher, HubAdmission admission,
    HubSessions sessions, ILogger<RealtimeHub> logger) : Hub
{
    public override async Task OnConnectedAsync()
    {
        var userId = Context.UserIdentifier;
        if (string.IsNullOrEmpty(userId))
        {
            Context.Abort();
            return;
        }

        if (!admission.TryAdmit(Context))
        {
            return;
        }

        var ct = Context.ConnectionAborted;
        admission.Connected();
        // Tracked first: the sweep closes it when its session ends or its token expires, even if setup fails later.
        sessions.Add(Context, Context.User?.FindFirst(HubTokenAuthenticationHandler.SessionClaim)?.Value, TokenExpiry());
        // Registered before the groups are read: a member added in between is then added through the registry,
        // and one added before is in the list.
        await registry.AddAsync(userId, Context.ConnectionId);
        try
        {
            foreach (var group in await groups.ListForMemberAsync(userId, ct))
            {
                await Groups.AddToGroupAsync(Context.ConnectionId, ChatHub.GroupFor(group.Id), ct);
            }

            await publisher.PublishAsync(await presence.ConnectedAsync(userId, ct), ct);

            // The lifetime manager (with Redis: its user and connection subscriptions) joined this connection
            // before OnConnectedAsync ran, and its groups are joined above: nothing sent from now on can miss it.
            await Clients.Caller.SendAsync(ChatHub.Ready, new ReadyDto(sync.CurrentCursor()), ct);
        }
        catch (Exception error)
        {
            // Thrown, the error would close the connection for good: SignalR tells the client not to reconnect. A
            // host that is stopping (its store closing under this setup) or a store that failed for a moment must
            // not strand clients, so the connection is taken back and aborted, and the client tries again.
            if (!ct.IsCancellationRequested)
            {
                LogSetupFailed(logger, error, userId);
            }

            await registry.RemoveAsync(userId, Context.ConnectionId);
            sessions.Remove(Context.ConnectionId);
            admission.Revoke(Context);
            return;
        }

        ChatTelemetry.ConnectionOpened("hub");
    }

    public override async Task OnDisconnectedAsync(Exception? exception)
    {
        var userId = Context.UserIdentifier;
        if (string.IsNullOrEmpty(userId) || !HubAdmission.WasAdmitted(Context))
        {
            return;
        }

        admission.Disconnected();
        sessions.Remove(Context.ConnectionId);
        ChatTelemetry.ConnectionClosed("hub");
        try
        {
            await registry.RemoveAsync(userId, Context.ConnectionId);
            await publisher.PublishAsync(await presence.DisconnectedAsync(userId, CancellationToken.None), CancellationToken.None);
        }
        catch (Exception error)
        {
            // The presence sweeper turns the user offline after the timeout if this count was lost.
            LogDisconnectFailed(logger, error, userId);
        }
    }

    private DateTimeOffset TokenExpiry() =>
        long.TryParse(Context.User?.FindFirst(HubTokenAuthenticationHandler.ExpiresClaim)?.Value, System.Globalization.CultureInfo.InvariantCulture, out var seconds)
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : DateTimeOffset.MaxValue;

    /// <summary>Optional over the hub, as <c>POST /api/presence/heartbeat</c> is over HTTP.</summary>
    public async Task Heartbeat()
    {
        var userId = Context.UserIdentifier!;
        await publisher.PublishAsync(await presence.HeartbeatAsync([userId], Context.ConnectionAborted), Context.ConnectionAborted);
    }

    [LoggerMessage(LogLevel.Warning, "Setting up a hub connection of user {UserId} failed; aborted so that the client reconnects")]
    private static partial void LogSetupFailed(ILogger logger, Exception error, string userId);

    [LoggerMessage(LogLevel.Warning, "Recording the disconnect of user {UserId} failed")]
    private static partial void LogDisconnectFailed(ILogger logger, Exception error, string userId);
}
