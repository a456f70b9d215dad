using System.Security.Claims;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.SignalR;
using ServerlessChat.Standalone.Realtime;

namespace ServerlessChat.Tests.Realtime;

/// <summary>
/// When the standalone hub closes connections: at its token's expiry plus a random 0 to 60 seconds, or when its
/// session ends. Driven on a clock the test sets, since an end-to-end run would wait out a token's lifetime.
/// </summary>
public sealed class HubSessionsTests
{
    private static readonly DateTimeOffset Expiry = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void ConnectionsAreClosedAfterTheirTokensExpiryWithinAMinuteAndSpreadOverIt()
    {
        var clock = new SetClock(Expiry.AddSeconds(-1));
        var sessions = new HubSessions(clock);
        var connections = Enumerable.Range(0, 200).Select(i => new FakeContext($"c{i}")).ToList();
        connections.ForEach(c => sessions.Add(c, "s1", Expiry));

        Assert.Equal(0, sessions.Sweep(new HashSet<string>()));

        clock.Now = Expiry.AddSeconds(30);
        var firstHalf = sessions.Sweep(new HashSet<string>());
        // Spread: some are due by now and some not (each has a 1 in 2 chance; all 200 on one side is ~2^-199).
        Assert.InRange(firstHalf, 1, 199);

        clock.Now = Expiry + HubSessions.CloseSpread;
        Assert.Equal(200 - firstHalf, sessions.Sweep(new HashSet<string>()));
        Assert.All(connections, c => Assert.True(c.Aborted));
        Assert.Equal(0, sessions.Count);
    }

    [Fact]
    public void EndingASessionClosesItsConnectionsOnlyAndARemovedConnectionIsNotTouched()
    {
        var clock = new SetClock(Expiry.AddMinutes(-10));
        var sessions = new HubSessions(clock);
        var (ended, live, gone) = (new FakeContext("a"), new FakeContext("b"), new FakeContext("c"));
        sessions.Add(ended, "ended", Expiry);
        sessions.Add(live, "live", Expiry);
        sessions.Add(gone, "ended", Expiry);
        sessions.Remove("c");

        Assert.Equal(1, sessions.Sweep(new HashSet<string> { "ended" }));
        Assert.True(ended.Aborted);
        Assert.False(live.Aborted);
        Assert.False(gone.Aborted);

        Assert.Equal(1, sessions.Close("live"));
        Assert.True(live.Aborted);
        Assert.Equal(0, sessions.Close("live"));
    }

    private sealed class SetClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }

    private sealed class FakeContext(string connectionId) : HubCallerContext
    {
        public bool Aborted { get; private set; }

        public override string ConnectionId { get; } = connectionId;
        public override string? UserIdentifier => "user";
        public override ClaimsPrincipal? User => null;
        public override IDictionary<object, object?> Items { get; } = new Dictionary<object, object?>();
        public override IFeatureCollection Features { get; } = new FeatureCollection();
        public override CancellationToken ConnectionAborted => CancellationToken.None;

        public override void Abort() => Aborted = true;
    }
}
