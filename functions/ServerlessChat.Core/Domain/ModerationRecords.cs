namespace ServerlessChat.Core.Domain;

/// <summary>
/// A report of a message or a user (API.md "Trust and safety"). A target has at most one open report: later
/// reporters join it (<see cref="ReporterIds"/>). <see cref="Snapshot"/> is the target as it was at the first
/// report (JSON), kept whatever happens to the target later.
/// </summary>
public sealed record ReportRecord(
    string Id,
    string TargetType,
    string? MessageId,
    string UserId,
    string? ConversationId,
    string Snapshot,
    string Reason,
    string? Note,
    IReadOnlyList<string> ReporterIds,
    DateTimeOffset CreatedAt,
    ReportResolution? Resolution = null)
{
    public const string MessageTarget = "message";
    public const string UserTarget = "user";

    public bool IsOpen => Resolution is null;

    /// <summary>What identifies the target: one open report per key.</summary>
    public string TargetKey => TargetType == MessageTarget ? "message:" + MessageId : "user:" + UserId;
}

public sealed record ReportResolution(string Action, string? Note, string ActorId, DateTimeOffset At);

/// <summary>A suspended user: refused everywhere until <see cref="Until"/> (for ever when null).</summary>
public sealed record SuspensionRecord(string UserId, DateTimeOffset? Until, string Reason, string ActorId, DateTimeOffset At);

/// <summary>One moderation action, as the audit log keeps it.</summary>
public sealed record AuditRecord(string Id, string ActorId, string Action, string TargetType, string TargetId, string? Note, DateTimeOffset At);
