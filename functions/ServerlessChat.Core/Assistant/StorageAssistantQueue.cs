using Azure.Storage.Queues;
using ServerlessChat.Core.Storage;

namespace ServerlessChat.Core.Assistant;

/// <summary>
/// The Functions app's queue: an Azure Storage queue in the app's own storage account (Azurite locally), drained
/// by a QueueTrigger that calls <see cref="AssistantResponder.HandleAsync"/>. Messages are Base64, the encoding
/// the Functions queue extension expects by default.
/// </summary>
public sealed class StorageAssistantQueue(QueueClient queue) : IAssistantQueue
{
    public const string QueueName = "assistant-requests";

    /// <summary>The connection the Functions host itself uses, so the trigger and this sender meet on one account.</summary>
    public const string ConnectionName = WebJobsQueues.ConnectionName;

    private readonly WebJobsQueue _queue = new(queue);

    public async ValueTask<bool> EnqueueAsync(AssistantJob job, CancellationToken ct)
    {
        await _queue.SendJsonAsync(job, ct);
        return true;
    }

    /// <summary>The job in a queue message body, as the QueueTrigger receives it (already Base64-decoded).</summary>
    public static AssistantJob Parse(string message) =>
        WebJobsQueue.ParseJson<AssistantJob>(message);
}
