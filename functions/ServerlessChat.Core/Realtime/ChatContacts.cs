using ServerlessChat.Core.Domain;
using ServerlessChat.Core.Storage;

namespace ServerlessChat.Core.Realtime;

/// <summary>
/// Who shares a conversation with whom: a direct conversation with at least one message, or a common group.
/// Presence is visible and pushed only along these lines, and calls only go along them.
/// </summary>
public sealed class ChatContacts(IConversationStore conversations, IGroupStore groups)
{
    /// <summary>How many direct conversations are read per user; a user with more has the latest ones as contacts.</summary>
    public const int MaxDirectConversations = 1000;

    /// <summary>Every user sharing a direct conversation or a group with <paramref name="userId"/>, the user itself excluded.</summary>
    public async Task<IReadOnlySet<string>> ListAsync(string userId, CancellationToken ct)
    {
        var contacts = new HashSet<string>(StringComparer.Ordinal);
        foreach (var group in await groups.ListForMemberAsync(userId, ct))
        {
            contacts.UnionWith(group.Members);
        }

        foreach (var conversation in await conversations.ListAsync(userId, [], MaxDirectConversations, ct))
        {
            if (conversation.GroupId is null)
            {
                contacts.UnionWith(conversation.Participants);
            }
        }

        contacts.Remove(userId);
        return contacts;
    }

    public async Task<bool> ShareConversationAsync(string userId, string otherId, CancellationToken ct)
    {
        if (await conversations.FindAsync(ConversationIds.Direct(userId, otherId), ct) is not null)
        {
            return true;
        }

        var memberOf = await groups.ListForMemberAsync(userId, ct);
        return memberOf.Any(g => g.Members.Contains(otherId));
    }
}
