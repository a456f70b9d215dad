using Microsoft.Extensions.Logging;
using ServerlessChat.Core.Domain;
using ServerlessChat.Core.Messaging;

namespace ServerlessChat.Core.Assistant;

/// <summary>
/// Turns a direct message to the assistant into a job on the host's queue. Runs inside the send, after the
/// message is stored; it only enqueues, so the sender's 201 never waits for the model, and it never throws,
/// because a stored message must not be answered with an error.
/// </summary>
public sealed partial class AssistantMessageListener(AssistantAccount account, IServiceProvider services, ILogger<AssistantMessageListener> logger)
    : IMessageStoredListener
{
    public async Task OnMessageStoredAsync(MessageRecord message, CancellationToken ct)
    {
        if (message.ReceiverId is null)
        {
            return;
        }

        try
        {
            var assistantId = await account.GetUserIdAsync(ct);
            if (assistantId is null || message.ReceiverId != assistantId)
            {
                return;
            }

            // Resolved here rather than injected: a host without the assistant need not register a queue.
            var queue = (IAssistantQueue?)services.GetService(typeof(IAssistantQueue))
                ?? throw new InvalidOperationException("No IAssistantQueue is registered.");
            if (!await queue.EnqueueAsync(new AssistantJob(message.ConversationId, message.SenderId, message.Id), ct))
            {
                LogNotQueued(logger, message.Id);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogEnqueueFailed(logger, e, message.Id);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The assistant queue is full; message {MessageId} stays unanswered")]
    private static partial void LogNotQueued(ILogger logger, string messageId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not queue message {MessageId} for the assistant; it stays unanswered")]
    private static partial void LogEnqueueFailed(ILogger logger, Exception exception, string messageId);
}
