using Azure.Storage.Queues;
using Microsoft.Extensions.Configuration;
using ServerlessChat.Core.Storage;

namespace ServerlessChat.Core.Auth;

/// <summary>
/// The Functions app's reset queue: a Storage queue drained by a QueueTrigger that calls
/// <see cref="PasswordResetMailer.HandleAsync"/>; a job survives the instance that took the request. The queue
/// client is made on first use, so a host without <c>AzureWebJobsStorage</c> starts and fails only a reset.
/// </summary>
public sealed class StoragePasswordResetQueue(IConfiguration configuration) : IPasswordResetQueue
{
    public const string QueueName = "password-resets";

    public const string ConnectionName = WebJobsQueues.ConnectionName;

    private readonly Lazy<WebJobsQueue> _queue = new(() => new WebJobsQueue(WebJobsQueues.Create(configuration, QueueName)));

    public async ValueTask<bool> EnqueueAsync(PasswordResetJob job, CancellationToken ct)
    {
        await _queue.Value.SendJsonAsync(job, ct);
        return true;
    }

    public static PasswordResetJob Parse(string message) => WebJobsQueue.ParseJson<PasswordResetJob>(message);
}
