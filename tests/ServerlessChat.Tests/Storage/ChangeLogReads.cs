using ServerlessChat.Core.Domain;
using ServerlessChat.Core.Storage;

namespace ServerlessChat.Tests.Storage;

/// <summary>One conversation's entries through the change log's batched reads, as the tests look at them.</summary>
internal static class ChangeLogReads
{
    public static Task<IReadOnlyList<ChangeRecord>> ReadAfterAsync(this IChangeLog changes, string conversationId, long afterAt, int limit, CancellationToken ct) =>
        changes.ReadAfterAsync(new Dictionary<string, long> { [conversationId] = afterAt }, limit, ct);

    public static async Task<ChangeRecord?> FindAsync(this IChangeLog changes, string conversationId, long seq, CancellationToken ct) =>
        (await changes.FindAsync([(conversationId, seq)], ct)).SingleOrDefault();
}
