using MongoDB.Bson;
using ServerlessChat.Core.Access;
using ServerlessChat.Core.Api;
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

public sealed class GroupService(
    IGroupStore groups, IUserStore users, ChatDirectory directory, ConversationAccess access, ContentFilter filter, AvatarLinks avatars, SystemNotices notices, TimeProvider time)
{
    private const int MaxUpdateAttempts = 5;

    public async Task<ItemsDto<GroupDto>> ListAsync(string callerId, CancellationToken ct) =>
        new((await groups.ListForMemberAsync(callerId, ct)).Select(GroupDto.From).ToList());

    public async Task<GroupDto> GetAsync(string callerId, string id, CancellationToken ct)
    {
        var group = await directory.GetGroupForMemberAsync(id, callerId, ct) ?? throw ProblemException.NotFound("No such group.");
        return GroupDto.From(group);
    }

    public async Task<Outcome<GroupDto>> CreateAsync(string callerId, CreateGroupRequest request, CancellationToken ct)
    {
        var rules = new InputRules();
        var name = filter.Apply(rules, "name", rules.Name("name", request.Name, 64));
        var invited = await AddableUserIdsAsync(rules, "memberIds", request.MemberIds, callerId, [], ct);
        var members = new[] { callerId }.Concat(invited).Distinct(StringComparer.Ordinal).ToList();
        if (members.Count > InputRules.MaxMembers)
        {
            rules.Add("memberIds", $"A group has at most {InputRules.MaxMembers} members.");
        }

        rules.ThrowIfAny();
        return await StoreNewAsync(name!, members, [callerId], callerId, callerId, ct);
    }

    /// <summary>
    /// A group made by the server API, of users it resolved already: the privacy rule is skipped (the integrator's
    /// backend is trusted), admins become members, and a group given no admin gets its first member as admin.
    /// </summary>
    public async Task<Outcome<GroupDto>> CreateTrustedAsync(string? nameText, IReadOnlyList<string> memberIds, IReadOnlyList<string> adminIds, CancellationToken ct)
    {
        var rules = new InputRules();
        var name = filter.Apply(rules, "name", rules.Name("name", nameText, 64));
        var members = adminIds.Concat(memberIds).Distinct(StringComparer.Ordinal).ToList();
        if (members.Count is 0 or > InputRules.MaxMembers)
        {
            rules.Add("memberIds", $"A group has 1 to {InputRules.MaxMembers} members.");
        }

        rules.ThrowIfAny();
        List<string> admins = adminIds.Count > 0 ? [.. adminIds.Distinct(StringComparer.Ordinal)] : [members[0]];
        return await StoreNewAsync(name!, members, admins, admins[0], null, ct);
    }

    /// <summary><paramref name="actorId"/>: who the created notice names; null for the server API.</summary>
    private async Task<Outcome<GroupDto>> StoreNewAsync(string name, List<string> members, List<string> admins, string createdBy, string? actorId, CancellationToken ct)
    {
        var now = time.GetStoredNow();
        var group = new GroupRecord(ObjectId.GenerateNewId().ToString(), name, members, admins, createdBy, now, now, 1);
        var change = await groups.CreateAsync(group, ct);

        var dto = GroupDto.From(group) with { Cursor = SyncCursor.ForChange(change) };
        var channel = ChatHub.GroupFor(group.Id);
        var actions = members.Select(RealtimeAction (m) => new AddUserToGroup(m, channel))
            .Append(new SendToGroup(channel, ChatHub.GroupUpdated, dto))
            .Concat(await notices.GroupChangedAsync(null, group, actorId, ct))
            .ToList();
        return new(dto, actions);
    }

    /// <summary><paramref name="callerId"/> null: the server API, which acts as an admin of every group and skips the privacy rule.</summary>
    public async Task<Outcome<GroupDto>> UpdateMembersAsync(string? callerId, string id, UpdateMembersRequest request, CancellationToken ct)
    {
        var rules = new InputRules();
        var add = ValidIds(rules, "add", request.Add);
        var remove = ValidIds(rules, "remove", request.Remove);
        rules.ThrowIfAny();

        for (var attempt = 0; attempt < MaxUpdateAttempts; attempt++)
        {
            // Read the store, not the cache: the version check below must compare with what is stored.
            var group = (InputRules.IsId(id) ? await groups.FindByIdAsync(id, ct) : null);
            if (group is null || callerId is not null && !group.Members.Contains(callerId))
            {
                throw ProblemException.NotFound("No such group.");
            }

            var isAdmin = callerId is null || group.Admins.Contains(callerId);
            if (!isAdmin && (add.Count > 0 || remove.Any(r => r != callerId)))
            {
                throw ProblemException.Forbidden("Only group admins can add or remove other members.");
            }

            // Members already in the group are no addition: only newcomers are checked.
            if (callerId is not null)
            {
                await AddableUserIdsAsync(rules, "add", add, callerId, group.Members, ct);
                rules.ThrowIfAny();
            }

            var members = group.Members.Concat(add).Distinct(StringComparer.Ordinal).Where(m => !remove.Contains(m)).ToList();
            if (members.Count > InputRules.MaxMembers)
            {
                throw ProblemException.Validation("add", $"A group has at most {InputRules.MaxMembers} members.");
            }

            var admins = group.Admins.Where(a => members.Contains(a)).ToList();
            if (admins.Count == 0 && members.Count > 0)
            {
                // A group never runs without an admin: the longest-standing member takes over.
                admins.Add(members[0]);
            }

            var changed = await groups.UpdateMembersAsync(group.Id, group.Version, members, admins, time.GetStoredNow(), ct);
            if (changed is null)
            {
                continue;
            }

            var updated = changed.Value;
            await directory.ForgetGroupAsync(group.Id, ct);
            var dto = await avatars.SignAsync(GroupDto.From(updated) with { Cursor = SyncCursor.ForChange(changed.Change) }, ct);
            var channel = ChatHub.GroupFor(group.Id);
            var added = updated.Members.Except(group.Members).ToList();
            var removed = group.Members.Except(updated.Members).ToList();
            var actions = new List<RealtimeAction>();
            actions.AddRange(added.Select(m => new AddUserToGroup(m, channel)));
            actions.AddRange(removed.Select(m => new RemoveUserFromGroup(m, channel)));
            actions.Add(new SendToGroup(channel, ChatHub.GroupUpdated, dto));
            actions.AddRange(removed.Select(m => new SendToUser(m, ChatHub.GroupUpdated, dto)));
            actions.AddRange(await notices.GroupChangedAsync(group, updated, callerId, ct));
            return new(dto, actions);
        }

        throw ProblemException.Conflict("The group changed while it was being updated; try again.");
    }

    private static List<string> ValidIds(InputRules rules, string field, IReadOnlyList<string>? ids)
    {
        if (ids is null)
        {
            return [];
        }

        if (ids.Count > InputRules.MaxMembers || ids.Any(i => i is null || !InputRules.IsId(i)))
        {
            rules.Add(field, $"Give at most {InputRules.MaxMembers} valid user ids.");
            return [];
        }

        return ids.Distinct(StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// The ids, when each is a user the adder may add (<see cref="ConversationAccess.FilterAddableAsync"/>). One it may
    /// not add (it blocked the adder, or only lets its contacts add it) gets the very answer of an unknown id, so
    /// the answer reveals neither the block nor the setting.
    /// </summary>
    private async Task<List<string>> AddableUserIdsAsync(
        InputRules rules, string field, IReadOnlyList<string>? ids, string adderId, IReadOnlyList<string> members, CancellationToken ct)
    {
        var valid = ValidIds(rules, field, ids);
        var newcomers = valid.Where(v => v != adderId && !members.Contains(v)).ToList();
        if (newcomers.Count == 0)
        {
            return valid;
        }

        var found = (await users.FindByIdsAsync(newcomers, ct)).Where(u => !u.IsAssistant && !u.IsErased).ToList();
        var addable = await access.FilterAddableAsync(adderId, found, ct);
        var unknown = newcomers.Where(v => !addable.Contains(v)).ToList();
        if (unknown.Count > 0)
        {
            rules.Add(field, $"Unknown user ids: {string.Join(", ", unknown)}.");
        }

        return valid;
    }
}
