using ServerlessChat.Core.RateLimiting;

namespace ServerlessChat.Tests.Api;

/// <summary>
/// The embedded store's counters live in memory (the storage contract suite covers how they count); these tests
/// cover what only memory has to care about: windows that have passed do not pile up.
/// </summary>
public sealed class ProcessRateLimitCounterTests
{
    [Fact]
    public async Task AWindowThatHasPassedIsForgottenOnceTheNextPruneComesDue()
    {
        var clock = new SteppedClock(new DateTimeOffset(2026, 12, 1, 12, 0, 30, TimeSpan.Zero));
        var counters = new ProcessRateLimitCounterStore(clock);
        var window = RequestRateLimiter.WindowEnd(clock.Now);
        Assert.Equal(1, await counters.IncrementAsync("user:a", window, default));
        Assert.Equal(2, await counters.IncrementAsync("user:a", window, default));

        // Still counted while the window lasts, however many other keys come and go.
        clock.Now = window.AddSeconds(-1);
        Assert.Equal(1, await counters.IncrementAsync("user:b", window, default));
        Assert.Equal(3, await counters.IncrementAsync("user:a", window, default));

        // Past its end and a prune interval later, any increment sweeps it away: asking for the old window again
        // finds nothing left of it.
        clock.Now = window.AddMinutes(2);
        Assert.Equal(1, await counters.IncrementAsync("user:c", RequestRateLimiter.WindowEnd(clock.Now), default));
        Assert.Equal(1, await counters.IncrementAsync("user:a", window, default));
    }

    [Fact]
    public async Task IncrementsFromManyThreadsAtOnceEachGetACountOfTheirOwn()
    {
        var clock = new SteppedClock(DateTimeOffset.UnixEpoch.AddDays(20_000));
        var counters = new ProcessRateLimitCounterStore(clock);
        var window = RequestRateLimiter.WindowEnd(clock.Now);
        using var start = new Barrier(4);

        var counts = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            start.SignalAndWait();
            var mine = new List<long>();
            for (var i = 0; i < 5_000; i++)
            {
                mine.Add(await counters.IncrementAsync("send:x", window, default));
            }
            return mine;
        })));

        Assert.Equal(Enumerable.Range(1, 20_000).Select(i => (long)i), counts.SelectMany(c => c).Order());
    }

    private sealed class SteppedClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
