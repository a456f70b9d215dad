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

    /// <summary>Queues lost jobs again and announces the images given up on (see <see cref="AttachmentService.SweepStuckProcessingAsync"/>); returns how many were queued.</summary>
    public async Task<int> SweepStuckAsync(CancellationToken ct)
    {
        var (requeued, ended) = await attachments.SweepStuckProcessingAsync(ct);
        foreach (var messageId in ended)
        {
            if (await messages.AnnounceUpdatedAsync(messageId, ct) is { } actions)
            {
                await realtime.PublishAsync(actions, ct);
            }
        }

        return requeued;
    }
}
