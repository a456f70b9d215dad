using Azure.Storage.Queues;
using ServerlessChat.Core.Storage;

namespace ServerlessChat.Core.Attachments;

/// <summary>
/// The Functions app's processing queue, on the account of <c>AzureWebJobsStorage</c> like the assistant's; a
/// message body is the attachment id. A QueueTrigger drains it and retries a throw up to the host's
/// maxDequeueCount, then moves it to attachment-processing-poison.
/// </summary>
public sealed class StorageAttachmentQueue(QueueClient queue) : IAttachmentProcessingQueue
{
    public const string QueueName = "attachment-processing";

    private readonly WebJobsQueue _queue = new(queue);

    public async ValueTask EnqueueAsync(string attachmentId, CancellationToken ct) => await _queue.SendAsync(attachmentId, ct);
}
