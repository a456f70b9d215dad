using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace ServerlessChat.Core.Telemetry;

/// <summary>
/// The app's own traces and metrics, under one name that both hosts subscribe to. Spans and tags carry ids,
/// counts, operation names and outcomes only: never a token, a password or message content.
/// </summary>
public static class ChatTelemetry
{
    public const string Name = "ServerlessChat";

    public static readonly ActivitySource Source = new(Name);

    public static readonly Meter Meter = new(Name);

    public static readonly Counter<long> MessagesSent =
        Meter.CreateCounter<long>("chat.messages.sent", "{message}", "Messages stored by a send (repeats of a clientMessageId not counted).");

    public static readonly Counter<long> Deliveries =
        Meter.CreateCounter<long>("chat.realtime.deliveries", "{action}", "Realtime actions published (sends to users or groups, group joins and leaves).");

    public static readonly Counter<long> Pushes =
        Meter.CreateCounter<long>("chat.realtime.pushes", "{push}", "Calls to the realtime transport (hub send or SignalR Service REST call).");

    public static readonly Counter<long> PushFailures =
        Meter.CreateCounter<long>("chat.realtime.push.failures", "{push}", "Realtime pushes that failed; the data is stored and clients catch up.");

    public static readonly Counter<long> WebPushes =
        Meter.CreateCounter<long>("chat.webpush.sent", "{push}", "Web Push messages a push service accepted.");

    public static readonly Counter<long> WebPushFailures =
        Meter.CreateCounter<long>("chat.webpush.failures", "{push}", "Web Push messages given up on (tagged with the reason).");

    public static readonly UpDownCounter<long> OpenConnections =
        Meter.CreateUpDownCounter<long>("chat.realtime.connections", "{connection}", "Open realtime connections seen by this instance (hub or upstream connect minus disconnect).");

    public static readonly Counter<long> EventsDelivered =
        Meter.CreateCounter<long>("chat.events.delivered", "{event}", "Events out a receiver took (tagged with the consumer).");

    public static readonly Counter<long> EventsDropped =
        Meter.CreateCounter<long>("chat.events.dropped", "{event}", "Events out given up on after Events:RetryHours of refusals (tagged with the consumer).");

    public static readonly Histogram<double> StoreDuration =
        Meter.CreateHistogram<double>("chat.store.duration", "ms", "Latency of store calls.");

    /// <summary>Runs one store call inside a client span and records its latency.</summary>
    public static async Task<T> StoreAsync<T>(string operation, Func<Task<T>> call)
    {
        using var span = StartStore(operation);
        var started = Stopwatch.GetTimestamp();
        var outcome = "ok";
        try
        {
            return await call();
        }
        catch (Exception error)
        {
            outcome = "error";
            span?.SetStatus(ActivityStatusCode.Error, error.GetType().Name);
            throw;
        }
        finally
        {
            StoreDuration.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds, new("chat.store.operation", operation), new("outcome", outcome));
        }
    }

    public static Task StoreAsync(string operation, Func<Task> call) =>
        StoreAsync(operation, async () =>
        {
            await call();
            return true;
        });

    /// <summary>The span around one publish of a request's realtime actions, in a host's publisher.</summary>
    public static Activity? StartPublish(string transport, int actions)
    {
        // Most presence and typing changes reach nobody: no span for an empty publish.
        if (actions == 0)
        {
            return null;
        }

        var span = Source.StartActivity("realtime publish", ActivityKind.Producer);
        span?.SetTag("chat.realtime.transport", transport);
        span?.SetTag("chat.realtime.actions", actions);
        return span;
    }

    /// <summary>Counts one push of <paramref name="actions"/> actions of one kind, and its failure.</summary>
    public static void RecordPush(string transport, string action, int actions, bool failed)
    {
        var tags = new TagList { { "chat.realtime.transport", transport }, { "chat.realtime.action", action } };
        Pushes.Add(1, tags);
        if (failed)
        {
            PushFailures.Add(1, tags);
            Activity.Current?.AddEvent(new ActivityEvent("push failed", tags: new ActivityTagsCollection { ["chat.realtime.action"] = action }));
            Activity.Current?.SetStatus(ActivityStatusCode.Error, "a realtime push failed");
        }
        else
        {
            Deliveries.Add(actions, tags);
        }
    }

    public static void ConnectionOpened(string transport) => OpenConnections.Add(1, new KeyValuePair<string, object?>("chat.realtime.transport", transport));

    public static void ConnectionClosed(string transport) => OpenConnections.Add(-1, new KeyValuePair<string, object?>("chat.realtime.transport", transport));

    private static Activity? StartStore(string operation)
    {
        var span = Source.StartActivity("store " + operation, ActivityKind.Client);
        span?.SetTag("chat.store.operation", operation);
        return span;
    }
}
