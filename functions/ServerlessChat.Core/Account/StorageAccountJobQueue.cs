using Microsoft.Extensions.Configuration;
using ServerlessChat.Core.Storage;

namespace ServerlessChat.Core.Account;

/// <summary>
/// The Functions app's account jobs: a Storage queue drained by a QueueTrigger that calls
/// <see cref="AccountJobs.HandleAsync"/>; a job survives the instance that took the request, and one that fails is
/// retried by the trigger (every step is idempotent). The client is made on first use.
/// </summary>
public sealed class StorageAccountJobQueue(IConfiguration configuration) : IAccountJobQueue
{
    public const string QueueName = "account-jobs";

    public const string ConnectionName = WebJobsQueues.ConnectionName;

    private readonly Lazy<WebJobsQueue> _queue = new(() => new WebJobsQueue(WebJobsQueues.Create(configuration, QueueName)));

    public async ValueTask<bool> EnqueueAsync(AccountJob job, CancellationToken ct)
    {
        await _queue.Value.SendJsonAsync(job, ct);
        return true;
    }

    public static AccountJob Parse(string message) => WebJobsQueue.ParseJson<AccountJob>(message);
}
