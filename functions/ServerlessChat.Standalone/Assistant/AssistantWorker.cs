using ServerlessChat.Core.Assistant;

namespace ServerlessChat.Standalone.Assistant;

/// <summary>
/// Answers queued jobs, a few at a time so that one slow model call does not hold up every other user.
/// </summary>
public sealed partial class AssistantWorker(InProcessAssistantQueue queue, AssistantResponder responder, ILogger<AssistantWorker> logger)
    : ChannelWorker<AssistantJob>(queue.Jobs.Reader, concurrency: 4)
{
    protected override Task HandleAsync(AssistantJob job, CancellationToken ct) => responder.HandleAsync(job, ct);

    protected override void OnFailed(AssistantJob job, Exception error) => LogJobFailed(logger, error, job.MessageId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Assistant job for message {MessageId} failed")]
    private static partial void LogJobFailed(ILogger logger, Exception exception, string messageId);
}
