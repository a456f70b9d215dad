namespace ServerlessChat.Core.Account;

/// <summary>
/// Account work done in the background: an erasure (<see cref="Erase"/>) or an export (<see cref="Export"/>, with
/// its id). Jobs carry ids only; the worker reads everything else, so a job repeated or resumed does the same.
/// </summary>
public sealed record AccountJob(string Kind, string UserId, string? ExportId = null)
{
    public const string Erase = "erase";

    public const string Export = "export";

    public static AccountJob ForErasure(string userId) => new(Erase, userId);

    public static AccountJob ForExport(string userId, string exportId) => new(Export, userId, exportId);
}

/// <summary>
/// Where account jobs wait: an in-process queue in the standalone host (the store says which erasures are
/// unfinished, and they are queued again at start), a Storage queue in the Functions app; both drain into
/// <see cref="AccountJobs.HandleAsync"/>.
/// </summary>
public interface IAccountJobQueue
{
    /// <summary>False when the queue is full and the job was dropped.</summary>
    ValueTask<bool> EnqueueAsync(AccountJob job, CancellationToken ct);
}
