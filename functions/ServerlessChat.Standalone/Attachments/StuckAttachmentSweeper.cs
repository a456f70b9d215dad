using Microsoft.Extensions.Options;
using ServerlessChat.Core.Attachments;
using ServerlessChat.Core.Jobs;

namespace ServerlessChat.Standalone.Attachments;

/// <summary>
/// Queues again the images whose job was lost while the process ran (a job that threw leaves its image
/// processing), every half of <c>Attachments:RequeueProcessingAfterSeconds</c> (the Functions app: a TimerTrigger).
/// </summary>
public sealed partial class StuckAttachmentSweeper(
    AttachmentProcessingJob job, IOptions<AttachmentOptions> options, TimeProvider time, ILogger<StuckAttachmentSweeper> logger)
    : PeriodicWork(time, logger)
{
    protected override TimeSpan Interval => TimeSpan.FromSeconds(options.Value.RequeueProcessingAfterSeconds / 2.0);

    protected override async Task RunOnceAsync(CancellationToken ct)
    {
        if (await job.SweepStuckAsync(ct) is > 0 and var requeued)
        {
            LogRequeued(Logger, requeued);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Queued {Count} images again whose processing was lost")]
    private static partial void LogRequeued(ILogger logger, int count);
}
