using ServerlessChat.Core.Domain;

namespace ServerlessChat.Core.Storage;

/// <summary>Reports, suspensions, roles and the audit log of moderation.</summary>
public interface IModerationStore
{
    /// <summary>
    /// Files a report: when its target (<see cref="ReportRecord.TargetKey"/>) has an open report, adds the
    /// candidate's reporter to that one (once) and returns it with <c>Created = false</c>; otherwise stores the
    /// candidate. Concurrent filings on one target make one open report holding every reporter.
    /// </summary>
    Task<(ReportRecord Report, bool Created)> FileReportAsync(ReportRecord candidate, CancellationToken ct);

    Task<ReportRecord?> FindReportAsync(string id, CancellationToken ct);

    /// <summary>Open or resolved reports, newest first, ids strictly below <paramref name="beforeId"/> when given.</summary>
    Task<IReadOnlyList<ReportRecord>> ListReportsAsync(bool open, string? beforeId, int limit, CancellationToken ct);

    /// <summary>Resolves the report if it is open; null when it is not (resolved already, or missing): of concurrent resolves, one wins.</summary>
    Task<ReportRecord?> ResolveReportAsync(string id, ReportResolution resolution, CancellationToken ct);

    /// <summary>Suspends the user, replacing a suspension it had.</summary>
    Task SetSuspensionAsync(SuspensionRecord suspension, CancellationToken ct);

    /// <summary>Lifts the user's suspension; false when it had none.</summary>
    Task<bool> ClearSuspensionAsync(string userId, CancellationToken ct);

    Task<SuspensionRecord?> FindSuspensionAsync(string userId, CancellationToken ct);

    /// <summary>Suspensions still in force at <paramref name="now"/> (no end, or an end after it).</summary>
    Task<IReadOnlyList<SuspensionRecord>> ListSuspensionsAsync(DateTimeOffset now, int limit, CancellationToken ct);

    /// <summary>Sets the user's stored role (<c>user</c>, <c>moderator</c> or <c>admin</c>).</summary>
    Task SetRoleAsync(string userId, string role, CancellationToken ct);

    /// <summary>The user's stored role; null when none was ever set.</summary>
    Task<string?> FindRoleAsync(string userId, CancellationToken ct);

    Task AppendAuditAsync(AuditRecord entry, CancellationToken ct);

    /// <summary>Newest first, ids strictly below <paramref name="beforeId"/> when given.</summary>
    Task<IReadOnlyList<AuditRecord>> ListAuditAsync(string? beforeId, int limit, CancellationToken ct);
}
