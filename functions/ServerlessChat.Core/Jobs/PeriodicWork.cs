using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ServerlessChat.Core.Jobs;

/// <summary>
/// Work a host repeats in the background (sweeps, purges, checkpoints): one round, then a wait of
/// <see cref="Interval"/> from the end of that round to the start of the next, so rounds never overlap and never
/// come closer together than the interval. A round that fails is logged and the next one tries again; only the
/// host's stop ends the loop. The Functions app runs the same rounds from timer triggers where it needs them.
/// </summary>
public abstract partial class PeriodicWork(TimeProvider time, ILogger logger) : BackgroundService
{
    /// <summary>The clock given to the constructor, for what a round computes from now.</summary>
    protected TimeProvider Time { get; } = time;

    /// <summary>The logger given to the constructor, for what a round reports.</summary>
    protected ILogger Logger { get; } = logger;

    /// <summary>The wait between two rounds, read once when the loop starts.</summary>
    protected abstract TimeSpan Interval { get; }

    /// <summary>Whether the first round runs as the host starts, rather than one interval later.</summary>
    protected virtual bool RunsAtStart => false;

    /// <summary>One round.</summary>
    protected abstract Task RunOnceAsync(CancellationToken ct);

    protected sealed override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = Interval;
        try
        {
            if (!RunsAtStart)
            {
                await Task.Delay(interval, Time, stoppingToken).ConfigureAwait(false);
            }

            while (true)
            {
                try
                {
                    await RunOnceAsync(stoppingToken).ConfigureAwait(false);
                }
                catch (Exception error) when (!stoppingToken.IsCancellationRequested)
                {
                    LogRoundFailed(Logger, GetType().Name, error);
                }

                await Task.Delay(interval, Time, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The host is stopping.
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A round of {Work} failed; the next round tries again")]
    private static partial void LogRoundFailed(ILogger logger, string work, Exception exception);
}
