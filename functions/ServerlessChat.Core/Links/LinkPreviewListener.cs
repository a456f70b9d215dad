using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ServerlessChat.Core.Domain;
using ServerlessChat.Core.Messaging;

namespace ServerlessChat.Core.Links;

/// <summary>
/// Queues every stored message with a link for <see cref="LinkPreviewJob"/>. Runs inside the send, so it only looks
/// at the text and enqueues (no page is fetched on the send path) and never throws. A host without a queue (a test
/// host built by hand) previews nothing.
/// </summary>
public sealed partial class LinkPreviewListener(IEnumerable<ILinkPreviewQueue> queues, IOptions<LinkOptions> options, ILogger<LinkPreviewListener> logger)
    : IMessageStoredListener
{
    private readonly ILinkPreviewQueue? _queue = queues.LastOrDefault();

    public async Task OnMessageStoredAsync(MessageRecord message, CancellationToken ct)
    {
        if (_queue is null || !options.Value.Enabled || LinkExtractor.Find(message.Content).Count == 0)
        {
            return;
        }
        try
        {
            if (!await _queue.EnqueueAsync(message.Id, ct))
            {
                LogNotQueued(logger, message.Id);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogEnqueueFailed(logger, e, message.Id);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The link preview queue is full; message {MessageId} gets no previews")]
    private static partial void LogNotQueued(ILogger logger, string messageId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not queue message {MessageId} for link previews")]
    private static partial void LogEnqueueFailed(ILogger logger, Exception exception, string messageId);
}
