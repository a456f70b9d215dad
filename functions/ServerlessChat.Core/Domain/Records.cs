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
    string? ClientMessageId,
    string? ReplyToId = null,
    IReadOnlyList<string>? Mentions = null)
{
    /// <summary>The users named with @ in a group message (never the sender); empty for direct messages.</summary>
    public IReadOnlyList<string> Mentions { get; init; } = Mentions ?? [];

    // By value, lists included, so a record read back equals the one stored.
    public bool Equals(MessageRecord? other) =>
        other is not null && Id == other.Id && ConversationId == other.ConversationId && SenderId == other.SenderId
        && ReceiverId == other.ReceiverId && GroupId == other.GroupId && Content == other.Content && CreatedAt == other.CreatedAt
        && EditedAt == other.EditedAt && Deleted == other.Deleted && ClientMessageId == other.ClientMessageId
        && ReplyToId == other.ReplyToId && Mentions.SequenceEqual(other.Mentions, StringComparer.Ordinal);

    public override int GetHashCode() => HashCode.Combine(Id, Content, EditedAt, Deleted);
}

/// <summary>One user's reaction to one message; <see cref="Sequence"/> orders reactions as they were made.</summary>
public sealed record ReactionRecord(string MessageId, string Emoji, string UserId, long Sequence);

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
