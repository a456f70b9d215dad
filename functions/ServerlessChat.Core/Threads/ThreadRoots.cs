using ServerlessChat.Core.Domain;
using ServerlessChat.Core.Storage;

namespace ServerlessChat.Core.Threads;

/// <summary>
/// The send's thread step: which root a reply names (a top-level message of the same conversation, else 400
/// naming <c>threadId</c>) and who a thread reply concerns (the root's sender, those who replied, those it names).
/// </summary>
public sealed class ThreadRoots(IMessageStore messages)
{
    /// <summary>
    /// The root the send names, null for a top-level message; <paramref name="threadId"/> was checked as an id.
    /// The conversation is one the caller can read, so a root outside it is the same 400 as none: it reveals nothing.
    /// </summary>
    public async Task<MessageRecord?> ResolveAsync(InputRules rules, string? threadId, string conversationId, CancellationToken ct)
    {
        if (threadId is null)
        {
            return null;
        }

        var root = await messages.FindByIdAsync(threadId, ct);
        if (root is null || root.ConversationId != conversationId || root.ThreadId is not null || root.Deleted)
        {
            rules.Add("threadId", "Reply in the thread of an undeleted top-level message of the same conversation.");
            rules.ThrowIfAny();
        }

        return root;
    }

    /// <summary>
    /// A thread's participants as a reply leaves them: the root's sender, everyone who replied, and those the reply
    /// mentions (the push audience of a thread reply, within <paramref name="members"/>).
    /// </summary>
    public static IReadOnlyList<string> Participants(MessageRecord root, MessageRecord reply, IReadOnlyCollection<string> members) =>
        new[] { root.SenderId }
            .Concat(root.Thread?.Participants ?? [])
            .Concat(reply.Mentions)
            .Distinct(StringComparer.Ordinal)
            .Where(members.Contains)
            .ToList();
}
