using ServerlessChat.Core.Domain;
using ServerlessChat.Core.Storage;

namespace ServerlessChat.Core.Sync;

/// <summary>How sync reads the change log: only as far as nothing before can still arrive.</summary>
internal static class SettledChanges
{
    /// <summary>
    /// The first <paramref name="limit"/> entries, oldest first, that can be delivered now across the
    /// conversations, each after its own position, with whether more follow. A conversation is delivered through
    /// consecutive, committed entries only: numbers can commit out of order, and an entry is pending while its
    /// write runs (on a store without transactions, see <see cref="IChangeLog"/>), so a conversation stops before
    /// a missing number or a pending entry, unless the entry there is stamped at or before
    /// <paramref name="settled"/>: then whatever was missing is older than the settle window and will not come (a
    /// failed write), and a pending entry's write is over either way, so its entity as stored is what it resolves
    /// to.
    /// </summary>
    /// <remarks>
    /// One merged read of all the conversations (plus one batched point read when a first entry is recent) makes
    /// the page. A window of the merged log holds every entry up to its last one, and whether an entry can be
    /// delivered depends only on earlier entries of its conversation, so the entries delivered from a window are
    /// all that can be delivered up to its end. Only when a window is full but holds too few deliverable entries
    /// (conversations stopped within the settle window) is the log read again without the stopped conversations,
    /// whose delivered entries are kept: each such round removes at least one conversation.
    /// <para>
    /// <c>HeldAt</c> is the stamp of the oldest entry a conversation stopped before (pending, or after a missing
    /// number): once the settle window has passed it, a read from the page's end delivers it or whatever is
    /// still missing is given up. Null when no conversation stopped.
    /// </para>
    /// </remarks>
    public static async Task<(List<ChangeRecord> Page, bool HasMore, long? HeldAt)> ReadAsync(
        IChangeLog changes, IReadOnlyDictionary<string, long> positions, long settled, int limit, CancellationToken ct)
    {
        var open = new Dictionary<string, long>(positions, StringComparer.Ordinal);
        var kept = new List<ChangeRecord>();
        var known = new Dictionary<(string, long), ChangeRecord?>();
        long? heldAt = null;
        while (true)
        {
            var read = open.Count == 0 ? [] : await changes.ReadAfterAsync(open, limit + 1, ct).ConfigureAwait(false);
            var byConversation = read.GroupBy(c => c.ConversationId, StringComparer.Ordinal).Select(g => g.OrderBy(c => c.Seq).ToList()).ToList();
            await FindPredecessorsAsync(changes, byConversation, settled, known, ct).ConfigureAwait(false);

            var fresh = new List<ChangeRecord>(read.Count);
            var stopped = new List<string>();
            foreach (var entries in byConversation)
            {
                var conversationId = entries[0].ConversationId;
                var deliverable = Deliverable(entries, open[conversationId], settled, known);
                if (deliverable.Count < entries.Count && (heldAt is null || entries[deliverable.Count].At < heldAt))
                {
                    heldAt = entries[deliverable.Count].At;
                }
                (deliverable.Count < entries.Count ? kept : fresh).AddRange(deliverable);
                if (deliverable.Count < entries.Count)
                {
                    stopped.Add(conversationId);
                }
            }

            var all = kept.Concat(fresh).ToList();
            if (all.Count > limit || read.Count <= limit || stopped.Count == 0)
            {
                all.Sort(static (x, y) => x.At != y.At ? x.At.CompareTo(y.At) : string.CompareOrdinal(x.ConversationId, y.ConversationId));
                return all.Count > limit ? (all.GetRange(0, limit), true, heldAt) : (all, false, heldAt);
            }
            foreach (var conversationId in stopped)
            {
                open.Remove(conversationId);
            }
        }
    }

    /// <summary>
    /// From the position alone (no entry delivered there, or not read) the read does not say whether the number
    /// before a recent first entry came already: look those up, all in one query.
    /// </summary>
    private static async Task FindPredecessorsAsync(
        IChangeLog changes, List<List<ChangeRecord>> byConversation, long settled, Dictionary<(string, long), ChangeRecord?> known, CancellationToken ct)
    {
        var wanted = byConversation
            .Select(entries => entries[0])
            .Where(first => first.Seq > 1 && first.At > settled && !known.ContainsKey((first.ConversationId, first.Seq - 1)))
            .Select(first => (first.ConversationId, first.Seq - 1))
            .ToList();
        if (wanted.Count == 0)
        {
            return;
        }
        foreach (var key in wanted)
        {
            known[key] = null;
        }
        foreach (var found in await changes.FindAsync(wanted, ct).ConfigureAwait(false))
        {
            known[(found.ConversationId, found.Seq)] = found;
        }
    }

    /// <summary>The consecutive, committed (or settled) prefix of one conversation's entries after its position.</summary>
    private static List<ChangeRecord> Deliverable(List<ChangeRecord> entries, long position, long settled, Dictionary<(string, long), ChangeRecord?> known)
    {
        long? next = null;
        var first = entries[0];
        if (first.Seq > 1 && first.At > settled)
        {
            // The one before must be there, and delivered (stamped at or before the position).
            next = known.GetValueOrDefault((first.ConversationId, first.Seq - 1)) is { } before && before.At <= position ? first.Seq : -1;
        }

        var deliverable = new List<ChangeRecord>(entries.Count);
        foreach (var change in entries)
        {
            var waitFor = (next is { } expected && change.Seq != expected) || change.Pending;
            if (waitFor && change.At > settled)
            {
                break;
            }
            deliverable.Add(change with { Pending = false });
            next = change.Seq + 1;
        }
        return deliverable;
    }
}
