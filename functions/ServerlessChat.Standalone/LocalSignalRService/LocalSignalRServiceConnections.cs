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

    // Connection-level groups (the service's PUT groups/{group}/connections/{id}), kept to close a group's
    // connections; and each open connection, to abort it.
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, byte>> _connectionGroups = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, HubCallerContext> _contexts = new(StringComparer.Ordinal);

    public async Task ConnectedAsync(string? userId, HubCallerContext context)
    {
        var connectionId = context.ConnectionId;
        _contexts[connectionId] = context;
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
        _contexts.TryRemove(connectionId, out _);
        foreach (var members in _connectionGroups.Values)
        {
            members.TryRemove(connectionId, out _);
        }

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

    public async Task AddConnectionToGroupAsync(string connectionId, string group, CancellationToken ct)
    {
        Set(_connectionGroups, group).TryAdd(connectionId, 0);
        await hub.Groups.AddToGroupAsync(connectionId, group, ct);
    }

    /// <summary>Aborts every connection added to the group (the client sees the connection drop and reconnects).</summary>
    public void CloseGroup(string group)
    {
        if (_connectionGroups.TryRemove(group, out var members))
        {
            foreach (var connectionId in members.Keys)
            {
                Close(connectionId);
            }
        }
    }

    public void Close(string connectionId)
    {
        if (_contexts.TryGetValue(connectionId, out var context))
        {
            context.Abort();
        }
    }

    private static ConcurrentDictionary<string, byte> Set(ConcurrentDictionary<string, ConcurrentDictionary<string, byte>> map, string key) =>
        map.GetOrAdd(key, _ => new ConcurrentDictionary<string, byte>(StringComparer.Ordinal));
}
