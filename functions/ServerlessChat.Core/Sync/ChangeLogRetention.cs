using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ServerlessChat.Core.Jobs;
using ServerlessChat.Core.Storage;

namespace ServerlessChat.Core.Sync;

/// <summary>Drops change-log entries past <see cref="SyncOptions.RetentionDays"/> at start and then once an hour (MongoDB: its TTL index does it).</summary>
internal sealed class ChangeLogRetention(IChangeLog changes, IOptions<SyncOptions> options, TimeProvider time, ILogger<ChangeLogRetention> logger)
    : PeriodicWork(time, logger)
{
    protected override TimeSpan Interval => TimeSpan.FromHours(1);

    protected override bool RunsAtStart => true;

    protected override Task RunOnceAsync(CancellationToken ct) =>
        changes.PurgeAsync(Time.GetUtcNow().AddDays(-options.Value.RetentionDays), ct);
}
