using ServerlessChat.Core.Account;

namespace ServerlessChat.Standalone.Account;

public static class StandaloneAccount
{
    /// <summary>
    /// Erasures and exports are answered at once and worked off here, in the background. The queue is in memory:
    /// an erasure a stop cuts short is recorded in the store and queued again at the next start (<see cref="UnfinishedErasures"/>).
    /// </summary>
    public static IHostApplicationBuilder AddStandaloneAccount(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<InProcessAccountJobQueue>();
        builder.Services.AddSingleton<IAccountJobQueue>(sp => sp.GetRequiredService<InProcessAccountJobQueue>());
        builder.Services.AddHostedService<AccountJobWorker>();
        return builder;
    }
}

/// <summary>Bounded, so a flood of requests cannot grow memory; an erasure beyond it waits for the next start.</summary>
public sealed class InProcessAccountJobQueue : IAccountJobQueue
{
    public const int Capacity = 10_000;

    public InProcessJobQueue<AccountJob> Jobs { get; } = new(Capacity);

    public ValueTask<bool> EnqueueAsync(AccountJob job, CancellationToken ct) => ValueTask.FromResult(Jobs.TryEnqueue(job));
}

/// <summary>Two jobs at a time: an export streams for a while, and an erasure should not wait behind it.</summary>
public sealed partial class AccountJobWorker(InProcessAccountJobQueue queue, AccountJobs jobs, ILogger<AccountJobWorker> logger)
    : ChannelWorker<AccountJob>(queue.Jobs.Reader, concurrency: 2)
{
    protected override Task HandleAsync(AccountJob job, CancellationToken ct) => jobs.HandleAsync(job, ct);

    protected override void OnFailed(AccountJob job, Exception error) => LogJobFailed(logger, error, job.Kind, job.UserId);

    [LoggerMessage(Level = LogLevel.Error, Message = "An account job ({Kind}) for user {UserId} failed")]
    private static partial void LogJobFailed(ILogger logger, Exception exception, string kind, string userId);
}
