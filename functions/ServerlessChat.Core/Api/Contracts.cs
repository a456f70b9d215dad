using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;
using ServerlessChat.Core.Domain;

namespace ServerlessChat.Core.Api;

// The JSON shapes of API.md. Request fields are nullable so that a missing field is a validation message
// naming it, not a deserializer error; [Required] marks API.md's required fields for the OpenAPI document
// (ChatSchemaTransformer), which the services check themselves.

public sealed record UserDto(string Id, string Username, string DisplayName, string? Email, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    /// <summary><c>user</c>, <c>moderator</c> or <c>admin</c>: in the caller's own user only, null elsewhere (as <see cref="Email"/>).</summary>
    public string? Role { get; init; }

    /// <summary>True for an erased account (or one being erased), which shows only its id and these placeholders.</summary>
    public bool Deleted { get; init; }

    /// <summary>The user's status; absent once expired.</summary>
    public UserStatusDto? Status { get; init; }

    /// <summary>A signed URL of the avatar's square thumbnail; filled by <see cref="Profiles.AvatarLinks"/> from <see cref="AvatarId"/>.</summary>
    public string? AvatarUrl { get; init; }

    /// <summary>The stored avatar, never shown: what <see cref="AvatarUrl"/> is signed for.</summary>
    [JsonIgnore]
    public string? AvatarId { get; init; }

    /// <summary><paramref name="now"/>: when the status is shown (an expired one is left out); the clock's now by default.</summary>
    public static UserDto From(UserRecord user, bool includeEmail = false, DateTimeOffset? now = null) =>
        user.IsErased
            ? new(user.Id, UserRecord.ErasedUsername(user.Id), UserRecord.ErasedDisplayName, null, user.CreatedAt, user.UpdatedAt) { Deleted = true }
            : new(user.Id, user.Username, user.DisplayName, includeEmail && !UserEmails.IsPlaceholder(user.Email) ? user.Email : null, user.CreatedAt, user.UpdatedAt)
            {
                Status = user.Status is { } status && status.IsShownAt(now ?? DateTimeOffset.UtcNow) ? new UserStatusDto(status.Text, status.Emoji, status.ExpiresAt) : null,
                AvatarId = user.AvatarId,
            };
}

/// <summary>A user's status: <c>{text, emoji?, expiresAt?}</c>.</summary>
public sealed record UserStatusDto(string Text, string? Emoji, DateTimeOffset? ExpiresAt);

/// <summary>
/// <c>PATCH /api/users/me</c>: fields left out stay as they are; <c>status: null</c> clears the status. The
/// deserializer calls a setter for a field that is present, null included, so "left out" and "null" differ.
/// </summary>
public sealed record UpdateProfileRequest(string? DisplayName)
{
    public UserStatusRequest? Status
    {
        get;
        init
        {
            field = value;
            HasStatus = true;
        }
    }

    public string? AvatarAttachmentId
    {
        get;
        init
        {
            field = value;
            HasAvatar = true;
        }
    }

    [JsonIgnore]
    public bool HasStatus { get; private init; }

    [JsonIgnore]
    public bool HasAvatar { get; private init; }
}

/// <summary>A status as set: <c>text</c> 0 to 100 characters, one emoji, an end in the future.</summary>
public sealed record UserStatusRequest([property: Required] string? Text, string? Emoji, DateTimeOffset? ExpiresAt);

public sealed record SessionDto(UserDto User, string AccessToken, string RefreshToken, int ExpiresIn);

public sealed record RegisterRequest([property: Required] string? Username, [property: Required] string? Email, [property: Required] string? Password, string? DisplayName);

public sealed record LoginRequest(string? Email, string? Username, [property: Required] string? Password);

public sealed record RefreshRequest([property: Required] string? RefreshToken);

public sealed record PasswordResetRequest([property: Required] string? Email);

public sealed record PasswordResetConfirmRequest([property: Required] string? Token, [property: Required] string? NewPassword);

public sealed record ItemsDto<T>(IReadOnlyList<T> Items);

