using Microsoft.Azure.Functions.Worker;
using ServerlessChat.Core.Links;

namespace ServerlessChat.Functions;

/// <summary>Link previews after the send: the queue's messages are message ids, each handed to Core's job.</summary>
public sealed class LinksFunctions(LinkPreviewJob job)
{
    /// <summary>A throw (storage unavailable, the process stopping) leaves the message on the queue to be retried, then link-previews-poison.</summary>
    [Function("LinkPreviews")]
    public Task LinkPreviews([QueueTrigger(StorageLinkPreviewQueue.QueueName, Connection = StorageLinkPreviewQueue.ConnectionName)] string messageId, CancellationToken ct) =>
        job.RunAsync(messageId, ct);
}
