using System.Collections.Concurrent;
using Microsoft.AspNetCore.SignalR;

namespace ServerlessChat.Standalone.LocalSignalRService;

/// <summary>
/// The service's own state, in memory: which connections each user has and which groups each user was added to.
/// As in the service, adding a user to a group covers the user's current connections and the ones it opens
/// later, until the user is removed; a user id is any string.
/// </summary>
public sealed class LocalSignalRServiceConnections(IHubContext<LocalSignalRServiceHub> hub)
{
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, byte>> _connections = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, byte>> _groups = new(StringComparer.Ordinal);

    public async Task ConnectedAsync(string? userId, string connectionId)
    {
        if (string.IsNullOrEmpty(userId))
        {
            return;
        }

        // Registered before the groups are read: a group added in between then reaches it through AddUserToGroupAsync.
        Set(_connections, userId).TryAdd(connectionId, 0);
        foreach (var group in Set(_groups, userId).Keys)
        {
            await hub.Groups.AddToGroupAsync(connectionId, group);
        }
    }

    public void Disconnected(string? userId, string connectionId)
    {
        if (!string.IsNullOrEmpty(userId) && _connections.TryGetValue(userId, out var connections))
        {
            connections.TryRemove(connectionId, out _);
        }
    }

    public Task SendToUserAsync(string userId, string target, object payload, CancellationToken ct) =>
        hub.Clients.User(userId).SendAsync(target, payload, ct);

    public Task SendToGroupAsync(string group, string target, object payload, CancellationToken ct) =>
        hub.Clients.Group(group).SendAsync(target, payload, ct);

    public Task SendToConnectionAsync(string connectionId, string target, object payload, CancellationToken ct) =>
        hub.Clients.Client(connectionId).SendAsync(target, payload, ct);

    public async Task AddUserToGroupAsync(string userId, string group, CancellationToken ct)
    {
        Set(_groups, userId).TryAdd(group, 0);
        foreach (var connection in Set(_connections, userId).Keys)
        {
            await hub.Groups.AddToGroupAsync(connection, group, ct);
        }
    }

    public async Task RemoveUserFromGroupAsync(string userId, string group, CancellationToken ct)
    {
        Set(_groups, userId).TryRemove(group, out _);
        foreach (var connection in Set(_connections, userId).Keys)
        {
            await hub.Groups.RemoveFromGroupAsync(connection, group, ct);
        }
    }

    private static ConcurrentDictionary<string, byte> Set(ConcurrentDictionary<string, ConcurrentDictionary<string, byte>> map, string key) =>
        map.GetOrAdd(key, _ => new ConcurrentDictionary<string, byte>(StringComparer.Ordinal));
}
