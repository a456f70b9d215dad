using Microsoft.Extensions.Options;
using ServerlessChat.Core.Jobs;
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
    : PeriodicWork(time, logger)
{
    protected override TimeSpan Interval => options.Value.RevocationCacheLifetime / 2;

    protected override async Task RunOnceAsync(CancellationToken ct)
    {
        await revocations.RefreshAsync(ct);
        if (connections.Sweep(revocations.Snapshot()) is > 0 and var closed)
        {
            LogClosed(Logger, closed);
        }
    }

    [LoggerMessage(LogLevel.Information, "Closed {Count} hub connection(s) whose session ended or whose token expired")]
    private static partial void LogClosed(ILogger logger, int count);
}
