using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ServerlessChat.Core.Storage;
using ServerlessChat.Core.Sync;

namespace ServerlessChat.Core.Events;

/// <summary>
/// Drains the change log to every receiver, each through its own <see cref="EventConsumer"/>: the one place
/// events out are sent from, never a request. The standalone host runs it for its lifetime
/// (<see cref="EventDispatchService"/>); the Functions app in a timer function, one instance at a time.
/// </summary>
public sealed partial class EventDispatcher
{
    private readonly IReadOnlyList<EventConsumer> _consumers;
    private readonly EventsOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<EventDispatcher> _logger;

    internal EventDispatcher(
        IEnumerable<IEventSink> sinks, IChangeLog changes, ChatEventResolver resolver, IOptions<EventsOptions> options,
        IOptions<SyncOptions> sync, TimeProvider time, ILogger<EventDispatcher> logger)
    {
        _options = options.Value;
        _time = time;
        _logger = logger;
        _consumers = sinks.Select(s => new EventConsumer(s, changes, resolver, _options, sync.Value.SettleSeconds, time, logger)).ToList();
    }

    public bool HasReceivers => _consumers.Count > 0;

    /// <summary>Delivers until <paramref name="budget"/> is spent (forever when null) or <paramref name="ct"/> ends.</summary>
    public async Task DrainAsync(TimeSpan? budget, CancellationToken ct)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        if (budget is { } limit)
        {
            stop.CancelAfter(limit);
        }
        try
        {
            await Task.WhenAll(_consumers.Select(c => RunAsync(c, stop.Token))).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            // The budget is spent; the next run resumes from the saved positions.
        }
    }

    private async Task RunAsync(EventConsumer consumer, CancellationToken ct)
    {
        var idle = TimeSpan.FromMilliseconds(_options.PollMilliseconds);
        var loaded = false;
        while (!ct.IsCancellationRequested)
        {
            var busy = false;
            try
            {
                if (!loaded)
                {
                    await consumer.LoadAsync(ct).ConfigureAwait(false);
                    loaded = true;
                }
                busy = await consumer.RunOnceAsync(ct).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                // A store error: the saved position is behind what was delivered at most, so read it again.
                LogRoundFailed(_logger, consumer.Name, ex);
                loaded = false;
            }
            if (!busy)
            {
                await Task.Delay(idle, _time, ct).ConfigureAwait(false);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A delivery round of consumer {Consumer} failed; it starts again from its saved position")]
    private static partial void LogRoundFailed(ILogger logger, string consumer, Exception exception);
}
