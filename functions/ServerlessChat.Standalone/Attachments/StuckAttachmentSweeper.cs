using Microsoft.Extensions.Options;
using ServerlessChat.Core.Attachments;

namespace ServerlessChat.Standalone.Attachments;

/// <summary>
/// Queues again the images whose job was lost while the process ran (a job that threw leaves its image
/// processing), every half of <c>Attachments:RequeueProcessingAfterSeconds</c> (the Functions app: a TimerTrigger).
/// </summary>
public sealed partial class StuckAttachmentSweeper(
    AttachmentProcessingJob job, IOptions<AttachmentOptions> options, TimeProvider time, ILogger<StuckAttachmentSweeper> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.RequeueProcessingAfterSeconds / 2.0), time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    if (await job.SweepStuckAsync(stoppingToken) is > 0 and var requeued)
                    {
                        LogRequeued(logger, requeued);
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // The next tick tries again.
                    LogSweepFailed(logger, e);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Queued {Count} images again whose processing was lost")]
    private static partial void LogRequeued(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Queuing stuck images again failed")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);
}
