using Microsoft.AspNetCore.SignalR;
using ServerlessChat.Core.Checkpoints;
using ServerlessChat.Core.Realtime;
using ServerlessChat.Core.Telemetry;

namespace ServerlessChat.Standalone.Realtime;

/// <summary>
/// Carries out Core's realtime actions on this host's hub. With the Redis backplane every call reaches the
/// connections of all instances. Never throws: the data behind an action is stored already, and a client that
/// missed an event catches up from the API.
/// </summary>
public sealed partial class HubContextPublisher(
    IHubContext<RealtimeHub> hub, HubLifetimeManager<RealtimeHub> lifetime, IConnectionRegistry registry, HubSessions sessions,
    CheckpointLedger checkpoints, ILogger<HubContextPublisher> logger)
    : IRealtimePublisher
{
    // Longer than any healthy backplane round trip, far shorter than the backplane's own 30-second wait for an
    // instance that is gone: the request answers, and the group change finishes (or not) in the background.
    private static readonly TimeSpan MembershipTimeout = TimeSpan.FromSeconds(5);

    private const string Transport = "hub";

    // With the Redis backplane, sends to one group start one at a time (a group always takes the same lane), in
    // arrival order: the backplane publishes a group's messages in that order, so every member sees the same
    // order. Only the start is serialized; the publish is awaited outside the lane. In one process the lifetime
    // manager (LocalHubLifetimeManager) orders and batches group sends itself.
    private readonly SemaphoreSlim[] _groupLanes = Enumerable.Range(0, 64).Select(_ => new SemaphoreSlim(1, 1)).ToArray();

    public async Task PublishAsync(IReadOnlyList<RealtimeAction> actions, CancellationToken ct)
    {
        // Deliveries ignore the request's cancellation: once stored, a message should reach the others even if
        // its sender hung up.
        using var span = ChatTelemetry.StartPublish(Transport, actions.Count);
        var i = 0;
        while (i < actions.Count)
        {
            var action = actions[i];
            var count = 1;
            try
            {
                switch (action)
                {
                    case SendToUser send:
                        // Consecutive sends of one payload (presence, typing, a message to receiver and sender) go
                        // out as one multi-user send, serialized once.
                        var users = new List<string> { send.UserId };
                        while (i + count < actions.Count && actions[i + count] is SendToUser next
                            && next.Target == send.Target && ReferenceEquals(next.Payload, send.Payload))
                        {
                            users.Add(next.UserId);
                            count++;
                        }

                        await SendToUsersAsync(users, send.Target, send.Payload);
                        break;
                    case SendToConnection send:
                        await hub.Clients.Client(send.ConnectionId).SendAsync(send.Target, send.Payload, CancellationToken.None);
                        break;
                    case SendToGroup send:
                        await SendToGroupAsync(send.GroupName, send.Target, send.Payload);
                        break;
                    case AddUserToGroup add:
                        await ForEachConnectionAsync(add.UserId, connection => hub.Groups.AddToGroupAsync(connection, add.GroupName));
                        break;
                    case RemoveUserFromGroup remove:
                        await ForEachConnectionAsync(remove.UserId, connection => hub.Groups.RemoveFromGroupAsync(connection, remove.GroupName));
                        break;
                    case CloseSessionConnections close:
                        // This instance's at once; other instances' within their sweep period (HubSessionSweeper).
                        sessions.Close(close.SessionId);
                        break;
                    default:
                        LogUnknownAction(logger, action.GetType().Name);
                        break;
                }

                ChatTelemetry.RecordPush(Transport, action.GetType().Name, count, failed: false);
            }
            catch (Exception error)
            {
                ChatTelemetry.RecordPush(Transport, action.GetType().Name, count, failed: true);
                checkpoints.Failed(action);
                LogFailed(logger, error, action.GetType().Name);
            }

            i += count;
        }
    }

    private async Task SendToGroupAsync(string group, string target, object? payload)
    {
        if (lifetime is LocalHubLifetimeManager)
        {
            await hub.Clients.Group(group).SendAsync(target, payload, CancellationToken.None);
            return;
        }

        var lane = _groupLanes[(uint)StringComparer.Ordinal.GetHashCode(group) % (uint)_groupLanes.Length];
        await lane.WaitAsync();
        Task sent;
        try
        {
            sent = hub.Clients.Group(group).SendAsync(target, payload, CancellationToken.None);
        }
        finally
        {
            lane.Release();
        }

        await sent;
    }

    private Task SendToUsersAsync(List<string> users, string target, object? payload)
    {
        // Without a backplane SignalR finds a user's connections by walking every open connection of the process,
        // once a send: with 10,000 open, that walk was the cost of a direct message (about 50 sends/s instead of
        // hundreds). The local registry knows them directly. With Redis, Users() goes through per-user channels.
        if (registry is LocalConnectionRegistry local)
        {
            var connections = new List<string>();
            foreach (var user in users)
            {
                connections.AddRange(local.Local(user));
            }

            return connections.Count == 0 ? Task.CompletedTask : hub.Clients.Clients(connections).SendAsync(target, payload, CancellationToken.None);
        }

        return hub.Clients.Users(users).SendAsync(target, payload, CancellationToken.None);
    }

    private async Task ForEachConnectionAsync(string userId, Func<string, Task> change)
    {
        var connections = await registry.GetAsync(userId);
        if (connections.Count > 0)
        {
            await Task.WhenAll(connections.Select(change)).WaitAsync(MembershipTimeout);
        }
    }

    [LoggerMessage(LogLevel.Warning, "Realtime action {Action} failed; continuing")]
    private static partial void LogFailed(ILogger logger, Exception error, string action);

    [LoggerMessage(LogLevel.Error, "Unknown realtime action {Action}")]
    private static partial void LogUnknownAction(ILogger logger, string action);
}
