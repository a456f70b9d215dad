using System.Text.Json;
using System.Text.Json.Serialization;

namespace ServerlessChat.Client;

/// <summary>Where the client's realtime connection is.</summary>
public enum ConnectionState
{
    /// <summary>Not connected, and not trying to be (before <see cref="ChatClient.ConnectAsync"/>, after <see cref="ChatClient.DisconnectAsync"/>).</summary>
    Disconnected,

    /// <summary>Opening its first connection.</summary>
    Connecting,

    /// <summary>Connected and caught up: every change up to now has been delivered.</summary>
    Connected,

    /// <summary>The connection dropped; a new one is on its way.</summary>
    Reconnecting,
}

/// <summary>How a stored-state change reached the client.</summary>
public enum ChangeSource
{
    /// <summary>A realtime event.</summary>
    Live,

    /// <summary>An answer of <c>GET /api/sync</c>.</summary>
    Sync,

    /// <summary>The answer to this client's own <see cref="ChatClient.SendMessageAsync"/>.</summary>
    Sent,
}

/// <summary>A stored-state change: its data, delivered once, in its conversation's order.</summary>
/// <typeparam name="T">The event's object.</typeparam>
/// <param name="Data">The event's object as the API sent it.</param>
/// <param name="Cursor">The change's cursor (the same live and in sync).</param>
/// <param name="Source">How it came.</param>
public sealed record ChatChange<T>(T Data, string? Cursor, ChangeSource Source);

/// <summary><c>messageDeleted</c>: the message is deleted.</summary>
public sealed record MessageDeletedEvent(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("conversationId")] string ConversationId);

/// <summary><c>messagesRead</c>: <see cref="ReaderId"/> has read the conversation up to the message <see cref="UpTo"/>.</summary>
public sealed record MessagesReadEvent(
    [property: JsonPropertyName("conversationId")] string ConversationId,
    [property: JsonPropertyName("readerId")] string ReaderId,
    [property: JsonPropertyName("upTo")] string UpTo);

/// <summary><c>reactionsUpdated</c>: a message's reactions as they are now.</summary>
public sealed record ReactionsUpdatedEvent(
    [property: JsonPropertyName("messageId")] string MessageId,
    [property: JsonPropertyName("conversationId")] string ConversationId,
    [property: JsonPropertyName("reactions")] IReadOnlyList<ReactionDto> Reactions);

/// <summary><c>typing</c>: a user is typing in a conversation.</summary>
public sealed record TypingEvent(
    [property: JsonPropertyName("conversationId")] string ConversationId,
    [property: JsonPropertyName("userId")] string UserId);

/// <summary><c>callSignal</c>: a WebRTC signaling message.</summary>
public sealed record CallSignalEvent(
    [property: JsonPropertyName("callId")] string CallId,
    [property: JsonPropertyName("fromUserId")] string FromUserId,
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("payload")] JsonElement? Payload);

/// <summary>The sync cursor moved.</summary>
/// <param name="Cursor">Where the next (re)connect resumes; keep it to resume after a restart (<see cref="ChatClientOptions.Cursor"/>).</param>
/// <param name="FromCheckpoint">True when a <c>checkpoint</c> moved it, false for a sync answer.</param>
public sealed record CursorChangedEventArgs(string? Cursor, bool FromCheckpoint);

/// <summary>A sync (every page of it) was applied.</summary>
/// <param name="Changes">How many changes its answers held, those already applied live included.</param>
/// <param name="Cursor">The cursor it ended at.</param>
public sealed record SyncCompletedEventArgs(int Changes, string Cursor);

/// <summary>A queued message the server refused for good (a 4xx); it is out of the outbox.</summary>
public sealed record OutboxFailedEventArgs(string ClientMessageId, SendMessageRequest Request, Exception Error);

/// <summary>A message written but not yet stored.</summary>
public sealed record PendingMessage(string ClientMessageId, SendMessageRequest Request, DateTimeOffset QueuedAt);
