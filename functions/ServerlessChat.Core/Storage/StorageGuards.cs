using ServerlessChat.Core.Domain;

namespace ServerlessChat.Core.Storage;

/// <summary>Argument rules shared by both adapters, so each stores exactly what the other would.</summary>
internal static class StorageGuards
{
    /// <summary>Members without duplicates, in their given order, and the admins among them in the same order.</summary>
    public static (List<string> Members, List<string> Admins) Membership(IReadOnlyList<string> members, IReadOnlyList<string> admins)
    {
        var memberIds = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var member in members)
        {
            var id = StorageIds.Require(member, nameof(members));
            if (seen.Add(id))
            {
                memberIds.Add(id);
            }
        }

        var adminSet = new HashSet<string>(StringComparer.Ordinal);
        foreach (var admin in admins)
        {
            var id = StorageIds.Require(admin, nameof(admins));
            if (!seen.Contains(id))
            {
                // SQLite keeps admin as a flag on the member row, so an admin outside the members has no place.
                throw new ArgumentException($"Admin '{id}' is not a member.", nameof(admins));
            }
            adminSet.Add(id);
        }
        return (memberIds, memberIds.FindAll(adminSet.Contains));
    }

    /// <summary>
    /// The two users of a direct conversation in ordinal order, or none for a group conversation: group
    /// membership lives in the group, so the conversation record does not copy it.
    /// </summary>
    public static string[] Participants(ConversationRecord conversation)
    {
        if (conversation.GroupId is not null || ConversationIds.IsGroup(conversation.ConversationId))
        {
            return [];
        }
        if (conversation.Participants.Count != 2)
        {
            throw new ArgumentException("A direct conversation has exactly two participants.", nameof(conversation));
        }
        var a = StorageIds.Require(conversation.Participants[0], nameof(conversation));
        var b = StorageIds.Require(conversation.Participants[1], nameof(conversation));
        return string.CompareOrdinal(a, b) <= 0 ? [a, b] : [b, a];
    }
}
