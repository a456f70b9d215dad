using ServerlessChat.Core.Api;
using ServerlessChat.Core.Caching;
using ServerlessChat.Core.Domain;
using ServerlessChat.Core.Http;
using ServerlessChat.Core.Moderation;
using ServerlessChat.Core.Realtime;
using ServerlessChat.Core.Storage;
using ServerlessChat.Core.Sync;
using ServerlessChat.Core.SystemMessages;

namespace ServerlessChat.Core.Groups;

/// <summary>
/// What a group's admins change: name, description, frozen (only admins send), admins (never fewer than one),
/// muted members. Each change is a compare-and-swap on the group's version, retried on a conflict, so concurrent
/// changes never undo each other and a rule checked (at least one admin) holds for what is stored. Every change
/// reaches the members as <c>groupUpdated</c> with its cursor, and through sync.
/// </summary>
public sealed class GroupAdministration(IGroupStore groups, ChatDirectory directory, ContentFilter filter, SystemNotices notices, TimeProvider time)
{
    public const int MaxDescriptionLength = 500;

    // Enough for a burst of changes to one group: each round of conflicts lets at least one through.
    private const int MaxAttempts = 32;

    public Task<Outcome<GroupDto>> UpdateAsync(string callerId, string id, UpdateGroupRequest request, CancellationToken ct)
    {
        var rules = new InputRules();
        var name = request.Name is null ? null : filter.Apply(rules, "name", rules.Name("name", request.Name, 64));
        var description = request.Description is null ? null : filter.Apply(rules, "description", rules.Text("description", request.Description, MaxDescriptionLength, allowEmpty: true));
        if (request.AvatarAttachmentId is not null)
        {
            rules.Add("avatarAttachmentId", "Group avatars are not supported yet.");
        }

        rules.ThrowIfAny();
        return ChangeAsync(callerId, id, group => group with
        {
            Name = name ?? group.Name,
            Description = description ?? group.Description,
            Frozen = request.Frozen ?? group.Frozen,
        }, ct);
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
            var group = (InputRules.IsId(id) ? await groups.FindByIdAsync(id, ct) : null);
            if (group is null || !group.Members.Contains(callerId))
            {
                throw ProblemException.NotFound("No such group.");
            }

            if (!group.Admins.Contains(callerId))
            {
                throw ProblemException.Forbidden("Only group admins can change the group.");
            }

            var wanted = decide(group);
            if (SameSettings(group, wanted))
            {
                return new(GroupDto.From(group), []);
            }

            if (await groups.UpdateAsync(wanted, group.Version, time.GetStoredNow(), ct) is not { } changed)
            {
                continue;
            }

            await directory.ForgetGroupAsync(group.Id, ct);
            var dto = GroupDto.From(changed.Value) with { Cursor = SyncCursor.ForChange(changed.Change) };
            return new(dto, [new SendToGroup(ChatHub.GroupFor(group.Id), ChatHub.GroupUpdated, dto), .. await notices.GroupChangedAsync(group, changed.Value, callerId, ct)]);
        }

        throw ProblemException.Conflict("The group changed while it was being updated; try again.");
    }

    private static void RequireMember(GroupRecord group, string userId)
    {
        if (!group.Members.Contains(userId))
        {
            throw ProblemException.NotFound("No such member of this group.");
        }
    }

    private static bool SameSettings(GroupRecord a, GroupRecord b) =>
        a.Name == b.Name && a.Description == b.Description && a.Frozen == b.Frozen
        && a.Members.SequenceEqual(b.Members) && a.Admins.SequenceEqual(b.Admins) && a.MutedMembers.SequenceEqual(b.MutedMembers);
}
