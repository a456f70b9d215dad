using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using ServerlessChat.Core.Api;
using ServerlessChat.Core.Attachments;
using ServerlessChat.Core.Storage;

namespace ServerlessChat.Functions;

public sealed class AttachmentsFunctions(ChatEndpointInvoker invoker, AttachmentProcessingJob processing, AttachmentService attachments)
{
    [Function(nameof(AttachmentsApi.CreateAttachment))]
    public Task CreateAttachment([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = ChatRoutes.Attachments)] HttpRequest request) =>
        invoker.InvokeAsync(nameof(AttachmentsApi.CreateAttachment), request.HttpContext);

    [Function(nameof(AttachmentsApi.GetAttachment))]
    public Task GetAttachment([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ChatRoutes.AttachmentById)] HttpRequest request, string id) =>
        invoker.InvokeAsync(nameof(AttachmentsApi.GetAttachment), request.HttpContext, [new("id", id)]);

    /// <summary>
    /// Processes one sent image. A throw leaves the message on the queue to be retried and, after the host's
    /// maxDequeueCount, moved to attachment-processing-poison; a retry of a finished one does nothing. How many
    /// decode at once is bounded by <see cref="ImageDecodeGate"/> (one per core, within a pixel budget), not by
    /// the queue batch size: host.json's queue settings hold for every queue trigger, pushes too. The rest of a
    /// batch waits at the gate holding only its message, not its image.
    /// </summary>
    [Function("AttachmentProcessing")]
    public Task AttachmentProcessing([QueueTrigger(StorageAttachmentQueue.QueueName, Connection = WebJobsQueues.ConnectionName)] string attachmentId, CancellationToken ct) =>
        processing.RunAsync(attachmentId.Trim(), ct);

    /// <summary>
    /// Every 10 minutes: queues again the images still processing past Attachments:RequeueProcessingAfterSeconds
    /// (a worker that crashed, a message gone to the poison queue), and ends those stuck for a day.
    /// </summary>
    [Function("AttachmentRequeue")]
    public Task AttachmentRequeue([TimerTrigger("0 */10 * * * *")] TimerInfo timer, CancellationToken ct) =>
        processing.SweepStuckAsync(ct);

    /// <summary>Every hour: removes uploads never attached within a day (the Blob lifecycle rule is the backstop).</summary>
    [Function("AttachmentCleanup")]
    public Task AttachmentCleanup([TimerTrigger("0 17 * * * *")] TimerInfo timer, CancellationToken ct) =>
        attachments.PurgeUnattachedAsync(ct);
}
