using ServerlessChat.Core.Attachments;

namespace ServerlessChat.Standalone.Attachments;

/// <summary>
/// Processes queued images one at a time: decoding is CPU- and memory-heavy, and one at a time bounds both.
/// At start it takes up again what a stopped process left processing.
/// </summary>
public sealed partial class AttachmentWorker(
    InProcessAttachmentQueue queue, AttachmentService attachments, AttachmentProcessingJob job, ILogger<AttachmentWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            foreach (var unfinished in await attachments.ListProcessingAsync(InProcessAttachmentQueue.Capacity, stoppingToken))
            {
                await queue.EnqueueAsync(unfinished.Id, stoppingToken);
            }

            await foreach (var attachmentId in queue.Reader.ReadAllAsync(stoppingToken))
            {
                try
                {
                    await job.RunAsync(attachmentId, stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
                {
                    // One failed job must not stop the worker; the attachment stays processing until the next start.
                    LogJobFailed(logger, e, attachmentId);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Processing attachment {AttachmentId} failed")]
    private static partial void LogJobFailed(ILogger logger, Exception exception, string attachmentId);
}
