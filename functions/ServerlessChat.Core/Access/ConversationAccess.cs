using Microsoft.Extensions.Options;
using ServerlessChat.Core.Blocking;
using ServerlessChat.Core.Domain;
using ServerlessChat.Core.Storage;

namespace ServerlessChat.Core.Access;

/// <summary>
/// Who may reach whom: the one place presence, calls, typing and group adds ask.
/// <list type="bullet">
/// <item>Sharing a conversation: a direct conversation with a message in it (either way), or a common group.
/// Typing needs this.</item>
/// <item>Reaching a user (seeing its presence, ringing it): the user took part in a conversation it shares with
/// the caller: it sent a message in their direct conversation or in a group both are in, or it created such a
/// group (the one group membership that is its own choice; being added by someone else is not), and it has not
/// blocked the caller. A message pushed at a stranger, or adding it to a group, reaches nothing.</item>
/// <item>Adding a user to a group: it has not blocked the adder, and it lets everyone add it or has itself
/// messaged the adder directly.</item>
/// </list>
/// </summary>
public sealed class ConversationAccess(IConversationStore conversations, IGroupStore groups, BlockDirectory blocks, IOptions<PrivacyOptions> privacy)
{
    /// <summary>True when the two share a direct conversation with a message in it, or a group.</summary>
    public async Task<bool> ShareConversationAsync(string userId, string otherId, CancellationToken ct)
    {
        if (await conversations.FindAsync(ConversationIds.Direct(userId, otherId), ct) is not null)
        {
            return true;
        }

        var memberOf = await groups.ListForMemberAsync(userId, ct);
        return memberOf.Any(g => g.Members.Contains(otherId));
    }

    /// <summary>
    /// The participants of the conversation with this id when the caller is one of them (either side of a direct
    /// conversation, a member of a group), else null: one answer for unknown, malformed and others' ids.
    /// </summary>
    public async Task<IReadOnlyList<string>?> VisibleParticipantsAsync(string callerId, string conversationId, CancellationToken ct)
    {
        switch (conversationId.Split(':'))
        {
            case ["g", var groupId] when InputRules.IsId(groupId):
                return await groups.FindByIdAsync(groupId, ct) is { } group && group.Members.Contains(callerId) ? group.Members : null;
            case ["d", var a, var b] when InputRules.IsId(a) && InputRules.IsId(b) && (a == callerId || b == callerId) && conversationId == ConversationIds.Direct(a, b):
                return [a, b];
            default:
                return null;
        }
    }

    /// <summary>Whether <paramref name="callerId"/> may see the target's presence and ring it (see the class).</summary>
    public async Task<bool> CanReachAsync(string callerId, string targetId, CancellationToken ct) =>
        (await FilterReachableAsync(callerId, [targetId], ct)).Count == 1;

    /// <summary>Those of the targets the caller can reach, in a fixed number of store reads however many they are.</summary>
    public async Task<IReadOnlySet<string>> FilterReachableAsync(string callerId, IReadOnlyCollection<string> targetIds, CancellationToken ct)
    {
        var targets = targetIds.Where(t => t != callerId).ToHashSet(StringComparer.Ordinal);
        var reachable = new HashSet<string>(StringComparer.Ordinal);
        if (targets.Count == 0)
        {
            return reachable;
        }

        var shared = (await groups.ListForMemberAsync(callerId, ct)).Where(g => g.Members.Any(targets.Contains)).ToList();
        var conversationIds = targets.Select(t => ConversationIds.Direct(callerId, t))
            .Concat(shared.Select(g => ConversationIds.Group(g.Id))).ToList();
        var spoke = (await conversations.FindSpeakersAsync(conversationIds, targets, ct))
            .Select(s => (s.ConversationId, s.UserId)).ToHashSet();
        foreach (var target in targets)
        {
            var tookPart = spoke.Contains((ConversationIds.Direct(callerId, target), target))
                || shared.Any(g => g.Members.Contains(target) && (g.CreatedBy == target || spoke.Contains((ConversationIds.Group(g.Id), target))));
            if (tookPart && !await blocks.IsBlockedAsync(target, callerId, ct))
            {
                reachable.Add(target);
            }
        }
        return reachable;
    }

    /// <summary>
    /// Everyone who can reach <paramref name="userId"/> (the audience of its presence): the peers of the direct
    /// conversations it sent a message in, and the members of the groups it sent a message in or created, less
    /// those it blocked.
    /// </summary>
    public async Task<IReadOnlySet<string>> ListReachersAsync(string userId, CancellationToken ct)
    {
        // The conversations it spoke in come from an index on the user: no conversation list is read, however many.
        var spokeIn = (await conversations.ListSpokenInAsync(userId, ct)).ToHashSet(StringComparer.Ordinal);
        var audience = new HashSet<string>(spokeIn.Select(c => ConversationIds.DirectPeer(c, userId)).OfType<string>(), StringComparer.Ordinal);
        foreach (var group in await groups.ListForMemberAsync(userId, ct))
        {
            if (group.CreatedBy == userId || spokeIn.Contains(ConversationIds.Group(group.Id)))
            {
                audience.UnionWith(group.Members);
            }
        }
        audience.Remove(userId);
        audience.ExceptWith(await blocks.ListBlockedAsync(userId, ct));
        return audience;
    }

    /// <summary>Those of the users <paramref name="adderId"/> may add to a group (see the class), in one store read.</summary>
    public async Task<IReadOnlySet<string>> FilterAddableAsync(string adderId, IReadOnlyCollection<UserRecord> users, CancellationToken ct)
    {
        var everyone = users.Where(u => (u.GroupAdds ?? privacy.Value.DefaultGroupAdds) == GroupAdds.Everyone).Select(u => u.Id).ToHashSet(StringComparer.Ordinal);
        var contactsOnly = users.Where(u => !everyone.Contains(u.Id) && u.Id != adderId).Select(u => u.Id).ToList();
        var messagedAdder = contactsOnly.Count == 0
            ? []
            : (await conversations.FindSpeakersAsync(contactsOnly.Select(u => ConversationIds.Direct(adderId, u)).ToList(), contactsOnly, ct))
                .Where(s => s.ConversationId == ConversationIds.Direct(adderId, s.UserId))
                .Select(s => s.UserId).ToHashSet(StringComparer.Ordinal);

        var addable = new HashSet<string>(StringComparer.Ordinal);
        foreach (var user in users)
        {
            var allowed = user.Id == adderId || everyone.Contains(user.Id) || messagedAdder.Contains(user.Id);
            if (allowed && !await blocks.IsBlockedAsync(user.Id, adderId, ct))
            {
                addable.Add(user.Id);
            }
        }
        return addable;
    }
}
