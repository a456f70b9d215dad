using ServerlessChat.Core.Attachments;

namespace ServerlessChat.Standalone.Attachments;

/// <summary>Removes uploads never attached, once at start and then every hour (the Functions app: a TimerTrigger).</summary>
public sealed partial class AttachmentJanitor(AttachmentService attachments, TimeProvider time, ILogger<AttachmentJanitor> logger) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromHours(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        try
        {
            do
            {
                try
                {
                    LogPurged(logger, await attachments.PurgeUnattachedAsync(stoppingToken));
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // The next tick tries again; nothing unattached is ever served meanwhile.
                    LogPurgeFailed(logger, e);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Removed {Count} uploads never attached")]
    private static partial void LogPurged(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Removing uploads never attached failed")]
    private static partial void LogPurgeFailed(ILogger logger, Exception exception);
}
