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
    bool IsAssistant = false,
    GroupAdds? GroupAdds = null,
    string? ExternalId = null)
{
    /// <summary>When the user asked for its account to be erased; set for good from then on (null: never asked).</summary>
    public DateTimeOffset? ErasureRequestedAt { get; init; }

    /// <summary>The erasure is done: name, email and password are gone (<see cref="Storage.IUserStore.CompleteErasureAsync"/>).</summary>
    public bool Erased { get; init; }

    /// <summary>The user's status (<c>PATCH /api/users/me</c>); shown until <see cref="UserStatus.ExpiresAt"/>.</summary>
    public UserStatus? Status { get; init; }

    /// <summary>The user's avatar: the id of its square thumbnail in the blob store (<c>avatars/{id}</c>); null for none.</summary>
    public string? AvatarId { get; init; }

    /// <summary>Erased or being erased: shown as a deleted user, never found, messaged, added or called.</summary>
    public bool IsErased => ErasureRequestedAt is not null || Erased;

    /// <summary>The username an erased user shows under (its old one is free for anyone).</summary>
    public static string ErasedUsername(string id) => $"deleted-{id}";

    public const string ErasedDisplayName = "Deleted user";
}

/// <summary>A user's status: a text, an emoji, and when it stops showing (never when null).</summary>
public sealed record UserStatus(string Text, string? Emoji, DateTimeOffset? ExpiresAt)
{
    public bool IsShownAt(DateTimeOffset now) => ExpiresAt is not { } expires || expires > now;
}

/// <summary>
/// A profile change: null leaves a field as it is; <see cref="SetStatus"/> with a null status clears it, and
/// <see cref="SetAvatar"/> with a null avatar removes it.
/// </summary>
public sealed record ProfileChange(string? DisplayName, bool SetStatus, UserStatus? Status, bool SetAvatar = false, string? AvatarId = null)
{
    /// <summary>The user as this change leaves it at <paramref name="at"/> (what a store writes, computed from what it read).</summary>
    public UserRecord ApplyTo(UserRecord user, DateTimeOffset at) => user with
    {
        DisplayName = DisplayName ?? user.DisplayName,
        Status = SetStatus ? Status : user.Status,
        AvatarId = SetAvatar ? AvatarId : user.AvatarId,
        UpdatedAt = at,
    };
}

/// <summary>A profile as it was before a change and as the change left it (so the replaced avatar can go).</summary>
public sealed record ProfileUpdate(UserRecord Before, UserRecord After);

/// <summary>
/// Who may add a user to a group (<c>PUT /api/users/me/privacy</c>); null on a user who never chose, who follows
/// <c>Privacy:DefaultGroupAdds</c>. A user who blocked another is never added by it.
/// </summary>
public enum GroupAdds
{
    /// <summary>Only users the user has itself messaged directly.</summary>
    Contacts,
    Everyone,
}

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

    /// <summary>Who deleted a deleted message when it was not its sender: <c>moderation</c>; null otherwise.</summary>
    public string? DeletedBy { get; init; }

    /// <summary>The root of the thread this message replies in; null for a top-level message.</summary>
    public string? ThreadId { get; init; }

    /// <summary>
    /// Whether the message is in its conversation's history: every top-level message, and a thread reply sent
    /// with <c>alsoInConversation</c>. A reply kept only in its thread counts neither as unread nor as the latest.
    /// </summary>
    public bool InConversation { get; init; } = true;

    /// <summary>The previews of the links in the text, filled after the send (<c>Links:Enabled</c>); empty until then.</summary>
    public IReadOnlyList<LinkPreviewRecord> Links { get; init; } = [];

    /// <summary>What a root's replies add up to (kept on the root by the reply's own write); null before the first reply.</summary>
    public ThreadSummary? Thread { get; init; }

    /// <summary>
    /// What a system message records (a group change, a call); null for a message a user wrote. Its sender is the
    /// user who acted (<see cref="SystemNotice.SystemSenderId"/> when nobody did), so the conversation's participants
    /// and dedupe keys work as for any message; the API shows it as sent by <c>system</c>.
    /// </summary>
    public SystemNotice? System { get; init; }

    // By value, lists included, so a record read back equals the one stored.
    public bool Equals(MessageRecord? other) =>
        other is not null && Id == other.Id && ConversationId == other.ConversationId && SenderId == other.SenderId
        && ReceiverId == other.ReceiverId && GroupId == other.GroupId && Content == other.Content && CreatedAt == other.CreatedAt
        && EditedAt == other.EditedAt && Deleted == other.Deleted && ClientMessageId == other.ClientMessageId
        && ReplyToId == other.ReplyToId && Mentions.SequenceEqual(other.Mentions, StringComparer.Ordinal) && DeletedBy == other.DeletedBy
        && ThreadId == other.ThreadId && InConversation == other.InConversation && Equals(Thread, other.Thread)
        && Links.SequenceEqual(other.Links) && Equals(System, other.System);

    public override int GetHashCode() => HashCode.Combine(Id, Content, EditedAt, Deleted);
}

