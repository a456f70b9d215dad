namespace ServerlessChat.Core.Attachments;

/// <summary>
/// Images waiting to be processed after their send. The standalone host drains a bounded in-process channel;
/// the Functions app a Storage queue with a QueueTrigger. Either calls <see cref="AttachmentProcessingJob.RunAsync"/>.
/// </summary>
public interface IAttachmentProcessingQueue
{
    ValueTask EnqueueAsync(string attachmentId, CancellationToken ct);
}
