namespace ServerlessChat.Core.Account;

/// <summary>Where every account job lands, whichever queue carried it.</summary>
public sealed class AccountJobs(AccountErasure erasure, AccountExport export)
{
    public Task HandleAsync(AccountJob job, CancellationToken ct) => job.Kind switch
    {
        AccountJob.Erase => erasure.RunAsync(job.UserId, ct),
        AccountJob.Export when job.ExportId is { } exportId => export.RunAsync(job.UserId, exportId, ct),
        _ => throw new InvalidOperationException($"Unknown account job '{job.Kind}'."),
    };
}
