using Microsoft.AspNetCore.SignalR;
using ServerlessChat.Core.Realtime;

namespace ServerlessChat.Standalone.Realtime;

/// <summary>
/// Carries out Core's realtime actions on this host's hub. With the Redis backplane every call reaches the
/// connections of all instances. Never throws: the data behind an action is stored already, and a client that
/// missed an event catches up from the API.
/// </summary>
public sealed partial class HubContextPublisher(IHubContext<RealtimeHub> hub, IConnectionRegistry registry, ILogger<HubContextPublisher> logger)
    : IRealtimePublisher
{
    // Longer than any healthy backplane round trip, far shorter than the backplane's own 30-second wait for an
    // instance that is gone: the request answers, and the group change finishes (or not) in the background.
    private static readonly TimeSpan MembershipTimeout = TimeSpan.FromSeconds(5);

    public async Task PublishAsync(IReadOnlyList<RealtimeAction> actions, CancellationToken ct)
    {
        // Deliveries ignore the request's cancellation: once stored, a message should reach the others even if
        // its sender hung up.
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

                        await hub.Clients.Users(users).SendAsync(send.Target, send.Payload, CancellationToken.None);
                        break;
                    case SendToConnection send:
                        await hub.Clients.Client(send.ConnectionId).SendAsync(send.Target, send.Payload, CancellationToken.None);
                        break;
                    case SendToGroup send:
                        await hub.Clients.Group(send.GroupName).SendAsync(send.Target, send.Payload, CancellationToken.None);
                        break;
                    case AddUserToGroup add:
                        await ForEachConnectionAsync(add.UserId, connection => hub.Groups.AddToGroupAsync(connection, add.GroupName));
                        break;
                    case RemoveUserFromGroup remove:
                        await ForEachConnectionAsync(remove.UserId, connection => hub.Groups.RemoveFromGroupAsync(connection, remove.GroupName));
                        break;
                    default:
                        LogUnknownAction(logger, action.GetType().Name);
                        break;
                }
            }
            catch (Exception error)
            {
                LogFailed(logger, error, action.GetType().Name);
            }

            i += count;
        }
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