/// <summary>
/// A system message's record: <see cref="Type"/> is one of <see cref="Types"/>; <see cref="UserIds"/> for members
/// added or removed, <see cref="Name"/> for a rename or a creation, the call fields for <c>call</c>, the text of a
/// server API notice in the message's content.
/// </summary>
public sealed record SystemNotice(
    string Type,
    string? ActorId,
    IReadOnlyList<string>? UserIds = null,
    string? Name = null,
    string? CallId = null,
    string? Outcome = null,
    int? DurationSeconds = null)
{
    public const string Created = "created";
    public const string Renamed = "renamed";
    public const string MembersAdded = "membersAdded";
    public const string MembersRemoved = "membersRemoved";
    public const string Left = "left";
    public const string Frozen = "frozen";
    public const string Unfrozen = "unfrozen";
    public const string Call = "call";
    /// <summary>A text the integrator's backend sent as <c>system</c> (the server API).</summary>
    public const string Notice = "notice";

    public static readonly IReadOnlyList<string> Types = [Created, Renamed, MembersAdded, MembersRemoved, Left, Frozen, Unfrozen, Call, Notice];

    /// <summary>The stored sender of a system message nobody caused (the server API's): an ObjectId no user has.</summary>
    public const string SystemSenderId = "000000000000000000000000";

    /// <summary>The sender id the API shows for every system message.</summary>
    public const string ApiSenderId = "system";

    public bool Equals(SystemNotice? other) =>
        other is not null && Type == other.Type && ActorId == other.ActorId && Name == other.Name && CallId == other.CallId
        && Outcome == other.Outcome && DurationSeconds == other.DurationSeconds
        && (UserIds ?? []).SequenceEqual(other.UserIds ?? [], StringComparer.Ordinal);

    public override int GetHashCode() => HashCode.Combine(Type, ActorId, Name, CallId);
}

/// <summary>
/// A thread root's replies: how many, when the latest was sent, and who replied (each once, in the order of their
/// first reply).
/// </summary>
public sealed record ThreadSummary(long ReplyCount, DateTimeOffset LastReplyAt, IReadOnlyList<string> Participants)
{
    public bool Equals(ThreadSummary? other) =>
        other is not null && ReplyCount == other.ReplyCount && LastReplyAt == other.LastReplyAt && Participants.SequenceEqual(other.Participants, StringComparer.Ordinal);

    public override int GetHashCode() => HashCode.Combine(ReplyCount, LastReplyAt);
}

/// <summary>A user's part in a thread (it started it, replied or was mentioned in a reply) and where it has read the thread to.</summary>
public sealed record ThreadMemberRecord(string UserId, string RootId, string ConversationId, string? ReadUpTo);

/// <summary>A link of a message and what its page says about itself; all but the URL optional.</summary>
public sealed record LinkPreviewRecord(string Url, string? Title, string? Description, string? SiteName);

/// <summary>One earlier version of an edited message: its text and when that text was written (sent or edited).</summary>
public sealed record MessageEditRecord(string Content, DateTimeOffset EditedAt)
{
    /// <summary>How many earlier versions a message keeps; beyond that the oldest go first.</summary>
    public const int MaxKept = 100;
}

/// <summary>A pinned message of a conversation: who pinned it and when.</summary>
public sealed record PinRecord(string ConversationId, string MessageId, string PinnedBy, DateTimeOffset PinnedAt);

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
    long Version,
    string Description = "",
    bool Frozen = false,
    IReadOnlyList<MutedMember>? MutedMembers = null)
{
    /// <summary>The group's avatar: the id of its square thumbnail in the blob store (<c>avatars/{id}</c>); null for none.</summary>
    public string? AvatarId { get; init; }

    /// <summary>Members who may not send until <see cref="MutedMember.Until"/> (for good when null), in the order they were muted.</summary>
    public IReadOnlyList<MutedMember> MutedMembers { get; init; } = MutedMembers ?? [];

    /// <summary>Whether the user is muted at <paramref name="now"/>.</summary>
    public bool IsMuted(string userId, DateTimeOffset now) => MutedMembers.Any(m => m.UserId == userId && (m.Until is not { } until || until > now));
}

/// <summary>Where one user has read a conversation up to, and when it last moved (null for a marker older than that record).</summary>
public sealed record ReadMarkerRecord(string UserId, string UpTo, DateTimeOffset? ReadAt);

/// <summary>A group member an admin muted, until a time or (null) until unmuted.</summary>
public sealed record MutedMember(string UserId, DateTimeOffset? Until);

