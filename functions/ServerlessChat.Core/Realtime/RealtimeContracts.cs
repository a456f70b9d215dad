using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ServerlessChat.Core.Realtime;

// The JSON shapes of API.md's Realtime and Calls sections: request bodies and event payloads.

/// <summary>The SignalR redirect answer: the clients connect to <see cref="Url"/> with <see cref="AccessToken"/>.</summary>
public sealed record NegotiateDto(string Url, string AccessToken);

/// <summary>The <c>ready</c> event: the client syncs from its last applied cursor (or starts from this one).</summary>
public sealed record ReadyDto(string Cursor);

/// <summary>The <c>checkpoint</c> event: a resume cursor for a client that applied every event since <c>ready</c>.</summary>
public sealed record CheckpointDto(string Cursor);

public sealed record TypingRequest(string? ReceiverId, string? GroupId);

public sealed record TypingDto(string ConversationId, string UserId);

/// <summary><see cref="LastSeenAt"/> is null for a user never seen connected.</summary>
public sealed record PresenceDto(string UserId, bool Online, DateTimeOffset? LastSeenAt);

public sealed record CallSignalRequest([property: Required] string? ToUserId, [property: Required] string? CallId, [property: Required] string? Type, JsonElement? Payload);

public sealed record CallSignalDto(string CallId, string FromUserId, string Type, JsonElement? Payload);

/// <summary>Absent rather than null credentials: a browser turns a null username into the string "null".</summary>
public sealed record IceServerDto(
    IReadOnlyList<string> Urls,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Username,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Credential);

public sealed record IceServersDto(IReadOnlyList<IceServerDto> IceServers);
