using System.Text.Json;
using Azure.Storage.Queues;
using ServerlessChat.Core.Http;

namespace ServerlessChat.Core.Storage;

/// <summary>
/// One queue the Functions app's QueueTriggers drain (see <see cref="WebJobsQueues"/>): created on first use, once
/// per process, and jobs as camelCase JSON, the same on both sides.
/// </summary>
public sealed class WebJobsQueue(QueueClient queue)
{
    private Task? _created;

    public async Task SendAsync(string body, CancellationToken ct)
    {
        // A failed attempt is forgotten so the next message tries again.
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

        await queue.SendMessageAsync(body, ct);
    }

    public Task SendJsonAsync<T>(T job, CancellationToken ct) => SendAsync(JsonSerializer.Serialize(job, ChatJson.Options), ct);

    /// <summary>A job in a queue message body, as the QueueTrigger receives it (already Base64-decoded).</summary>
    public static T ParseJson<T>(string message) =>
        JsonSerializer.Deserialize<T>(message, ChatJson.Options) ?? throw new JsonException($"The {typeof(T).Name} is empty.");
}
