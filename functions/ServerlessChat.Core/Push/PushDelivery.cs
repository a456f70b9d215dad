using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ServerlessChat.Core.Storage;
using ServerlessChat.Core.Telemetry;

namespace ServerlessChat.Core.Push;

/// <summary>
/// Delivers pushes concurrently, in one lane per push service origin (scheme, host, port): each lane has its own
/// backlog (<see cref="PushOptions.MaxQueuedPerOrigin"/>), its own bound on pushes in flight
/// (<see cref="PushOptions.MaxConcurrentPerOrigin"/>, which is also the connections the sender keeps to it) and
/// its own backoff: a 429's Retry-After or a 5xx delays that origin's next pushes and no other's; a network
/// failure (a refused connection, a timeout) retries only that push, after its own backoff. So a slow, stalled or hostile push service costs only its own pushes, never another origin's, and
/// never a send (<see cref="Enqueue"/> only queues).
/// Lanes live in the process. A caller that must not lose a push when the process stops (the Functions app's
/// queue trigger, whose message is retried unless the function completes) awaits the task <see cref="Enqueue"/>
/// returns, which ends once the push is over: delivered, refused, or given up after its attempts.
/// </summary>
public sealed partial class PushDelivery : IDisposable
{
    private readonly ConcurrentDictionary<string, Lane> _lanes = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private readonly PushSender _sender;
    private readonly PushEndpointGuard _guard;
    private readonly PushOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<PushDelivery> _logger;

    public PushDelivery(PushSender sender, PushEndpointGuard guard, IOptions<PushOptions> options, TimeProvider time, ILogger<PushDelivery> logger) =>
        (_sender, _guard, _options, _time, _logger) = (sender, guard, options.Value, time, logger);

