using ServerlessChat.Core.Assistant;

namespace ServerlessChat.Standalone.Assistant;

/// <summary>
/// Answers queued jobs, a few at a time so that one slow model call does not hold up every other user.
/// </summary>
public sealed partial class AssistantWorker(InProcessAssistantQueue queue, AssistantResponder responder, ILogger<AssistantWorker> logger) : BackgroundService
{
    private const int Concurrency = 4;

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(Enumerable.Range(0, Concurrency).Select(_ => ConsumeAsync(stoppingToken)));

    private async Task ConsumeAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var job in queue.Reader.ReadAllAsync(stoppingToken))
            {
                try
                {
                    await responder.HandleAsync(job, stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
                {
                    // One failed job (the database unreachable, say) must not stop the worker for everyone else.
                    LogJobFailed(logger, e, job.MessageId);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Assistant job for message {MessageId} failed")]
    private static partial void LogJobFailed(ILogger logger, Exception exception, string messageId);
}
