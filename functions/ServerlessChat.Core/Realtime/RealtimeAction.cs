namespace ServerlessChat.Core.Realtime;

/// <summary>
/// What a request asks the realtime layer to do. Each kind maps one-to-one onto an Azure SignalR Service REST
/// operation (send to user, send to group, add or remove a user in a group) and onto an IHubContext call, so
/// Core decides who hears what and the hosts only carry it out.
/// </summary>
public abstract record RealtimeAction;

public sealed record SendToUser(string UserId, string Target, object Payload) : RealtimeAction;

/// <summary>To one connection (the <c>ready</c> event of a new connection).</summary>
public sealed record SendToConnection(string ConnectionId, string Target, object Payload) : RealtimeAction;

public sealed record SendToGroup(string GroupName, string Target, object Payload) : RealtimeAction;

public sealed record AddUserToGroup(string UserId, string GroupName) : RealtimeAction;

public sealed record RemoveUserFromGroup(string UserId, string GroupName) : RealtimeAction;

/// <summary>
/// Closes every hub connection of a session that ended (SignalR Service: the connections of the session's group,
/// see <see cref="ChatHub.SessionGroup"/>). The clients' reconnect then fails at negotiate.
/// </summary>
public sealed record CloseSessionConnections(string SessionId) : RealtimeAction;

/// <summary>Hub and event names shared by the hosts and the clients.</summary>
public static class ChatHub
{
    public const string Name = "chat";

    public const string NewMessage = "newMessage";
    public const string MessageUpdated = "messageUpdated";
    public const string MessageDeleted = "messageDeleted";
    public const string MessagesRead = "messagesRead";
    public const string ReactionsUpdated = "reactionsUpdated";
    public const string Typing = "typing";
    public const string Presence = "presence";
    public const string GroupUpdated = "groupUpdated";
    public const string CallSignal = "callSignal";

    /// <summary>A user's profile changed (or it was erased): to every user who shares a conversation with it.</summary>
    public const string UserUpdated = "userUpdated";

    /// <summary>Sent to a connection once it is joined to its user and groups: from then on it misses nothing.</summary>
    public const string Ready = "ready";

    /// <summary>A resume cursor covering what the connection brought since <see cref="Ready"/> (Sync/Checkpoints).</summary>
    public const string Checkpoint = "checkpoint";

    /// <summary>The SignalR group that carries a chat group's traffic.</summary>
    public static string GroupFor(string groupId) => $"group-{groupId}";

    /// <summary>The SignalR Service group that holds the connections of one session (no events are sent to it).</summary>
    public static string SessionGroup(string sessionId) => $"session-{sessionId}";
}

/// <summary>Carries out realtime actions. Implemented by each host; never throws for a delivery failure, because the data behind an action is already stored.</summary>
public interface IRealtimePublisher
{
    Task PublishAsync(IReadOnlyList<RealtimeAction> actions, CancellationToken ct);
}

/// <summary>A result and the realtime actions it calls for.</summary>
public sealed record Outcome<T>(T Value, IReadOnlyList<RealtimeAction> Actions);
