using Microsoft.Extensions.Options;
using ServerlessChat.Core.Realtime;
using StackExchange.Redis;

namespace ServerlessChat.Standalone.Realtime;

/// <summary>
/// The open hub connections of each user. SignalR can address a user's connections for sends but cannot add a
/// user to a group, only a connection; this registry turns "add user X to group G" into one group add per open
/// connection of X, on whichever instance it is open.
/// </summary>
public interface IConnectionRegistry
{
    Task AddAsync(string userId, string connectionId);

    Task RemoveAsync(string userId, string connectionId);

    /// <summary>The user's open connections on every instance.</summary>
    Task<IReadOnlyCollection<string>> GetAsync(string userId);

    /// <summary>Users with a connection open on this instance.</summary>
    IReadOnlyCollection<string> LocalUsers { get; }

    /// <summary>Keeps this instance's entries alive in a shared registry; run by the presence sweeper.</summary>
    Task RefreshAsync(CancellationToken ct);
}

/// <summary>The connections of this process: the whole registry when there is one instance.</summary>
/// <remarks>
/// Nearly every user has one connection open, so that one is held as the id itself; a set is made for a second.
/// At 10,000 connections a set each cost about 200 bytes a connection for nothing.
/// </remarks>
public sealed class LocalConnectionRegistry : IConnectionRegistry
{
    // A connection id (string) or, for a user with several, a HashSet<string> of them.
    private readonly Dictionary<string, object> _byUser = new(StringComparer.Ordinal);

    public IReadOnlyCollection<string> LocalUsers
    {
        get
        {
            lock (_byUser)
            {
                return [.. _byUser.Keys];
            }
        }
    }

    public Task AddAsync(string userId, string connectionId)
    {
        lock (_byUser)
        {
            if (!_byUser.TryGetValue(userId, out var connections))
            {
                _byUser[userId] = connectionId;
            }
            else if (connections is string only)
            {
                if (only != connectionId)
                {
                    _byUser[userId] = new HashSet<string>(StringComparer.Ordinal) { only, connectionId };
                }
            }
            else
            {
                ((HashSet<string>)connections).Add(connectionId);
            }
        }

        return Task.CompletedTask;
    }

    public Task RemoveAsync(string userId, string connectionId)
    {
        lock (_byUser)
        {
            if (!_byUser.TryGetValue(userId, out var connections))
            {
                return Task.CompletedTask;
            }

            if (connections is string only)
            {
                if (only == connectionId)
                {
                    _byUser.Remove(userId);
                }
            }
            else
            {
                var set = (HashSet<string>)connections;
                if (set.Remove(connectionId) && set.Count == 1)
                {
                    _byUser[userId] = set.First();
                }
            }
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyCollection<string>> GetAsync(string userId) => Task.FromResult(Local(userId));

    public Task RefreshAsync(CancellationToken ct) => Task.CompletedTask;

    public IReadOnlyCollection<string> Local(string userId)
    {
        lock (_byUser)
        {
            return _byUser.TryGetValue(userId, out var connections)
                ? connections is string only ? [only] : [.. (HashSet<string>)connections]
                : [];
        }
    }
}

/// <summary>
/// Connections of every instance in Redis: one sorted set per user, connection id scored by when its instance
/// last vouched for it. Each instance re-vouches for its own connections every sweep, so the connections of an
/// instance that died without closing them drop out after <see cref="StaleAfter"/> and no group change waits on
/// them (the Redis backplane waits up to 30 seconds for an instance to acknowledge a group change).
/// </summary>
public sealed class RedisConnectionRegistry(IConnectionMultiplexer redis, IOptions<PresenceOptions> presence, TimeProvider time) : IConnectionRegistry
{
    private readonly LocalConnectionRegistry _local = new();

    private TimeSpan StaleAfter => presence.Value.SweepInterval * 3;

    public IReadOnlyCollection<string> LocalUsers => _local.LocalUsers;

    public async Task AddAsync(string userId, string connectionId)
    {
        await _local.AddAsync(userId, connectionId);
        var database = redis.GetDatabase();
        await database.SortedSetAddAsync(Key(userId), connectionId, Now());
        await database.KeyExpireAsync(Key(userId), StaleAfter * 2);
    }

    public async Task RemoveAsync(string userId, string connectionId)
    {
        await _local.RemoveAsync(userId, connectionId);
        await redis.GetDatabase().SortedSetRemoveAsync(Key(userId), connectionId);
    }

    public async Task<IReadOnlyCollection<string>> GetAsync(string userId)
    {
        var fresh = await redis.GetDatabase().SortedSetRangeByScoreAsync(Key(userId), Now() - StaleAfter.TotalMilliseconds);
        return fresh.Select(c => c.ToString()).ToList();
    }

    public async Task RefreshAsync(CancellationToken ct)
    {
        var database = redis.GetDatabase();
        var now = Now();
        foreach (var userId in _local.LocalUsers)
        {
            ct.ThrowIfCancellationRequested();
            var key = Key(userId);
            var entries = _local.Local(userId).Select(c => new SortedSetEntry(c, now)).ToArray();
            await database.SortedSetAddAsync(key, entries);
            await database.SortedSetRemoveRangeByScoreAsync(key, double.NegativeInfinity, now - StaleAfter.TotalMilliseconds);
            await database.KeyExpireAsync(key, StaleAfter * 2);
        }
    }

    private static RedisKey Key(string userId) => $"serverlesschat:connections:{userId}";

    private double Now() => time.GetUtcNow().ToUnixTimeMilliseconds();
}
