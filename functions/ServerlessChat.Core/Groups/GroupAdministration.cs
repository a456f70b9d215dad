using ServerlessChat.Core.Api;
using ServerlessChat.Core.Attachments;
using ServerlessChat.Core.Caching;
using ServerlessChat.Core.Domain;
using ServerlessChat.Core.Http;
using ServerlessChat.Core.Moderation;
using ServerlessChat.Core.Profiles;
using ServerlessChat.Core.Realtime;
using ServerlessChat.Core.Storage;
using ServerlessChat.Core.Sync;
using ServerlessChat.Core.SystemMessages;

namespace ServerlessChat.Core.Groups;

/// <summary>
/// What a group's admins change: name, description, avatar, frozen (only admins send), admins (never fewer than
/// one), muted members. Each change is a compare-and-swap on the group's version, retried on a conflict, so concurrent
/// changes never undo each other and a rule checked (at least one admin) holds for what is stored. Every change
/// reaches the members as <c>groupUpdated</c> with its cursor, and through sync.
/// </summary>
public sealed class GroupAdministration(
    IGroupStore groups, ChatDirectory directory, ContentFilter filter, AttachmentService attachments, AvatarLinks avatars, SystemNotices notices, TimeProvider time)
{
    public const int MaxDescriptionLength = 500;

    // Enough for a burst of changes to one group: each round of conflicts lets at least one through.
    private const int MaxAttempts = 32;

    public async Task<Outcome<GroupDto>> UpdateAsync(string callerId, string id, UpdateGroupRequest request, CancellationToken ct)
    {
        var rules = new InputRules();
        var name = request.Name is null ? null : filter.Apply(rules, "name", rules.Name("name", request.Name, 64));
        var description = request.Description is null ? null : filter.Apply(rules, "description", rules.Text("description", request.Description, MaxDescriptionLength, allowEmpty: true));
        rules.ThrowIfAny();

        string? avatarId = null;
        if (request is { HasAvatar: true, AvatarAttachmentId: { } attachmentId })
        {
            // Only an admin's upload becomes the avatar: the rights are checked before the upload is used up.
            RequireAdmin(InputRules.IsId(id) ? await groups.FindByIdAsync(id, ct) : null, callerId);
            avatarId = await attachments.CreateAvatarAsync(callerId, attachmentId, "avatarAttachmentId", ct);
        }

        try
        {
            return await ChangeAsync(callerId, id, group => group with
            {
                Name = name ?? group.Name,
                Description = description ?? group.Description,
                Frozen = request.Frozen ?? group.Frozen,
                AvatarId = request.HasAvatar ? avatarId : group.AvatarId,
            }, ct);
        }
        catch
        {
            await attachments.DeleteAvatarAsync(avatarId);
            throw;
        }
    }

    /// <summary>Makes a member an admin, or takes that away; a group keeps at least one admin (409).</summary>
    public Task<Outcome<GroupDto>> SetAdminAsync(string callerId, string id, string userId, bool admin, CancellationToken ct) =>
        ChangeAsync(callerId, id, group =>
        {
            RequireMember(group, userId);
            var admins = group.Members.Where(m => m == userId ? admin : group.Admins.Contains(m)).ToList();
            return admins.Count == 0 ? throw ProblemException.Conflict("A group keeps at least one admin; make another member admin first.") : group with { Admins = admins };
        }, ct);

    /// <summary>Mutes a member until <see cref="MuteMemberRequest.Until"/> (in the future) or until unmuted.</summary>
    public Task<Outcome<GroupDto>> MuteAsync(string callerId, string id, string userId, MuteMemberRequest request, CancellationToken ct)
    {
        var now = time.GetStoredNow();
        if (request.Until is { } until && until <= now)
        {
            throw ProblemException.Validation("until", "Give a time in the future, or none to mute until unmuted.");
        }

        return ChangeAsync(callerId, id, group =>
        {
            RequireMember(group, userId);
            // Expired mutes and those of members who left are dropped on the way: the list holds only what applies.
            var others = group.MutedMembers.Where(m => m.UserId != userId && group.Members.Contains(m.UserId) && group.IsMuted(m.UserId, now));
            return group with { MutedMembers = [.. others, new MutedMember(userId, request.Until)] };
        }, ct);
    }

    public Task<Outcome<GroupDto>> UnmuteAsync(string callerId, string id, string userId, CancellationToken ct)
    {
        var now = time.GetStoredNow();
        return ChangeAsync(callerId, id, group =>
        {
            RequireMember(group, userId);
            return group with { MutedMembers = group.MutedMembers.Where(m => m.UserId != userId && group.IsMuted(m.UserId, now)).ToList() };
        }, ct);
    }

    /// <summary>
    /// Reads the group as stored, lets <paramref name="decide"/> check the rules and say what it becomes, and
    /// writes that if the group is still the version read; on a conflict, reads and decides again. A decision
    /// that changes nothing writes nothing and sends nothing.
    /// </summary>
    private async Task<Outcome<GroupDto>> ChangeAsync(string callerId, string id, Func<GroupRecord, GroupRecord> decide, CancellationToken ct)
    {
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            // The store, not the cache: the version compared below must be the stored one.
            var group = RequireAdmin(InputRules.IsId(id) ? await groups.FindByIdAsync(id, ct) : null, callerId);
            var wanted = decide(group);
            if (SameSettings(group, wanted))
            {
                return new(await avatars.SignAsync(GroupDto.From(group), ct), []);
            }

            if (await groups.UpdateAsync(wanted, group.Version, time.GetStoredNow(), ct) is not { } changed)
            {
                continue;
            }

            if (group.AvatarId != changed.Value.AvatarId)
            {
                // This write replaced exactly the version read, so its avatar is no one else's to remove.
                await attachments.DeleteAvatarAsync(group.AvatarId);
            }

            await directory.ForgetGroupAsync(group.Id, ct);
            var dto = await avatars.SignAsync(GroupDto.From(changed.Value) with { Cursor = SyncCursor.ForChange(changed.Change) }, ct);
            return new(dto, [new SendToGroup(ChatHub.GroupFor(group.Id), ChatHub.GroupUpdated, dto), .. await notices.GroupChangedAsync(group, changed.Value, callerId, ct)]);
        }

        throw ProblemException.Conflict("The group changed while it was being updated; try again.");
    }

    /// <summary>The group, when the caller is one of its admins: 404 for a non-member (as for no group), 403 for a member.</summary>
    private static GroupRecord RequireAdmin(GroupRecord? group, string callerId)
    {
        if (group is null || !group.Members.Contains(callerId))
        {
            throw ProblemException.NotFound("No such group.");
        }

        return group.Admins.Contains(callerId) ? group : throw ProblemException.Forbidden("Only group admins can change the group.");
    }

    private static void RequireMember(GroupRecord group, string userId)
    {
        if (!group.Members.Contains(userId))
        {
            throw ProblemException.NotFound("No such member of this group.");
        }
    }

    private static bool SameSettings(GroupRecord a, GroupRecord b) =>
        a.Name == b.Name && a.Description == b.Description && a.Frozen == b.Frozen && a.AvatarId == b.AvatarId
        && a.Members.SequenceEqual(b.Members) && a.Admins.SequenceEqual(b.Admins) && a.MutedMembers.SequenceEqual(b.MutedMembers);
}
