using System.Text.Json;
using Azure.Storage.Queues;
using ServerlessChat.Core.Http;
using ServerlessChat.Core.Storage;

namespace ServerlessChat.Core.Push;

/// <summary>The Functions app's push queue: a Storage queue drained by a QueueTrigger that calls <see cref="PushDispatcher.HandleAsync"/>.</summary>
public sealed class StoragePushQueue(QueueClient queue) : IPushQueue
{
    public const string QueueName = "push-requests";

    public const string ConnectionName = WebJobsQueues.ConnectionName;

    private Task? _created;

    public async ValueTask<bool> EnqueueAsync(PushJob job, CancellationToken ct)
    {
        // Once per process; a failed attempt is forgotten so the next message tries again.
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

        await queue.SendMessageAsync(JsonSerializer.Serialize(job, ChatJson.Options), ct);
        return true;
    }

    public static PushJob Parse(string message) =>
        JsonSerializer.Deserialize<PushJob>(message, ChatJson.Options) ?? throw new JsonException("The push job is empty.");
}