/// <summary>
/// A link into a group: anyone with the token may join while it is live (not revoked, not expired, and used fewer
/// than <see cref="MaxUses"/> times when that is set).
/// </summary>
public sealed record GroupInviteRecord(
    string Token,
    string GroupId,
    string CreatedBy,
    DateTimeOffset CreatedAt,
    DateTimeOffset? ExpiresAt,
    int? MaxUses,
    int Uses,
    bool Revoked)
{
    public bool IsLive(DateTimeOffset now) => !Revoked && (ExpiresAt is not { } expires || expires > now) && (MaxUses is not { } max || Uses < max);
}

/// <summary>The latest activity of one conversation; one record per conversation, not per member.</summary>
public sealed record ConversationRecord(
    string ConversationId,
    IReadOnlyList<string> Participants,
    string? GroupId,
    string LastMessageId,
    DateTimeOffset UpdatedAt)
{
    /// <summary>The conversation as this message leaves it: its latest, updated when the message was sent.</summary>
    public static ConversationRecord LatestOf(MessageRecord message) => new(
        message.ConversationId,
        message.GroupId is null ? [message.SenderId, message.ReceiverId!] : [],
        message.GroupId,
        message.Id,
        message.CreatedAt);
}

public sealed record RefreshTokenRecord(
    string TokenHash,
    string UserId,
    string FamilyId,
    DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt,
    DateTimeOffset? UsedAt,
    DateTimeOffset? RevokedAt);

/// <summary>
/// A session: one login chain. <see cref="CurrentTokenHash"/> is the hash of the one refresh token that may be
/// traded next; a refresh swaps it in one conditional write, so exactly one trade of a token wins, and a chain
/// ended once (<see cref="EndedAt"/>) takes no further trade, whatever tokens were issued concurrently.
/// </summary>
public sealed record SessionRecord(
    string Id,
    string UserId,
    string CurrentTokenHash,
    DateTimeOffset CreatedAt,
    DateTimeOffset LastUsedAt,
    DateTimeOffset ExpiresAt,
    string? UserAgent,
    DateTimeOffset? EndedAt);

public sealed record EndedSession(string Id, string UserId, DateTimeOffset EndedAt);

public sealed record ResetTokenRecord(
    string TokenHash,
    string UserId,
    DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt,
    DateTimeOffset? UsedAt);

/// <summary>How many strikes a key has taken and when the last one fell (see <c>IRateLimitCounterStore.StrikeAsync</c>).</summary>
public sealed record StrikeRecord(long Count, DateTimeOffset LastAt, DateTimeOffset ExpiresAt);

public sealed record PresenceRecord(string UserId, int Connections, DateTimeOffset LastSeenAt);

public enum AttachmentState
{
    /// <summary>A slot was handed out; the bytes may or may not have arrived; attached to nothing.</summary>
    Pending,
    /// <summary>Attached to a message; an image waiting for its metadata to be stripped and its thumbnail made.</summary>
    Processing,
    /// <summary>Attached and downloadable.</summary>
    Ready,
    /// <summary>Attached, but the image could not be processed: never served, since its metadata could not be removed.</summary>
    Failed,
}

/// <summary>One uploaded file. Declared values come from the uploader; sniffed type and stored size from the bytes.</summary>
public sealed record AttachmentRecord(
    string Id,
    string UploaderId,
    string FileName,
    string DeclaredType,
    string? SniffedType,
    long DeclaredSize,
    long? StoredSize,
    AttachmentState State,
    string? MessageId,
    int? Width,
    int? Height,
    string? ThumbnailKey,
    DateTimeOffset CreatedAt);

/// <summary>What a send decided about one attachment from its bytes, written when it is claimed.</summary>
public sealed record AttachmentClaim(string Id, string SniffedType, long StoredSize, AttachmentState State);
/// <summary>
/// One entry of a conversation's change log: one per change per conversation, never per recipient.
/// <see cref="Seq"/> counts 1, 2, 3... within the conversation; <see cref="At"/> is the time in Unix milliseconds
/// the entry took its number, strictly increasing with <see cref="Seq"/> (a later change never gets an earlier
/// time). Where a store cannot write the entry and its change in one transaction (MongoDB), entries can commit
/// out of order, and an entry is <see cref="Pending"/> from its number until the change it records is written;
/// an entry whose write turned out to change nothing (a repeated send) keeps its number with type <see cref="Nothing"/>.
/// </summary>
public sealed record ChangeRecord(string ConversationId, long Seq, long At, string Type, string EntityId, bool Pending = false)
{
    /// <summary>The type of an entry that records no change: it holds its number, and sync skips it.</summary>
    public const string Nothing = "nothing";

    /// <summary>
    /// How far before a message's creation time its <c>newMessage</c> entry is looked for: the entry's time is
    /// taken after the creation time on the same clock, so only a clock stepped back in between needs any.
    /// </summary>
    public const long CreationClockSlackMilliseconds = 1000;
}

/// <summary>A stored value and the change-log entry written with it.</summary>
public sealed record Changed<T>(T Value, ChangeRecord Change);
