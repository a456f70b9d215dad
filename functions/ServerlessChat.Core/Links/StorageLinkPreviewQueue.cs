using Azure.Storage.Queues;
using ServerlessChat.Core.Storage;

namespace ServerlessChat.Core.Links;

/// <summary>
/// The Functions app's link preview queue on the account of <c>AzureWebJobsStorage</c>; a message body is the
/// message id. A QueueTrigger drains it and retries a throw up to the host's maxDequeueCount. The client is made
/// at the first message, so a host without the connection setting fails there (logged, no previews), not at the send.
/// </summary>
public sealed class StorageLinkPreviewQueue(Func<QueueClient> queue) : ILinkPreviewQueue
{
    public const string QueueName = "link-previews";

    public const string ConnectionName = WebJobsQueues.ConnectionName;

    private readonly Lazy<WebJobsQueue> _queue = new(() => new WebJobsQueue(queue()));

    public async ValueTask<bool> EnqueueAsync(string messageId, CancellationToken ct)
    {
        await _queue.Value.SendAsync(messageId, ct);
        return true;
    }
}
