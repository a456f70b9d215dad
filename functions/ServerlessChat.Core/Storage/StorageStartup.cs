using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ServerlessChat.Core.Storage;

/// <summary>
/// Hosted services start in registration order and the web server starts after them, so the schema exists
/// before the first request. Then purges expired tokens every few minutes: SQLite has no TTL indexes, and
/// Cosmos DB's RU API honours TTL only on _ts, so MongoDB gets the same cheap, index-served sweep.
/// </summary>
internal sealed partial class StorageStartup(
    IStorageInitializer initializer,
    IAuthTokenStore tokens,
    ISessionStore sessions,
    IOptions<StorageOptions> options,
    TimeProvider time,
    ILogger<StorageStartup> logger) : IHostedService, IDisposable
{
    private static readonly TimeSpan PurgeInterval = TimeSpan.FromMinutes(10);

    private readonly CancellationTokenSource _stopping = new();
    private Task? _purgeLoop;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await initializer.InitializeAsync(cancellationToken).ConfigureAwait(false);
        LogInitialized(options.Value.Provider);
        _purgeLoop = PurgeLoopAsync(_stopping.Token);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_purgeLoop is not null)
        {
            await _purgeLoop.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task PurgeLoopAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(PurgeInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(ct).ConfigureAwait(false))
            {
                try
                {
                    var now = time.GetUtcNow();
                    var purged = await tokens.PurgeExpiredAsync(now, ct).ConfigureAwait(false)
                        + await sessions.PurgeExpiredAsync(now, ct).ConfigureAwait(false);
                    LogPurged(purged);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // The next tick tries again; an expired token is refused by its expiry anyway.
                    LogPurgeFailed(ex);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    public void Dispose() => _stopping.Dispose();

    [LoggerMessage(Level = LogLevel.Information, Message = "Storage {Provider} initialized")]
    private partial void LogInitialized(StorageProvider provider);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Purged {Count} expired tokens")]
    private partial void LogPurged(int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Purging expired tokens failed")]
    private partial void LogPurgeFailed(Exception exception);
}
