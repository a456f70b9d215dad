using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ServerlessChat.Core.Storage;

namespace ServerlessChat.Core.Account;

public static class AccountRegistration
{
    /// <summary>Erasure and export; each host adds its <see cref="IAccountJobQueue"/>.</summary>
    public static IHostApplicationBuilder AddChatAccount(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<AccountErasure>();
        builder.Services.AddSingleton<AccountExport>();
        builder.Services.AddSingleton<AccountJobs>();
        builder.Services.AddHostedService<UnfinishedErasures>();
        return builder;
    }

    /// <summary>The Functions app's account jobs on the account of <c>AzureWebJobsStorage</c>, drained by its QueueTrigger.</summary>
    public static IHostApplicationBuilder AddStorageAccountJobQueue(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton<IAccountJobQueue>(_ => new StorageAccountJobQueue(builder.Configuration));
        builder.Services.AddWebJobsQueueName(StorageAccountJobQueue.QueueName);
        return builder;
    }
}

/// <summary>
/// Queues again, once the host has started, every erasure the store says is unfinished: a job lost with a stopped
/// process (the standalone host's queue is in memory) or one whose queueing failed. Erasure is idempotent, so one
/// queued twice does no harm.
/// </summary>
public sealed partial class UnfinishedErasures(IUserStore users, IAccountJobQueue queue, ILogger<UnfinishedErasures> logger) : BackgroundService
{
    public const int Batch = 1_000;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            var unfinished = await users.ListErasingAsync(Batch, stoppingToken);
            foreach (var userId in unfinished)
            {
                await queue.EnqueueAsync(AccountJob.ForErasure(userId), stoppingToken);
            }

            if (unfinished.Count > 0)
            {
                LogResumed(logger, unfinished.Count);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogFailed(logger, e);
        }
    }

    [LoggerMessage(LogLevel.Information, "Queued {Count} unfinished account erasure(s) again")]
    private static partial void LogResumed(ILogger logger, int count);

    [LoggerMessage(LogLevel.Error, "Could not queue the unfinished account erasures again")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
