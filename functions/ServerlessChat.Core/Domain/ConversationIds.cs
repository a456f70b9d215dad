namespace ServerlessChat.Core.Domain;

/// <summary>
/// Conversation ids are derived, never stored separately: a direct conversation is the ordered pair of its
/// users, a group conversation is its group. Derivable ids make a good Cosmos DB shard key (every history page
/// is one partition) and need no lookup before a message is written.
/// </summary>
public static class ConversationIds
{
    public static string Direct(string userA, string userB) =>
        string.CompareOrdinal(userA, userB) < 0 ? $"d:{userA}:{userB}" : $"d:{userB}:{userA}";

    public static string Group(string groupId) => $"g:{groupId}";

    public static bool IsGroup(string conversationId) => conversationId.StartsWith("g:", StringComparison.Ordinal);

    /// <summary>The other user of a direct conversation of <paramref name="userId"/>; null for a group or a conversation not its own.</summary>
    public static string? DirectPeer(string conversationId, string userId)
    {
        var parts = conversationId.Split(':');
        return parts is ["d", var a, var b] && (a == userId || b == userId) ? (a == userId ? b : a) : null;
    }
}
