namespace ServerlessChat.Core.Domain;

// What the stores keep. Ids are MongoDB ObjectIds in hex in both stores, so ordering by id is ordering by
// creation time (to the second, then by the per-process counter), which is what paging relies on.

public sealed record UserRecord(
    string Id,
    string Username,
    string Email,
    string DisplayName,
    string PasswordHash,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    bool IsAssistant = false);

public sealed record MessageRecord(
    string Id,
    string ConversationId,
    string SenderId,
    string? ReceiverId,
    string? GroupId,
    string Content,
    DateTimeOffset CreatedAt,
    DateTimeOffset? EditedAt,
    bool Deleted,
    string? ClientMessageId);

public sealed record GroupRecord(
    string Id,
    string Name,
    IReadOnlyList<string> Members,
    IReadOnlyList<string> Admins,
    string CreatedBy,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    long Version);

/// <summary>The latest activity of one conversation; one record per conversation, not per member.</summary>
public sealed record ConversationRecord(
    string ConversationId,
    IReadOnlyList<string> Participants,
    string? GroupId,
    string LastMessageId,
    DateTimeOffset UpdatedAt);

public sealed record RefreshTokenRecord(
    string TokenHash,
    string UserId,
    string FamilyId,
    DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt,
    DateTimeOffset? UsedAt,
    DateTimeOffset? RevokedAt);

public sealed record ResetTokenRecord(
    string TokenHash,
    string UserId,
    DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt,
    DateTimeOffset? UsedAt);

public sealed record PresenceRecord(string UserId, int Connections, DateTimeOffset LastSeenAt);

/// <summary>
/// One entry of a conversation's change log: one per change per conversation, never per recipient.
/// <see cref="Seq"/> counts 1, 2, 3... within the conversation; <see cref="At"/> is the commit time in Unix
/// milliseconds, strictly increasing with <see cref="Seq"/> (a later change never gets an earlier time).
/// </summary>
public sealed record ChangeRecord(string ConversationId, long Seq, long At, string Type, string EntityId);

/// <summary>A stored value and the change-log entry written with it.</summary>
public sealed record Changed<T>(T Value, ChangeRecord Change);