public sealed record MessageDto(
    string Id,
    string ConversationId,
    string SenderId,
    string? ReceiverId,
    string? GroupId,
    string Content,
    DateTimeOffset CreatedAt,
    DateTimeOffset? EditedAt,
    bool Deleted,
    bool IsRead,
    string? ClientMessageId,
    IReadOnlyList<AttachmentDto> Attachments,
    ReplyToDto? ReplyTo,
    IReadOnlyList<ReactionDto> Reactions,
    IReadOnlyList<string> Mentions,
    string? Cursor = null,
    DateTimeOffset? PinnedAt = null,
    string? PinnedBy = null)
{
    /// <summary><c>moderation</c> for a message removed by moderation; null otherwise.</summary>
    public string? DeletedBy { get; init; }

    /// <summary>The root of the thread this message replies in; null for a top-level message.</summary>
    public string? ThreadId { get; init; }

    /// <summary>On a thread reply: whether it is in the conversation's history too; null on a top-level message.</summary>
    public bool? AlsoInConversation { get; init; }

    /// <summary>On a root with replies: their count, the latest's time and the first who replied; null otherwise.</summary>
    public ThreadDto? Thread { get; init; }

    /// <summary>Previews of the first links in the text, filled after the send (then <c>messageUpdated</c>); empty until then and once deleted.</summary>
    public IReadOnlyList<LinkPreviewDto> Links { get; init; } = [];

    /// <summary>On a system message (then <see cref="SenderId"/> is <c>system</c>): what it records; null otherwise.</summary>
    public SystemNoticeDto? System { get; init; }

    /// <summary>The message alone; the enrichments (attachments, replyTo, reactions) come from MessageService.ToDtosAsync.</summary>
    public static MessageDto From(MessageRecord message, bool isRead) =>
        new(message.Id, message.ConversationId, message.System is null ? message.SenderId : SystemNotice.ApiSenderId, message.ReceiverId, message.GroupId, message.Content,
            message.CreatedAt, message.EditedAt, message.Deleted, isRead, message.ClientMessageId, [], null, [], message.Mentions)
        {
            DeletedBy = message.DeletedBy,
            ThreadId = message.ThreadId,
            AlsoInConversation = message.ThreadId is null ? null : message.InConversation,
            Thread = ThreadDto.From(message.Thread),
            Links = message.Deleted ? [] : message.Links.Select(LinkPreviewDto.From).ToList(),
            System = SystemNoticeDto.From(message.System),
        };
}

/// <summary>
/// A system message's record: <c>type</c> one of created, renamed, membersAdded, membersRemoved, left, frozen,
/// unfrozen, call, notice; <c>actorId</c> the user who acted (none for the server API's); <c>userIds</c> those
/// added or removed; <c>name</c> the group's new name; for a call its id, <c>outcome</c> (missed, declined, ended)
/// and <c>durationSeconds</c>.
/// </summary>
public sealed record SystemNoticeDto(
    string Type, string? ActorId, IReadOnlyList<string>? UserIds, string? Name, string? CallId, string? Outcome, int? DurationSeconds)
{
    public static SystemNoticeDto? From(SystemNotice? notice) =>
        notice is null ? null : new(notice.Type, notice.ActorId, notice.UserIds, notice.Name, notice.CallId, notice.Outcome, notice.DurationSeconds);
}

/// <summary>A thread root's summary: <see cref="ParticipantIds"/> are the first <see cref="MaxParticipants"/> who replied, in that order.</summary>
public sealed record ThreadDto(long ReplyCount, DateTimeOffset LastReplyAt, IReadOnlyList<string> ParticipantIds)
{
    public const int MaxParticipants = 10;

    public static ThreadDto? From(ThreadSummary? summary) =>
        summary is null ? null : new(summary.ReplyCount, summary.LastReplyAt, summary.Participants.Take(MaxParticipants).ToList());
}

/// <summary>
/// What a linked page says about itself, as text only. <see cref="ImageUrl"/> would be a signed URL of a thumbnail the
/// server made, never the page's own image URL; this server makes none yet, so it is always null.
/// </summary>
public sealed record LinkPreviewDto(string Url, string? Title, string? Description, string? SiteName, string? ImageUrl)
{
    public static LinkPreviewDto From(LinkPreviewRecord link) => new(link.Url, link.Title, link.Description, link.SiteName, null);
}

/// <summary>The message a reply answers; <see cref="Preview"/> is empty once that message is deleted.</summary>
public sealed record ReplyToDto(string Id, string SenderId, string Preview, bool Deleted);

public sealed record ReactionDto(string Emoji, int Count, IReadOnlyList<string> UserIds);

public sealed record ReactRequest([property: Required] string? Emoji);

public sealed record ReactionsUpdatedDto(string MessageId, string ConversationId, IReadOnlyList<ReactionDto> Reactions, string? Cursor = null);

public sealed record SendMessageRequest(string? ReceiverId, string? GroupId, string? Content, string? ClientMessageId, IReadOnlyList<string>? AttachmentIds = null, string? ReplyToId = null)
{
    /// <summary>A top-level message of the same conversation: the message is a reply in its thread.</summary>
    public string? ThreadId { get; init; }

    /// <summary>With <see cref="ThreadId"/>: the reply is in the conversation's history too.</summary>
    public bool? AlsoInConversation { get; init; }
}

public sealed record AttachmentDto(
    string Id,
    string FileName,
    string ContentType,
    long Size,
    bool Processing,
    int? Width,
    int? Height,
    string? Url,
    string? ThumbnailUrl);

public sealed record CreateAttachmentRequest(string? FileName, string? ContentType, long? Size);

public sealed record UploadSlotDto(string Id, string UploadUrl, string UploadMethod, IReadOnlyDictionary<string, string> UploadHeaders, DateTimeOffset ExpiresAt);

