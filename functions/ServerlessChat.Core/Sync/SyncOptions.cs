using System.ComponentModel.DataAnnotations;

namespace ServerlessChat.Core.Sync;

public sealed class SyncOptions
{
    public const string Section = "Sync";

    /// <summary>How long the change log keeps a change; a cursor older than this answers 410.</summary>
    [Range(30, 3650)]
    public int RetentionDays { get; set; } = 30;

    /// <summary>
    /// How far behind "now" a sync answer's cursor is settled: a change stamped earlier than this must have been
    /// committed by then (clock skew between instances plus the longest write). Changes inside the window are
    /// tracked in the cursor per conversation instead.
    /// </summary>
    [Range(1, 300)]
    public int SettleSeconds { get; set; } = 10;

    /// <summary>
    /// How often a connection that changes reached gets <c>checkpoint({cursor})</c>, its resume cursor (API.md:
    /// at most every 5 seconds, at least once a minute).
    /// </summary>
    [Range(5, 60)]
    public int CheckpointSeconds { get; set; } = 5;
}
