using Azure.Storage.Queues;
using ServerlessChat.Core.Storage;

namespace ServerlessChat.Core.Push;

/// <summary>The Functions app's push queue: a Storage queue drained by a QueueTrigger that calls <see cref="PushDispatcher.HandleAsync"/>.</summary>
public sealed class StoragePushQueue(QueueClient queue) : IPushQueue
{
    public const string QueueName = "push-requests";

    public const string ConnectionName = WebJobsQueues.ConnectionName;

    private readonly WebJobsQueue _queue = new(queue);

    public async ValueTask<bool> EnqueueAsync(PushJob job, CancellationToken ct)
    {
        await _queue.SendJsonAsync(job, ct);
        return true;
    }

    public static PushJob Parse(string message) =>
        WebJobsQueue.ParseJson<PushJob>(message);
}
