using Azure.Storage.Queues;

namespace ServerlessChat.Core.Attachments;

/// <summary>
/// The Functions app's processing queue, on the account of <c>AzureWebJobsStorage</c> like the assistant's; a
/// message body is the attachment id. A QueueTrigger drains it and retries a throw up to the host's
/// maxDequeueCount, then moves it to attachment-processing-poison.
/// </summary>
public sealed class StorageAttachmentQueue(QueueClient queue) : IAttachmentProcessingQueue
{
    public const string QueueName = "attachment-processing";

    private Task? _created;

    public async ValueTask EnqueueAsync(string attachmentId, CancellationToken ct)
    {
        var created = _created ??= queue.CreateIfNotExistsAsync(cancellationToken: CancellationToken.None);
        try
        {
            await created.WaitAsync(ct);
        }
        catch when (!ct.IsCancellationRequested)
        {
            _created = null;
            throw;
        }

        await queue.SendMessageAsync(attachmentId, ct);
    }
}
