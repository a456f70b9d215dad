using Microsoft.Extensions.Options;
using ServerlessChat.Core.Attachments;

namespace ServerlessChat.Standalone.Attachments;

/// <summary>
/// Processes queued images with twice as many consumers as <see cref="ImageDecodeGate"/> lets decode at once
/// (one per core by default, within the pixel budget): while some write their results and update the store,
/// others keep every core decoding; a consumer waiting at the gate holds no image. At start it takes up again
/// what a stopped process left processing.
/// </summary>
public sealed partial class AttachmentWorker(
    InProcessAttachmentQueue queue, AttachmentService attachments, AttachmentProcessingJob job, IOptions<AttachmentOptions> options, ILogger<AttachmentWorker> logger)
    : ChannelWorker<string>(queue.Jobs.Reader, 2 * options.Value.EffectiveProcessingConcurrency)
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Consumers first: the queue is bounded, and sends may fill it while the unfinished are put back.
        var consuming = base.ExecuteAsync(stoppingToken);
        try
        {
            foreach (var unfinished in await attachments.ListProcessingAsync(InProcessAttachmentQueue.Capacity, stoppingToken))
            {
                await queue.EnqueueAsync(unfinished.Id, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }

        await consuming;
    }

    // One failed job must not stop the worker; the attachment stays processing until the sweep queues it again.
    protected override Task HandleAsync(string attachmentId, CancellationToken ct) => job.RunAsync(attachmentId, ct);

    protected override void OnFailed(string attachmentId, Exception error) => LogJobFailed(logger, error, attachmentId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Processing attachment {AttachmentId} failed")]
    private static partial void LogJobFailed(ILogger logger, Exception exception, string attachmentId);
}
