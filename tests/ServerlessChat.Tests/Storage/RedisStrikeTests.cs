using ServerlessChat.Core.Domain;
using ServerlessChat.Core.RateLimiting;
using ServerlessChat.Tests.Realtime;
using StackExchange.Redis;

namespace ServerlessChat.Tests.Storage;

/// <summary>
/// The strike records of the Redis counter store, the store hosts use when Redis is set, held to what the
/// storage contract suite asks of the process and MongoDB stores.
/// </summary>
public sealed class RedisStrikeTests
{
    [RedisFact]
    public async Task StrikesCountUntilTheyExpireAndAnswerTheRecordBeforeEachStrike()
    {
        await using var redis = await RedisServer.StartAsync();
        using var connection = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        var store = new RedisRateLimitCounterStore(connection);
        var key = $"strike:{Guid.NewGuid():N}";
        var t = DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());

        Assert.Null(await store.FindStrikesAsync(key, t, default));
        Assert.Null(await store.StrikeAsync(key, t, t.AddMinutes(10), default));
        Assert.Equal(new StrikeRecord(1, t, t.AddMinutes(10)), await store.StrikeAsync(key, t.AddSeconds(1), t.AddMinutes(11), default));
        Assert.Equal(new StrikeRecord(2, t.AddSeconds(1), t.AddMinutes(11)), await store.FindStrikesAsync(key, t.AddSeconds(2), default));
        Assert.Equal(1, await store.IncrementAsync(key, t.AddMinutes(1), default));

        // Past its expiry (Redis may not have dropped it yet): gone, and the next strike starts over.
        Assert.Null(await store.FindStrikesAsync(key, t.AddMinutes(11), default));

        await store.ClearStrikesAsync(key, default);
        Assert.Null(await store.FindStrikesAsync(key, t, default));
        Assert.Null(await store.StrikeAsync(key, t, t.AddMinutes(5), default));
    }

    [RedisFact]
    public async Task ConcurrentStrikesEachSeeADifferentCount()
    {
        await using var redis = await RedisServer.StartAsync();
        using var connection = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        var store = new RedisRateLimitCounterStore(connection);
        for (var round = 0; round < 10; round++)
        {
            var key = $"burst:{Guid.NewGuid():N}";
            var t = DateTimeOffset.UtcNow;

            var before = await Task.WhenAll(Enumerable.Range(0, 25).Select(_ => store.StrikeAsync(key, t, t.AddMinutes(5), default)));

            Assert.Equal(Enumerable.Range(0, 25).Select(i => (long)i), before.Select(record => record?.Count ?? 0).Order());
            Assert.Equal(25, (await store.FindStrikesAsync(key, t, default))?.Count);
        }
    }
}
