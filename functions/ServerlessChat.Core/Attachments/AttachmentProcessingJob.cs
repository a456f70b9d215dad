using ServerlessChat.Core.Messaging;
using ServerlessChat.Core.Realtime;

namespace ServerlessChat.Core.Attachments;

/// <summary>One image processed, then the conversation told with <c>messageUpdated</c> carrying the message as it now is.</summary>
public sealed class AttachmentProcessingJob(AttachmentService attachments, MessageService messages, IRealtimePublisher realtime)
{
    public async Task RunAsync(string attachmentId, CancellationToken ct)
    {
        if (await attachments.ProcessAsync(attachmentId, ct) is not { } messageId)
        {
            return;
        }
        if (await messages.AnnounceUpdatedAsync(messageId, ct) is { } actions)
        {
            await realtime.PublishAsync(actions, ct);
        }
    }
}
