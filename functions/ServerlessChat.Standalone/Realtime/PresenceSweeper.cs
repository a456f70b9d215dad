using Microsoft.Extensions.Options;
using ServerlessChat.Core.Jobs;
using ServerlessChat.Core.Realtime;

namespace ServerlessChat.Standalone.Realtime;

/// <summary>
/// Every <see cref="PresenceOptions.SweepInterval"/>: vouches for this instance's open connections (SignalR's
/// keep-alive already proves them alive, so clients of this host need not heartbeat), then turns offline the
/// users nobody vouched for within the timeout, such as those of an instance that died.
/// </summary>
public sealed class PresenceSweeper(
    IConnectionRegistry registry, PresenceService presence, IRealtimePublisher publisher, IOptions<PresenceOptions> options, TimeProvider time,
    ILogger<PresenceSweeper> logger) : PeriodicWork(time, logger)
{
    private const int SweepChunk = 500;

    protected override TimeSpan Interval => options.Value.SweepInterval;

    protected override async Task RunOnceAsync(CancellationToken ct)
    {
        await registry.RefreshAsync(ct);
        // In chunks: one read and one write each, and no single write long enough to hold up a burst of sends.
        foreach (var users in registry.LocalUsers.Chunk(SweepChunk))
        {
            await publisher.PublishAsync(await presence.HeartbeatAsync(users, ct), ct);
        }

        await publisher.PublishAsync(await presence.ExpireStaleAsync(ct), ct);
    }
}
