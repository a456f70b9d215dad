using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ServerlessChat.Core.Jobs;

namespace ServerlessChat.Core.Storage;

/// <summary>
/// Hosted services start in registration order and the web server starts after them, so the schema exists
/// before the first request.
/// </summary>
internal sealed partial class StorageStartup(IStorageInitializer initializer, IOptions<StorageOptions> options, ILogger<StorageStartup> logger)
    : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await initializer.InitializeAsync(cancellationToken).ConfigureAwait(false);
        LogInitialized(options.Value.Provider);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Storage {Provider} initialized")]
    private partial void LogInitialized(StorageProvider provider);
}

/// <summary>
/// Purges expired refresh and reset tokens and sessions every ten minutes: SQLite has no TTL indexes, and Cosmos
/// DB's RU API honours TTL only on _ts, so MongoDB gets the same cheap, index-served sweep. An expired token is
/// refused by its expiry anyway; this only keeps the store small.
/// </summary>
internal sealed partial class ExpiredTokenPurge(IAuthTokenStore tokens, ISessionStore sessions, TimeProvider time, ILogger<ExpiredTokenPurge> logger)
    : PeriodicWork(time, logger)
{
    protected override TimeSpan Interval => TimeSpan.FromMinutes(10);

    protected override async Task RunOnceAsync(CancellationToken ct)
    {
        var now = Time.GetUtcNow();
        LogPurged(Logger, await tokens.PurgeExpiredAsync(now, ct).ConfigureAwait(false) + await sessions.PurgeExpiredAsync(now, ct).ConfigureAwait(false));
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Purged {Count} expired tokens and sessions")]
    private static partial void LogPurged(ILogger logger, int count);
}
