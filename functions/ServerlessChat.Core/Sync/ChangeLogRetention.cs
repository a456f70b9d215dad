using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ServerlessChat.Core.Storage;

namespace ServerlessChat.Core.Sync;

/// <summary>Drops change-log entries past <see cref="SyncOptions.RetentionDays"/> once an hour (MongoDB: its TTL index does it).</summary>
internal sealed partial class ChangeLogRetention(IChangeLog changes, IOptions<SyncOptions> options, TimeProvider time, ILogger<ChangeLogRetention> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromHours(1), time);
        do
        {
            try
            {
                await changes.PurgeAsync(time.GetUtcNow().AddDays(-options.Value.RetentionDays), stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogPurgeFailed(ex);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Purging the change log failed; the next hour tries again")]
    private partial void LogPurgeFailed(Exception exception);
}
