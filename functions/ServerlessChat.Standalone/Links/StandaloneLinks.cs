using ServerlessChat.Core.Links;

namespace ServerlessChat.Standalone.Links;

public static class StandaloneLinks
{
    /// <summary>
    /// Bounded, so a flood of links cannot grow memory without limit: when it is full a message gets no previews
    /// (the listener logs it) and the send is not held up. Jobs still queued at shutdown are lost.
    /// </summary>
    public const int Capacity = 10_000;

    /// <summary>The standalone host's side of link previews: an in-process queue and the worker that drains it.</summary>
    public static IHostApplicationBuilder AddStandaloneLinks(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<InProcessLinkPreviewQueue>();
        builder.Services.AddSingleton<ILinkPreviewQueue>(sp => sp.GetRequiredService<InProcessLinkPreviewQueue>());
        builder.Services.AddHostedService<LinkPreviewWorker>();
        return builder;
    }
}

/// <summary>The ids of messages waiting for their previews.</summary>
public sealed class InProcessLinkPreviewQueue : ILinkPreviewQueue
{
    public InProcessJobQueue<string> Jobs { get; } = new(StandaloneLinks.Capacity);

    public ValueTask<bool> EnqueueAsync(string messageId, CancellationToken ct) => ValueTask.FromResult(Jobs.TryEnqueue(messageId));
}

/// <summary>Previews queued messages' links, several at a time so that one slow page does not hold up the rest.</summary>
public sealed partial class LinkPreviewWorker(InProcessLinkPreviewQueue queue, LinkPreviewJob job, ILogger<LinkPreviewWorker> logger)
    : ChannelWorker<string>(queue.Jobs.Reader, concurrency: 16)
{
    protected override Task HandleAsync(string messageId, CancellationToken ct) => job.RunAsync(messageId, ct);

    protected override void OnFailed(string messageId, Exception error) => LogJobFailed(logger, error, messageId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Link previews of message {MessageId} failed")]
    private static partial void LogJobFailed(ILogger logger, Exception exception, string messageId);
}
