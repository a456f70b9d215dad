using ServerlessChat.Core.Storage;
using StackExchange.Redis;

namespace ServerlessChat.Core.RateLimiting;

/// <summary>Rate-limit windows in Redis: one INCR and an expiry at the window's end, atomic in one script.</summary>
public sealed class RedisRateLimitCounterStore(IConnectionMultiplexer redis) : IRateLimitCounterStore
{
    private static readonly LuaScript Increment = LuaScript.Prepare(
        "local count = redis.call('INCR', @key) if count == 1 then redis.call('PEXPIREAT', @key, @windowEnd) end return count");

    public async Task<long> IncrementAsync(string key, DateTimeOffset windowEnd, CancellationToken ct)
    {
        // The window's end is in the key, so a new window is a new counter and the old one simply expires.
        var windowKey = (RedisKey)$"ratelimit:{key}:{windowEnd.ToUnixTimeSeconds()}";
        var result = await redis.GetDatabase().ScriptEvaluateAsync(Increment, new { key = windowKey, windowEnd = windowEnd.ToUnixTimeMilliseconds() });
        return (long)result;
    }
}
