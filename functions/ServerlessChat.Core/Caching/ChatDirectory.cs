using Microsoft.Extensions.Caching.Hybrid;
using ServerlessChat.Core.Domain;
using ServerlessChat.Core.Storage;

namespace ServerlessChat.Core.Caching;

/// <summary>
/// Cached lookups of users and groups, the two reads nearly every request makes. Entries live one second in
/// process and longer in Redis when it is configured; a change removes the Redis entry at once, so another
/// instance serves a stale membership for at most the one second of its local copy.
/// </summary>
public sealed class ChatDirectory(HybridCache cache, IUserStore users, IGroupStore groups)
{
    public static readonly HybridCacheEntryOptions EntryOptions = new()
    {
        Expiration = TimeSpan.FromMinutes(5),
        LocalCacheExpiration = TimeSpan.FromSeconds(1),
    };

    // Profiles are not edited through the API, so a user entry may live longer in process than a membership.
    private static readonly HybridCacheEntryOptions UserEntryOptions = new()
    {
        Expiration = TimeSpan.FromMinutes(5),
        LocalCacheExpiration = TimeSpan.FromSeconds(30),
    };

    public async Task<UserRecord?> GetUserAsync(string id, CancellationToken ct)
    {
        if (!InputRules.IsId(id))
        {
            return null;
        }

        var entry = await cache.GetOrCreateAsync(
            $"user:{id}",
            (users, id),
            // Without the password hash: the entry may sit in Redis, and nothing that reads the directory needs it.
            static async (state, token) => new CachedUser(await state.users.FindByIdAsync(state.id, token) is { } user ? user with { PasswordHash = string.Empty } : null),
            UserEntryOptions,
            cancellationToken: ct);
        return entry.User;
    }

    // Reads this instance's own copy only: a miss is fetched with the others in one store query.
    private static readonly HybridCacheEntryOptions LocalOnly = new()
    {
        Flags = HybridCacheEntryFlags.DisableUnderlyingData | HybridCacheEntryFlags.DisableDistributedCache | HybridCacheEntryFlags.DisableLocalCacheWrite,
    };

    /// <summary>
    /// The users of <paramref name="ids"/> that exist, in no particular order: the ones cached here at once, all
    /// others in one store query (cached afterwards), instead of one read per user.
    /// </summary>
    public async Task<IReadOnlyList<UserRecord>> GetUsersAsync(IReadOnlyCollection<string> ids, CancellationToken ct)
    {
        var found = new List<UserRecord>(ids.Count);
        List<string>? missing = null;
        foreach (var id in ids)
        {
            if (!InputRules.IsId(id))
            {
                continue;
            }

            var entry = await cache.GetOrCreateAsync<CachedUser?>($"user:{id}", static _ => ValueTask.FromResult<CachedUser?>(null), LocalOnly, cancellationToken: ct);
            if (entry is null)
            {
                (missing ??= []).Add(id);
            }
            else if (entry.User is { } user)
            {
                found.Add(user);
            }
        }

        if (missing is null)
        {
            return found;
        }

        var loaded = (await users.FindByIdsAsync(missing, ct)).ToDictionary(u => u.Id, StringComparer.Ordinal);
        foreach (var id in missing)
        {
            var user = loaded.TryGetValue(id, out var record) ? record with { PasswordHash = string.Empty } : null;
            await cache.SetAsync($"user:{id}", new CachedUser(user), UserEntryOptions, cancellationToken: ct);
            if (user is not null)
            {
                found.Add(user);
            }
        }

        return found;
    }

    public async Task<GroupRecord?> GetGroupAsync(string id, CancellationToken ct)
    {
        if (!InputRules.IsId(id))
        {
            return null;
        }

        var entry = await cache.GetOrCreateAsync(
            $"group:{id}",
            (groups, id),
            static async (state, token) => new CachedGroup(await state.groups.FindByIdAsync(state.id, token)),
            EntryOptions,
            cancellationToken: ct);
        return entry.Group;
    }

    /// <summary>The group when the user is a member; null when it does not exist or the user cannot see it.</summary>
    public async Task<GroupRecord?> GetGroupForMemberAsync(string groupId, string userId, CancellationToken ct)
    {
        var group = await GetGroupAsync(groupId, ct);
        return group is not null && group.Members.Contains(userId) ? group : null;
    }

    public ValueTask ForgetGroupAsync(string id, CancellationToken ct) => cache.RemoveAsync($"group:{id}", ct);

    public ValueTask ForgetUserAsync(string id, CancellationToken ct) => cache.RemoveAsync($"user:{id}", ct);

    // Wrappers so that "no such user" is cached too, and sealed immutable types so the local cache can hand out
    // the same instance instead of deserializing a copy per hit.
    [System.ComponentModel.ImmutableObject(true)]
    public sealed record CachedUser(UserRecord? User);

    [System.ComponentModel.ImmutableObject(true)]
    public sealed record CachedGroup(GroupRecord? Group);
}
