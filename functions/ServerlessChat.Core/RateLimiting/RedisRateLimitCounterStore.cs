using ServerlessChat.Core.Domain;
using ServerlessChat.Core.Storage;
using StackExchange.Redis;

namespace ServerlessChat.Core.RateLimiting;

/// <summary>
/// Rate-limit windows in Redis: one INCR and an expiry at the window's end, atomic in one script. Strikes are a hash
/// per key (count, last, expires) that Redis drops at its expiry.
/// </summary>
public sealed class RedisRateLimitCounterStore(IConnectionMultiplexer redis) : IRateLimitCounterStore
{
    private static readonly LuaScript Increment = LuaScript.Prepare(
        "local count = redis.call('INCR', @key) if count == 1 then redis.call('PEXPIREAT', @key, @windowEnd) end return count");

    // The record before the strike, then the strike: one script, so concurrent strikes each read a different count.
    private static readonly LuaScript Strike = LuaScript.Prepare(
        "local before = redis.call('HMGET', @key, 'count', 'last', 'expires') "
        + "redis.call('HINCRBY', @key, 'count', 1) "
        + "redis.call('HSET', @key, 'last', @at, 'expires', @expires) "
        + "redis.call('PEXPIREAT', @key, @expires) "
        + "return before");

    public async Task<long> IncrementAsync(string key, DateTimeOffset windowEnd, CancellationToken ct)
    {
        // The window's end is in the key, so a new window is a new counter and the old one simply expires.
        var windowKey = (RedisKey)$"ratelimit:{key}:{windowEnd.ToUnixTimeSeconds()}";
        var result = await redis.GetDatabase().ScriptEvaluateAsync(Increment, new { key = windowKey, windowEnd = windowEnd.ToUnixTimeMilliseconds() });
        return (long)result;
    }

    public async Task<StrikeRecord?> StrikeAsync(string key, DateTimeOffset at, DateTimeOffset expiresAt, CancellationToken ct)
    {
        var result = await redis.GetDatabase().ScriptEvaluateAsync(Strike, new
        {
            key = StrikeKey(key),
            at = at.ToUnixTimeMilliseconds(),
            expires = expiresAt.ToUnixTimeMilliseconds(),
        });
        var before = ToRecord((RedisValue[])result!);
        // A record past its expiry that Redis has not dropped yet counts as gone, as in the other stores.
        return before is not null && before.ExpiresAt > at ? before : null;
    }

    public async Task<StrikeRecord?> FindStrikesAsync(string key, DateTimeOffset now, CancellationToken ct)
    {
        var record = ToRecord(await redis.GetDatabase().HashGetAsync(StrikeKey(key), ["count", "last", "expires"]));
        return record is not null && record.ExpiresAt > now ? record : null;
    }

    public Task ClearStrikesAsync(string key, CancellationToken ct) => redis.GetDatabase().KeyDeleteAsync(StrikeKey(key));

    private static RedisKey StrikeKey(string key) => $"strike:{key}";

    private static StrikeRecord? ToRecord(RedisValue[] fields) =>
        fields.Length == 3 && !fields[0].IsNull && !fields[1].IsNull && !fields[2].IsNull
            ? new StrikeRecord((long)fields[0], DateTimeOffset.FromUnixTimeMilliseconds((long)fields[1]), DateTimeOffset.FromUnixTimeMilliseconds((long)fields[2]))
            : null;
}
