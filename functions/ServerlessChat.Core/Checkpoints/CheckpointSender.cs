using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ServerlessChat.Core.Realtime;
using ServerlessChat.Core.Sync;

namespace ServerlessChat.Core.Checkpoints;

/// <summary>
/// Every <see cref="SyncOptions.CheckpointSeconds"/>, a <c>checkpoint</c> to each user and group that got change
/// events since the last round: the waits run from the end of one round to the start of the next, so checkpoints
/// to one audience are never closer together than that.
/// </summary>
internal sealed partial class CheckpointSender(CheckpointLedger ledger, IRealtimePublisher publisher, IOptions<SyncOptions> options, TimeProvider time, ILogger<CheckpointSender> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var period = TimeSpan.FromSeconds(options.Value.CheckpointSeconds);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(period, time, stoppingToken);
                var due = ledger.TakeDue();
                if (due.Count > 0)
                {
                    await publisher.PublishAsync(due, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception error)
            {
                LogRoundFailed(error);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sending checkpoints failed; the next round sends them again")]
    private partial void LogRoundFailed(Exception exception);
}