public sealed record EditMessageRequest([property: Required] string? Content);

/// <summary>One earlier version of a message: its text and when that text was written (sent or edited).</summary>
public sealed record MessageEditDto(string Content, DateTimeOffset EditedAt);

public sealed record MarkReadRequest(string? With, string? GroupId, [property: Required] string? UpTo)
{
    /// <summary>Marks this thread read (up to one of its replies or its root) instead of the conversation.</summary>
    public string? ThreadId { get; init; }
}

public sealed record MessagePageDto(IReadOnlyList<MessageDto> Items, string? NextBefore);

public sealed record ReadStateDto(string ConversationId, string UpTo, long Unread)
{
    /// <summary>The thread marked read; null for the conversation.</summary>
    public string? ThreadId { get; init; }
}

/// <summary><see cref="Cursor"/>: the change's sync cursor (see <see cref="Sync.SyncCursor"/>), also on the other stored-state events.</summary>
public sealed record MessageDeletedDto(string Id, string ConversationId, string? Cursor = null);

/// <summary>"Seen by": a participant's read marker; <see cref="ReadAt"/> is null for a marker older than this field.</summary>
public sealed record ReadMarkerDto(string UserId, string UpTo, DateTimeOffset? ReadAt);

public sealed record MessagesReadDto(string ConversationId, string ReaderId, string UpTo, string? Cursor = null)
{
    /// <summary>The thread read; null for the conversation.</summary>
    public string? ThreadId { get; init; }
}

public sealed record ConversationDto(
    string ConversationId,
    string Type,
    UserDto? Peer,
    GroupDto? Group,
    MessageDto? LastMessage,
    long Unread,
    long Mentions,
    DateTimeOffset UpdatedAt);

public sealed record GroupDto(
    string Id, string Name, IReadOnlyList<string> Members, IReadOnlyList<string> Admins, string CreatedBy, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt,
    string? Cursor = null)
{
    public string Description { get; init; } = "";

    /// <summary>While true only admins may send.</summary>
    public bool Frozen { get; init; }

    /// <summary>Members who may not send, until <c>until</c> or until unmuted; expired mutes are left out.</summary>
    public IReadOnlyList<MutedMemberDto> MutedMembers { get; init; } = [];

    /// <summary>A signed URL of the group's square avatar; filled by <see cref="Profiles.AvatarLinks"/> from <see cref="AvatarId"/>.</summary>
    public string? AvatarUrl { get; init; }

    /// <summary>The stored avatar, never shown: what <see cref="AvatarUrl"/> is signed for.</summary>
    [JsonIgnore]
    public string? AvatarId { get; init; }

    public static GroupDto From(GroupRecord group) =>
        new(group.Id, group.Name, group.Members, group.Admins, group.CreatedBy, group.CreatedAt, group.UpdatedAt)
        {
            Description = group.Description,
            Frozen = group.Frozen,
            AvatarId = group.AvatarId,
            MutedMembers = group.MutedMembers
                .Where(m => group.Members.Contains(m.UserId) && group.IsMuted(m.UserId, DateTimeOffset.UtcNow))
                .Select(m => new MutedMemberDto(m.UserId, m.Until)).ToList(),
        };
}

public sealed record MutedMemberDto(string UserId, DateTimeOffset? Until);

/// <summary>PATCH /api/groups/{id}: the fields given change, the others stay.</summary>
public sealed record UpdateGroupRequest(string? Name, string? Description, bool? Frozen)
{
    /// <summary>An image the caller uploaded, made the group's avatar; <c>null</c> removes the avatar, absent keeps it.</summary>
    public string? AvatarAttachmentId
    {
        get;
        init
        {
            field = value;
            HasAvatar = true;
        }
    }

    [JsonIgnore]
    public bool HasAvatar { get; private init; }
}

public sealed record MuteMemberRequest(DateTimeOffset? Until);

public sealed record CreateInviteRequest(DateTimeOffset? ExpiresAt, int? MaxUses);

public sealed record InviteDto(string Token, DateTimeOffset? ExpiresAt, int? MaxUses, int Uses);

/// <summary>What anyone holding an invite may see of its group before joining.</summary>
public sealed record InvitePreviewDto(string GroupId, string Name, int MemberCount);

public sealed record CreateGroupRequest([property: Required] string? Name, IReadOnlyList<string>? MemberIds);

public sealed record UpdateMembersRequest(IReadOnlyList<string>? Add, IReadOnlyList<string>? Remove);

public sealed record SearchHitDto(MessageDto Message, IReadOnlyList<int[]> Highlights);

public sealed record SearchPageDto(IReadOnlyList<SearchHitDto> Items, string? NextBefore, bool Complete);

public sealed record HealthDto(string Status, string Storage);

public sealed record AssistantDto(bool Enabled, string? UserId);
