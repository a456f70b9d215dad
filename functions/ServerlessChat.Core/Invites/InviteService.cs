using Microsoft.AspNetCore.WebUtilities;
using System.Security.Cryptography;
using ServerlessChat.Core.Api;
using ServerlessChat.Core.Caching;
using ServerlessChat.Core.Domain;
using ServerlessChat.Core.Http;
using ServerlessChat.Core.Realtime;
using ServerlessChat.Core.Storage;
using ServerlessChat.Core.Sync;
using ServerlessChat.Core.SystemMessages;

namespace ServerlessChat.Core.Invites;

/// <summary>
/// Invite links: admins create (with an expiry and a number of uses), list and revoke them; anyone signed in who
/// holds a live token sees the group's name and size and joins. Joining again changes nothing; the member cap
/// holds however many join at once (<see cref="IGroupStore.AddMemberAsync"/>), and a use that joined nobody is
/// given back.
/// </summary>
public sealed class InviteService(IGroupInviteStore invites, IGroupStore groups, ChatDirectory directory, SystemNotices notices, TimeProvider time)
{
    public const int MaxLivePerGroup = 20;

    public const int MaxUsesLimit = 10_000;

    public async Task<InviteDto> CreateAsync(string callerId, string groupId, CreateInviteRequest request, CancellationToken ct)
    {
        var now = time.GetStoredNow();
        var rules = new InputRules();
        if (request.ExpiresAt is { } expires && expires <= now)
        {
            rules.Add("expiresAt", "Give a time in the future, or none for an invite that does not expire.");
        }

        if (request.MaxUses is { } uses && uses is < 1 or > MaxUsesLimit)
        {
            rules.Add("maxUses", $"Give 1 to {MaxUsesLimit} uses, or none for no limit.");
        }

        rules.ThrowIfAny();
        await AdminGroupAsync(callerId, groupId, ct);

        var invite = new GroupInviteRecord(
            WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(18)), groupId, callerId, now,
            request.ExpiresAt is { } at ? DateTimeOffset.FromUnixTimeMilliseconds(at.ToUnixTimeMilliseconds()) : null, request.MaxUses, 0, false);
        if (!await invites.CreateAsync(invite, MaxLivePerGroup, now, ct))
        {
            throw ProblemException.Conflict($"A group has at most {MaxLivePerGroup} live invites; revoke one first.");
        }

        return ToDto(invite);
    }

    /// <summary>The group's live invites, oldest first.</summary>
    public async Task<ItemsDto<InviteDto>> ListAsync(string callerId, string groupId, CancellationToken ct)
    {
        await AdminGroupAsync(callerId, groupId, ct);
        var now = time.GetUtcNow();
        return new((await invites.ListAsync(groupId, ct)).Where(i => i.IsLive(now)).Select(ToDto).ToList());
    }

    public async Task RevokeAsync(string callerId, string groupId, string token, CancellationToken ct)
    {
        await AdminGroupAsync(callerId, groupId, ct);
        if (!IsToken(token) || !await invites.RevokeAsync(groupId, token, ct))
        {
            throw ProblemException.NotFound("No such invite.");
        }
    }

    public async Task<InvitePreviewDto> PreviewAsync(string token, CancellationToken ct)
    {
        var (_, group) = await LiveAsync(token, ct);
        return new(group.Id, group.Name, group.Members.Count);
    }

    public async Task<Outcome<GroupDto>> JoinAsync(string callerId, string token, CancellationToken ct)
    {
        var (invite, group) = await LiveAsync(token, ct);
        if (group.Members.Contains(callerId))
        {
            return new(GroupDto.From(group), []);
        }

        if (!await invites.UseAsync(invite.Token, time.GetUtcNow(), ct))
        {
            throw NoSuchInvite();
        }

        var (outcome, changed) = await groups.AddMemberAsync(group.Id, callerId, InputRules.MaxMembers, time.GetStoredNow(), ct);
        if (outcome != JoinOutcome.Joined)
        {
            await invites.ReleaseAsync(invite.Token, ct);
        }

        switch (outcome)
        {
            case JoinOutcome.NoGroup:
                throw NoSuchInvite();
            case JoinOutcome.Full:
                throw ProblemException.Conflict($"The group is full: a group has at most {InputRules.MaxMembers} members.");
            case JoinOutcome.AlreadyMember:
                return new(GroupDto.From(await groups.FindByIdAsync(group.Id, ct) ?? group), []);
        }

        await directory.ForgetGroupAsync(group.Id, ct);
        var dto = GroupDto.From(changed!.Value) with { Cursor = SyncCursor.ForChange(changed.Change) };
        var channel = ChatHub.GroupFor(group.Id);
        // The notice names the one who joined, whoever else joined meanwhile (their own joins leave theirs).
        var joined = changed.Value;
        var before = joined with { Members = joined.Members.Where(m => m != callerId).ToList() };
        return new(dto, [new AddUserToGroup(callerId, channel), new SendToGroup(channel, ChatHub.GroupUpdated, dto),
            .. await notices.GroupChangedAsync(before, joined, callerId, ct)]);
    }

    /// <summary>A live invite and its group; one 404 for unknown, expired, used-up and revoked tokens alike.</summary>
    private async Task<(GroupInviteRecord Invite, GroupRecord Group)> LiveAsync(string token, CancellationToken ct)
    {
        var invite = IsToken(token) ? await invites.FindAsync(token, ct) : null;
        if (invite is null || !invite.IsLive(time.GetUtcNow()) || await groups.FindByIdAsync(invite.GroupId, ct) is not { } group)
        {
            throw NoSuchInvite();
        }

        return (invite, group);
    }

    private async Task AdminGroupAsync(string callerId, string groupId, CancellationToken ct)
    {
        var group = await directory.GetGroupForMemberAsync(groupId, callerId, ct) ?? throw ProblemException.NotFound("No such group.");
        if (!group.Admins.Contains(callerId))
        {
            throw ProblemException.Forbidden("Only group admins can manage invites.");
        }
    }

    // Tokens are base64url; anything else is no token of ours, answered without a store read.
    private static bool IsToken(string token) => token.Length is > 0 and <= 64 && token.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    private static ProblemException NoSuchInvite() => ProblemException.NotFound("No such invite, or it expired, was used up or was revoked.");

    private static InviteDto ToDto(GroupInviteRecord invite) => new(invite.Token, invite.ExpiresAt, invite.MaxUses, invite.Uses);
}
