using ServerlessChat.Core.Attachments;

namespace ServerlessChat.Standalone.Attachments;

/// <summary>
/// The standalone host's processing queue: a flood of image sends holds the senders back (they wait for room)
/// instead of growing memory. Jobs still queued when the process stops are picked up again at the next start
/// from the attachments still marked processing.
/// </summary>
public sealed class InProcessAttachmentQueue : IAttachmentProcessingQueue
{
    public const int Capacity = 256;

    public InProcessJobQueue<string> Jobs { get; } = new(Capacity);

    public ValueTask EnqueueAsync(string attachmentId, CancellationToken ct) => Jobs.EnqueueWaitingAsync(attachmentId, ct);
}
