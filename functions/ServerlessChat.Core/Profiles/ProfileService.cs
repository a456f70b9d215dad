using ServerlessChat.Core.Access;
using ServerlessChat.Core.Api;
using ServerlessChat.Core.Attachments;
using ServerlessChat.Core.Caching;
using ServerlessChat.Core.Domain;
using ServerlessChat.Core.Http;
using ServerlessChat.Core.Moderation;
using ServerlessChat.Core.Reactions;
using ServerlessChat.Core.Realtime;
using ServerlessChat.Core.Storage;
using ServerlessChat.Core.Events;

namespace ServerlessChat.Core.Profiles;

/// <summary>
/// API.md "Users": another user's profile, seen by those who share a conversation with it (and moderators), and
/// the caller's own display name, status and avatar, each change announced as <c>userUpdated</c> to its contacts.
/// </summary>
public sealed class ProfileService(
    IUserStore users,
    IChangeLog changes,
    ChatDirectory directory,
    ConversationAccess access,
    ModerationRoles roles,
    ContentFilter filter,
    AttachmentService attachments,
    AvatarLinks avatars,
    TimeProvider time)
{
    public const int MaxStatusLength = 100;
    public const string AvatarField = "avatarAttachmentId";

    /// <summary>404 unless the caller is the user, shares a conversation with it, or is a moderator (the same answer for a stranger and no one).</summary>
    public async Task<UserDto> GetAsync(string callerId, string id, CancellationToken ct)
    {
        var user = InputRules.IsId(id) ? await directory.GetUserAsync(id, ct) : null;
        if (user is null || (user.Id != callerId && !await access.ShareConversationAsync(callerId, user.Id, ct)
            && await roles.GetAsync(callerId, ct) < ChatRole.Moderator))
        {
            throw ProblemException.NotFound("No such user.");
        }

        return await avatars.SignAsync(UserDto.From(user, includeEmail: user.Id == callerId, now: time.GetUtcNow()), ct);
    }

    /// <summary>
    /// Changes the caller's display name, status and/or avatar (an image it uploaded, made a square thumbnail;
    /// null removes it); every contact hears <c>userUpdated</c>. The avatar it replaces is removed.
    /// </summary>
    public async Task<Outcome<UserDto>> UpdateAsync(string callerId, UpdateProfileRequest request, CancellationToken ct)
    {
        var rules = new InputRules();
        var displayName = request.DisplayName is null ? null : filter.Apply(rules, "displayName", rules.Name("displayName", request.DisplayName, 64));
        var (setStatus, status) = Status(rules, request);
        rules.ThrowIfAny();

        // Last, so that a refused field leaves the upload unused.
        var avatarId = request is { HasAvatar: true, AvatarAttachmentId: { } attachmentId }
            ? await attachments.CreateAvatarAsync(callerId, attachmentId, AvatarField, ct)
            : null;
        var update = await users.UpdateProfileAsync(callerId, new ProfileChange(displayName, setStatus, status, request.HasAvatar, avatarId), time.GetStoredNow(), ct);
        if (update is null)
        {
            await attachments.DeleteAvatarAsync(avatarId);
            throw ProblemException.Unauthorized("The account no longer exists.");
        }

        if (update.Before.AvatarId != update.After.AvatarId)
        {
            await attachments.DeleteAvatarAsync(update.Before.AvatarId);
        }

        await directory.ForgetUserAsync(callerId, ct);
        await UserLog.RecordAsync(changes, callerId, UserLog.Updated, ct);
        var now = time.GetUtcNow();
        var dto = await avatars.SignAsync(UserDto.From(update.After, now: now), ct);
        var contacts = await access.ListReachersAsync(callerId, ct);
        var own = await avatars.SignAsync(UserDto.From(update.After, includeEmail: true, now: now), ct);
        return new(own, [.. contacts.Select(c => new SendToUser(c, ChatHub.UserUpdated, dto))]);
    }

    private (bool Set, UserStatus? Status) Status(InputRules rules, UpdateProfileRequest request)
    {
        if (!request.HasStatus)
        {
            return (false, null);
        }

        if (request.Status is not { } status)
        {
            return (true, null);
        }

        if (status.Text is null || status.Text.Length > MaxStatusLength)
        {
            rules.Add("status.text", $"Give a text of 0 to {MaxStatusLength} characters.");
        }

        if (status.Emoji is not null && !EmojiCatalog.IsEmoji(status.Emoji))
        {
            rules.Add("status.emoji", "Give one fully-qualified emoji of Unicode's emoji data.");
        }

        if (status.ExpiresAt is { } expiresAt && expiresAt <= time.GetUtcNow())
        {
            rules.Add("status.expiresAt", "Give a time in the future.");
        }

        var text = filter.Apply(rules, "status.text", status.Text);
        var end = status.ExpiresAt is { } at ? DateTimeOffset.FromUnixTimeMilliseconds(at.ToUnixTimeMilliseconds()) : (DateTimeOffset?)null;
        return (true, text is null ? null : new UserStatus(text, status.Emoji, end));
    }
}
