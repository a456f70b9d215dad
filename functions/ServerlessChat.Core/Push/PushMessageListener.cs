using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ServerlessChat.Core.Domain;
using ServerlessChat.Core.Messaging;

namespace ServerlessChat.Core.Push;

/// <summary>
/// Queues every stored message for <see cref="PushDispatcher"/>. Runs inside the send, so it only enqueues
/// (who is offline, muted or blocking is decided by the dispatcher) and never throws.
/// </summary>
public sealed partial class PushMessageListener(IServiceProvider services, IOptions<PushOptions> options, ILogger<PushMessageListener> logger) : IMessageStoredListener
{
    public async Task OnMessageStoredAsync(MessageRecord message, CancellationToken ct)
    {
        if (!options.Value.Enabled)
        {
            return;
        }
        try
        {
            // Resolved here rather than injected: a host without push need not register a queue.
            var queue = (IPushQueue?)services.GetService(typeof(IPushQueue)) ?? throw new InvalidOperationException("No IPushQueue is registered.");
            if (!await queue.EnqueueAsync(new PushJob(message.Id), ct))
            {
                LogNotQueued(logger, message.Id);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogEnqueueFailed(logger, e, message.Id);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The push queue is full; message {MessageId} is pushed to nobody")]
    private static partial void LogNotQueued(ILogger logger, string messageId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not queue message {MessageId} for push")]
    private static partial void LogEnqueueFailed(ILogger logger, Exception exception, string messageId);
}
