namespace ServerlessChat.Core.Links;

/// <summary>
/// Messages whose links wait for their previews. The standalone host drains a bounded in-process channel, the
/// Functions app a Storage queue with a QueueTrigger; either calls <see cref="LinkPreviewJob.RunAsync"/>.
/// </summary>
public interface ILinkPreviewQueue
{
    /// <summary>False when the job could not be queued (a full in-process queue); the message then keeps no previews.</summary>
    ValueTask<bool> EnqueueAsync(string messageId, CancellationToken ct);
}
