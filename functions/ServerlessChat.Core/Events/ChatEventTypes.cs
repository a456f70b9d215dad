using ServerlessChat.Core.Domain;
using ServerlessChat.Core.Realtime;
using ServerlessChat.Core.Storage;

namespace ServerlessChat.Core.Events;

/// <summary>
/// The event types of events out and which change-log entries they come from. Conversation changes are the
/// entries sync reads; changes of a user (and reports against it) are entries of the user's own log,
/// <see cref="UserLog"/>, which no conversation's sync ever reads.
/// </summary>
public static class ChatEventTypes
{
    public const string MessageCreated = "message.created";
    public const string MessageUpdated = "message.updated";
    public const string MessageDeleted = "message.deleted";
    public const string ReactionUpdated = "reaction.updated";
    public const string GroupCreated = "group.created";
    public const string GroupUpdated = "group.updated";
    public const string UserCreated = "user.created";
    public const string UserUpdated = "user.updated";
    public const string UserDeleted = "user.deleted";
    public const string ReportCreated = "report.created";

    public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal)
    {
        MessageCreated, MessageUpdated, MessageDeleted, ReactionUpdated, GroupCreated, GroupUpdated,
        UserCreated, UserUpdated, UserDeleted, ReportCreated,
    };

    /// <summary>The event an entry makes, or null for entries that make none (read markers, placeholders).</summary>
    public static string? Of(ChangeRecord change) => change.Type switch
    {
        ChatHub.NewMessage => MessageCreated,
        ChatHub.MessageUpdated => MessageUpdated,
        ChatHub.MessageDeleted => MessageDeleted,
        ChatHub.ReactionsUpdated => ReactionUpdated,
        // A group's conversation starts with the entry of its creation.
        ChatHub.GroupUpdated => change.Seq == 1 ? GroupCreated : GroupUpdated,
        UserLog.Created when UserLog.IsUserLog(change.ConversationId) => UserCreated,
        UserLog.Updated when UserLog.IsUserLog(change.ConversationId) => UserUpdated,
        UserLog.Deleted when UserLog.IsUserLog(change.ConversationId) => UserDeleted,
        UserLog.ReportCreated when UserLog.IsUserLog(change.ConversationId) => ReportCreated,
        _ => null,
    };
}

/// <summary>
/// A user's own change log: the conversation id <c>u:&lt;userId&gt;</c> (never a real conversation, so sync never
/// reads it) holds the user's creation, updates and erasure, and reports filed against it, in order.
/// </summary>
public static class UserLog
{
    public const string Created = "userCreated";
    public const string Updated = "userUpdated";
    public const string Deleted = "userDeleted";
    /// <summary>Entity: the report's id; logged under the reported user (the sender of a reported message).</summary>
    public const string ReportCreated = "reportCreated";

    private const string Prefix = "u:";

    public static string Of(string userId) => Prefix + userId;

    /// <summary>Records a change of the user (<see cref="Created"/>, <see cref="Updated"/>, <see cref="Deleted"/>) in its own log, for events out.</summary>
    public static Task RecordAsync(IChangeLog changes, string userId, string type, CancellationToken ct) =>
        changes.AppendAsync(Of(userId), type, userId, ct);

    public static bool IsUserLog(string conversationId) => conversationId.StartsWith(Prefix, StringComparison.Ordinal);

    /// <summary>The CloudEvents subject of an entry: the user id for a user's log, else the conversation id.</summary>
    public static string Subject(string conversationId) => IsUserLog(conversationId) ? conversationId[Prefix.Length..] : conversationId;
}
