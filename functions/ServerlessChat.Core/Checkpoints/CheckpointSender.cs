using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ServerlessChat.Core.Jobs;
using ServerlessChat.Core.Realtime;
using ServerlessChat.Core.Sync;

namespace ServerlessChat.Core.Checkpoints;

/// <summary>
/// Every <see cref="SyncOptions.CheckpointSeconds"/>, a <c>checkpoint</c> to each user and group that got change
/// events since the last round: the waits run from the end of one round to the start of the next, so checkpoints
/// to one audience are never closer together than that.
/// </summary>
internal sealed class CheckpointSender(CheckpointLedger ledger, IRealtimePublisher publisher, IOptions<SyncOptions> options, TimeProvider time, ILogger<CheckpointSender> logger)
    : PeriodicWork(time, logger)
{
    protected override TimeSpan Interval => TimeSpan.FromSeconds(options.Value.CheckpointSeconds);

    protected override async Task RunOnceAsync(CancellationToken ct)
    {
        var due = ledger.TakeDue();
        if (due.Count > 0)
        {
            await publisher.PublishAsync(due, ct);
        }
    }
}
