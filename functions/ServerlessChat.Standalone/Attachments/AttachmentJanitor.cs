using ServerlessChat.Core.Attachments;
using ServerlessChat.Core.Jobs;

namespace ServerlessChat.Standalone.Attachments;

/// <summary>
/// Removes uploads never attached, once at start and then every hour (the Functions app: a TimerTrigger); nothing
/// unattached is ever served meanwhile.
/// </summary>
public sealed partial class AttachmentJanitor(AttachmentService attachments, TimeProvider time, ILogger<AttachmentJanitor> logger)
    : PeriodicWork(time, logger)
{
    protected override TimeSpan Interval => TimeSpan.FromHours(1);

    protected override bool RunsAtStart => true;

    protected override async Task RunOnceAsync(CancellationToken ct) => LogPurged(Logger, await attachments.PurgeUnattachedAsync(ct));

    [LoggerMessage(Level = LogLevel.Debug, Message = "Removed {Count} uploads never attached")]
    private static partial void LogPurged(ILogger logger, int count);
}
