using Microsoft.Extensions.Caching.Hybrid;
using ServerlessChat.Core.Caching;
using ServerlessChat.Core.Storage;

namespace ServerlessChat.Core.Blocking;

/// <summary>
/// Cached "is X blocked by Y": every direct send, typing event, call and presence event asks it, so each user's
/// block list is one cache entry (like group memberships in <see cref="ChatDirectory"/>), removed at once on a change.
/// </summary>
public sealed class BlockDirectory(HybridCache cache, IBlockStore blocks)
{
    public async Task<IReadOnlyList<string>> ListBlockedAsync(string blockerId, CancellationToken ct)
    {
        var entry = await cache.GetOrCreateAsync(
            Key(blockerId),
            (blocks, blockerId),
            static async (state, token) => new CachedBlocks(await state.blocks.ListBlockedAsync(state.blockerId, token)),
            ChatDirectory.EntryOptions,
            cancellationToken: ct);
        return entry.Blocked;
    }

    /// <summary>True when <paramref name="blockerId"/> has blocked <paramref name="blockedId"/>.</summary>
    public async Task<bool> IsBlockedAsync(string blockerId, string blockedId, CancellationToken ct) =>
        (await ListBlockedAsync(blockerId, ct)).Contains(blockedId, StringComparer.Ordinal);

    /// <summary>True when either of the two blocked the other.</summary>
    public async Task<bool> EitherBlockedAsync(string a, string b, CancellationToken ct) =>
        await IsBlockedAsync(a, b, ct) || await IsBlockedAsync(b, a, ct);

    public ValueTask ForgetAsync(string blockerId, CancellationToken ct) => cache.RemoveAsync(Key(blockerId), ct);

    private static string Key(string blockerId) => $"blocked:{blockerId}";

    [System.ComponentModel.ImmutableObject(true)]
    public sealed record CachedBlocks(IReadOnlyList<string> Blocked);
}
