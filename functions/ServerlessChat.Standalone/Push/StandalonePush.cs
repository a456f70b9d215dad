using ServerlessChat.Core.Push;

namespace ServerlessChat.Standalone.Push;

public static class StandalonePush
{
    /// <summary>The standalone host's side of Web Push: an in-process queue and the worker that drains it.</summary>
    public static IHostApplicationBuilder AddStandalonePush(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<InProcessPushQueue>();
        builder.Services.AddSingleton<IPushQueue>(sp => sp.GetRequiredService<InProcessPushQueue>());
        builder.Services.AddHostedService<PushWorker>();
        return builder;
    }
}

/// <summary>
/// When it is full a message is pushed to nobody (the listener logs it) and the send is not held up. Jobs still
/// queued at shutdown are lost.
/// </summary>
public sealed class InProcessPushQueue : IPushQueue
{
    public const int Capacity = 10_000;

    public InProcessJobQueue<PushJob> Jobs { get; } = new(Capacity);

    public ValueTask<bool> EnqueueAsync(PushJob job, CancellationToken ct) => ValueTask.FromResult(Jobs.TryEnqueue(job));
}

/// <summary>Pushes queued messages, several at a time so that one slow push service does not hold up the rest.</summary>
public sealed partial class PushWorker(InProcessPushQueue queue, PushDispatcher dispatcher, ILogger<PushWorker> logger)
    : ChannelWorker<PushJob>(queue.Jobs.Reader, concurrency: 8)
{
    protected override Task HandleAsync(PushJob job, CancellationToken ct) => dispatcher.HandleAsync(job, ct);

    protected override void OnFailed(PushJob job, Exception error) => LogJobFailed(logger, error, job.MessageId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Push job for message {MessageId} failed")]
    private static partial void LogJobFailed(ILogger logger, Exception exception, string messageId);
}
