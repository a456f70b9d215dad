using ServerlessChat.Core.Domain;
using ServerlessChat.Core.Storage;

namespace ServerlessChat.Core.Sync;

/// <summary>How sync reads a conversation's change log: only as far as nothing before can still arrive.</summary>
internal static class SettledChanges
{
    /// <summary>
    /// The entries of one conversation after <paramref name="position"/> that can be delivered now: consecutive
    /// and committed. Numbers can commit out of order, and an entry is pending while its write runs (on a store
    /// without transactions, see <see cref="IChangeLog"/>), so the read stops before a missing number or a
    /// pending entry, unless the entry there is stamped at or before <paramref name="settled"/>: then whatever was
    /// missing is older than the settle window and will not come (a failed write), and a pending entry's write is
    /// over either way, so its entity as stored is what it resolves to.
    /// </summary>
    public static async Task<List<ChangeRecord>> ReadAsync(IChangeLog changes, string conversationId, long position, long settled, int limit, CancellationToken ct)
    {
        // From the position itself: the entry stamped there (the last one delivered) says which number comes next.
        var read = await changes.ReadAfterAsync(conversationId, position - 1, limit + 1, ct).ConfigureAwait(false);
        var start = read.Count > 0 && read[0].At == position ? 1 : 0;
        long? next = start == 1 ? read[0].Seq + 1 : null;
        if (next is null && read.Count > 0 && read[0].Seq > 1 && read[0].At > settled)
        {
            // Not known from the read (the position is the watermark): the one before must be there, and delivered.
            var before = await changes.FindAsync(conversationId, read[0].Seq - 1, ct).ConfigureAwait(false);
            next = before is not null && before.At <= position ? read[0].Seq : -1;
        }

        var deliverable = new List<ChangeRecord>(Math.Min(read.Count, limit));
        for (var i = start; i < read.Count && deliverable.Count < limit; i++)
        {
            var change = read[i];
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