    /// <summary>
    /// Queues one push in its origin's lane and returns at once. The task ends when the push is over (delivered,
    /// refused by its service, or given up); at once, as not queued, when the endpoint is no longer acceptable or
    /// the lane's backlog is full; cancelled when the process stops first.
    /// </summary>
    public Task Enqueue(PushSubscriptionRecord subscription, string body, string topic)
    {
        if (_guard.ParseEndpoint(subscription.Endpoint) is not { } endpoint)
        {
            ChatTelemetry.WebPushFailures.Add(1, new KeyValuePair<string, object?>("reason", "endpoint"));
            return Task.CompletedTask;
        }

        var origin = $"{endpoint.Scheme}://{endpoint.IdnHost}:{endpoint.Port}";
        var push = new Push(subscription, body, topic, Attempt: 1, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        while (true)
        {
            var lane = _lanes.GetOrAdd(origin, static key => new Lane(key));
            lock (lane)
            {
                if (lane.Retired)
                {
                    // Removed as idle between the lookup and the lock: take the lane that replaces it.
                    continue;
                }
                if (lane.Backlog.Count >= _options.MaxQueuedPerOrigin)
                {
                    LogBacklogFull(_logger, endpoint.Host, lane.Backlog.Count);
                    ChatTelemetry.WebPushFailures.Add(1, new KeyValuePair<string, object?>("reason", "backlog"));
                    return Task.CompletedTask;
                }
                lane.Backlog.Enqueue(push);
                Pump(lane);
                return push.Done.Task;
            }
        }
    }

    /// <summary>Starts what the lane may start now; the caller holds the lane's lock.</summary>
    private void Pump(Lane lane)
    {
        while (lane.Running < _options.MaxConcurrentPerOrigin && lane.Backlog.Count > 0)
        {
            var wait = lane.NotBefore - _time.GetUtcNow();
            if (wait > TimeSpan.Zero)
            {
                if (!lane.WakeScheduled)
                {
                    lane.WakeScheduled = true;
                    _ = WakeAsync(lane, wait);
                }
                return;
            }
            var push = lane.Backlog.Dequeue();
            lane.Running++;
            // On the thread pool: the encryption and the request's start run outside the lock.
            _ = Task.Run(() => RunAsync(lane, push));
        }

        if (lane.Running == 0 && lane.Backlog.Count == 0 && !lane.WakeScheduled && lane.Delayed == 0)
        {
            lane.Retired = true;
            _lanes.TryRemove(new KeyValuePair<string, Lane>(lane.Origin, lane));
        }
    }

    private async Task WakeAsync(Lane lane, TimeSpan wait)
    {
        try
        {
            await Task.Delay(wait, _time, _stopping.Token);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        lock (lane)
        {
            lane.WakeScheduled = false;
            Pump(lane);
        }
    }

    private async Task RunAsync(Lane lane, Push push)
    {
        PushAttempt attempt;
        try
        {
            attempt = await _sender.TrySendAsync(push.Subscription, push.Body, push.Topic, _stopping.Token);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            push.Done.TrySetCanceled();
            return;
        }
        catch (Exception e)
        {
            // The store failing while removing a gone subscription, say: this push is over, the lane goes on.
            LogFailed(_logger, e, lane.Origin);
            attempt = new(PushAttemptResult.Refused, Reason: "error");
        }

        lock (lane)
        {
            lane.Running--;
            if (attempt.Result == PushAttemptResult.RetryLater)
            {
                var backoff = attempt.RetryAfter ?? TimeSpan.FromSeconds(Math.Pow(2, push.Attempt - 1));
                var wait = TimeSpan.FromSeconds(Math.Min(backoff.TotalSeconds, _options.MaxRetryDelaySeconds));
                if (push.Attempt >= _options.MaxAttempts)
                {
                    LogGaveUp(_logger, lane.Origin, push.Attempt, attempt.Reason);
                    ChatTelemetry.WebPushFailures.Add(1, new KeyValuePair<string, object?>("reason", attempt.Reason));
                    push.Done.TrySetResult();
                }
                else if (attempt.Reason == "network")
                {
                    // One connection failing says little about the service: only this push waits.
                    lane.Delayed++;
                    _ = RetryAsync(lane, push with { Attempt = push.Attempt + 1 }, wait);
                }
                else
                {
                    // The service itself said 429 or 5xx: the whole origin backs off, its other pushes would meet the same answer.
                    var until = _time.GetUtcNow() + wait;
                    lane.NotBefore = until > lane.NotBefore ? until : lane.NotBefore;
                    lane.Backlog.Enqueue(push with { Attempt = push.Attempt + 1 });
                }
            }
            else
            {
                push.Done.TrySetResult();
            }
            Pump(lane);
        }
    }

    private async Task RetryAsync(Lane lane, Push push, TimeSpan wait)
    {
        try
        {
            await Task.Delay(wait, _time, _stopping.Token);
        }
        catch (OperationCanceledException)
        {
            push.Done.TrySetCanceled();
            return;
        }
        lock (lane)
        {
            lane.Delayed--;
            lane.Backlog.Enqueue(push);
            Pump(lane);
        }
    }

    // Cancels: lanes still running read the token as they wind down, and a source without timers holds nothing to
    // free. Pushes still queued are over too: whoever awaits them learns they were not sent.
    public void Dispose()
    {
        _stopping.Cancel();
        foreach (var lane in _lanes.Values)
        {
            lock (lane)
            {
                while (lane.Backlog.TryDequeue(out var push))
                {
                    push.Done.TrySetCanceled();
                }
            }
        }
    }

    /// <summary>One push; <c>Done</c> is shared by its attempts (a retry is a copy with the next attempt number).</summary>
    private sealed record Push(PushSubscriptionRecord Subscription, string Body, string Topic, int Attempt, TaskCompletionSource Done);

    /// <summary>One origin's state; every field is read and written under the lane's lock.</summary>
    private sealed class Lane(string origin)
    {
        public string Origin { get; } = origin;
        public Queue<Push> Backlog { get; } = new();
        public int Running { get; set; }
        /// <summary>Pushes waiting out their own backoff after a network failure, to come back to the backlog.</summary>
        public int Delayed { get; set; }
        public DateTimeOffset NotBefore { get; set; }
        public bool WakeScheduled { get; set; }
        public bool Retired { get; set; }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The push backlog of {Host} is full ({Count}); a push to it is dropped")]
    private static partial void LogBacklogFull(ILogger logger, string host, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Gave up on a push to {Origin} after {Attempts} attempts ({Reason})")]
    private static partial void LogGaveUp(ILogger logger, string origin, int attempts, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "A push to {Origin} failed")]
    private static partial void LogFailed(ILogger logger, Exception exception, string origin);
}
