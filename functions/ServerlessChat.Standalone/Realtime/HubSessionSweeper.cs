using Microsoft.Extensions.Options;
using ServerlessChat.Core.Sessions;

namespace ServerlessChat.Standalone.Realtime;

/// <summary>
/// Twice per <see cref="SessionsOptions.RevocationCacheSeconds"/>: reads the sessions ended anywhere (every
/// instance reads the same store) and closes this instance's connections of those sessions and those whose token
/// expired (plus the spread, see <see cref="HubSessions"/>). So no connection outlives its session by more than
/// that period, including one opened with a token taken before the session ended.
/// </summary>
public sealed partial class HubSessionSweeper(
    HubSessions connections, SessionRevocations revocations, IOptions<SessionsOptions> options, TimeProvider time, ILogger<HubSessionSweeper> logger)
    : BackgroundService
{
    public TimeSpan Interval => options.Value.RevocationCacheLifetime / 2;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await revocations.RefreshAsync(stoppingToken);
                var closed = connections.Sweep(revocations.Snapshot());
                if (closed > 0)
                {
                    LogClosed(logger, closed);
                }
            }
            catch (Exception error) when (!stoppingToken.IsCancellationRequested)
            {
                LogSweepFailed(logger, error);
            }
        }
    }

    [LoggerMessage(LogLevel.Information, "Closed {Count} hub connection(s) whose session ended or whose token expired")]
    private static partial void LogClosed(ILogger logger, int count);

    [LoggerMessage(LogLevel.Warning, "Hub session sweep failed; retrying next period")]
    private static partial void LogSweepFailed(ILogger logger, Exception error);
}
