using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using ServerlessChat.Core.Domain;
using ServerlessChat.Core.Storage;
using ServerlessChat.Core.Sync;
using ServerlessChat.Core.Telemetry;

namespace ServerlessChat.Core.Events;

/// <summary>
/// One receiver's reading of the change log, the outbox: entries are written in the transaction of the change
/// they record, so nothing acknowledged is missed, and this reads them off the request path.
/// </summary>
/// <remarks>
/// <para>
/// The saved position (<see cref="ConsumerState"/>) has a scan time and the conversations being followed. Each
/// round first reads the whole log after the scan time to find conversations with something new (they join at
/// the scan time), and moves the scan time up to at most the settle time of sync; then it reads the followed
/// conversations through <see cref="SettledChanges"/>, the reader sync uses, so an entry whose number was taken
/// before its write committed (MongoDB) is never passed before it is settled. Each conversation (an event's
/// subject) is delivered in order, several at once; a conversation whose receiver refuses waits out its own
/// backoff without holding up the others, and its event is dropped (and counted) after
/// <see cref="EventsOptions.RetryHours"/>. A conversation stops being followed once everything of it up to
/// the scan time is delivered.
/// </para>
/// <para>
/// Invariants: every entry stamped at or before the scan time is delivered unless its conversation is followed;
/// a followed conversation has everything up to its position delivered. So a restart resumes exactly, and at
/// worst (a crash between a delivery and the save) delivers a round again: at least once.
/// </para>
/// </remarks>
internal sealed partial class EventConsumer(
    IEventSink sink, IChangeLog changes, ChatEventResolver resolver, EventsOptions options, int settleSeconds, TimeProvider time, ILogger logger)
{
    /// <summary>Entries read per round, by the scan and by the delivery read each.</summary>
    internal const int PageSize = 256;

    /// <summary>Followed conversations beyond which the scan pauses until some are caught up.</summary>
    private const int MaxFollowed = 2000;

    private const int Parallelism = 16;

    private static readonly TimeSpan MaxBackoff = TimeSpan.FromHours(1);

    private ConsumerState? _state;

    public string Name => sink.Name;

    /// <summary>Reads the saved position again (another instance may have moved it since).</summary>
    public async Task LoadAsync(CancellationToken ct)
    {
        var saved = await changes.GetConsumerStateAsync(sink.Name, ct).ConfigureAwait(false);
        _state = saved is null ? null : JsonSerializer.Deserialize<ConsumerState>(saved);
        if (_state is null)
        {
            // A new receiver starts from now: what happened before it was configured is not sent.
            _state = new ConsumerState { Scan = Settled(time.GetUtcNow()) };
            await SaveAsync(ct).ConfigureAwait(false);
        }
    }

    /// <summary>One round; true when it may have more to do right away.</summary>
    public async Task<bool> RunOnceAsync(CancellationToken ct)
    {
        if (_state is null)
        {
            await LoadAsync(ct).ConfigureAwait(false);
        }
        var state = _state!;
        var now = time.GetUtcNow();
        var nowMs = now.ToUnixTimeMilliseconds();
        var settled = Settled(now);
        var changed = false;
        var scanFull = false;

        if (state.Followed.Count < MaxFollowed)
        {
            var seen = await changes.ReadAllAfterAsync(state.Scan, PageSize, ct).ConfigureAwait(false);
            foreach (var entry in seen)
            {
                changed |= state.Followed.TryAdd(entry.ConversationId, state.Scan);
            }
            scanFull = seen.Count == PageSize;
            var scan = Math.Max(state.Scan, scanFull ? Math.Min(settled, seen[^1].At - 1) : settled);
            changed |= scan != state.Scan;
            state.Scan = scan;
        }

        var open = state.Followed
            .Where(f => !state.Failing.TryGetValue(f.Key, out var failing) || failing.NextAttemptAt <= nowMs)
            .ToDictionary(f => f.Key, f => f.Value, StringComparer.Ordinal);
        var (page, hasMore, _) = open.Count == 0 ? ([], false, null) : await SettledChanges.ReadAsync(changes, open, settled, PageSize, ct).ConfigureAwait(false);
        var events = await resolver.ResolveAsync(page.Where(c => ChatEventTypes.Of(c) is { } type && sink.Accepts(type)).ToList(), ct).ConfigureAwait(false);

        var outcomes = new ConcurrentDictionary<string, (long Position, ChangeRecord? Refused)>(StringComparer.Ordinal);
        await Parallel.ForEachAsync(
            page.GroupBy(c => c.ConversationId, StringComparer.Ordinal),
            new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = ct },
            async (subject, token) =>
            {
                var entries = subject.OrderBy(c => c.Seq).ToList();
                var sendable = entries.Where(events.ContainsKey).ToList();
                var delivered = sendable.Count == 0 ? 0 : await sink.DeliverAsync(sendable.ConvertAll(c => events[c]), token).ConfigureAwait(false);
                if (delivered > 0)
                {
                    ChatTelemetry.EventsDelivered.Add(delivered, new KeyValuePair<string, object?>("chat.events.consumer", sink.Name));
                }
                if (delivered == sendable.Count)
                {
                    outcomes[subject.Key] = (entries[^1].At, null);
                    return;
                }
                var refused = sendable[delivered];
                var before = entries.LastOrDefault(c => c.Seq < refused.Seq);
                outcomes[subject.Key] = (before?.At ?? open[subject.Key], refused);
            }).ConfigureAwait(false);

        foreach (var (conversationId, (position, refused)) in outcomes)
        {
            changed = true;
            state.Followed[conversationId] = Math.Max(state.Followed[conversationId], position);
            if (refused is null)
            {
                state.Failing.Remove(conversationId);
                continue;
            }
            var failing = state.Failing.TryGetValue(conversationId, out var known) && known.Seq == refused.Seq
                ? known with { Attempts = known.Attempts + 1 }
                : new FailingEntry(refused.Seq, nowMs, 1, 0);
            if (nowMs - failing.FirstFailedAt >= TimeSpan.FromHours(options.RetryHours).TotalMilliseconds)
            {
                // Given up: the subject moves on past it.
                state.Failing.Remove(conversationId);
                state.Followed[conversationId] = refused.At;
                ChatTelemetry.EventsDropped.Add(1, new KeyValuePair<string, object?>("chat.events.consumer", sink.Name));
                LogDropped(logger, sink.Name, events[refused].Type, events[refused].Id, failing.Attempts);
                continue;
            }
            state.Failing[conversationId] = failing with { NextAttemptAt = nowMs + (long)Backoff(failing.Attempts).TotalMilliseconds };
        }

        if (!hasMore)
        {
            // Everything deliverable of the open conversations came in this page: those delivered up to the scan
            // time (and not waiting to retry) are caught up, and the scan finds them again when they change.
            foreach (var conversationId in open.Keys)
            {
                if (!state.Failing.ContainsKey(conversationId) && state.Followed[conversationId] <= state.Scan)
                {
                    state.Followed.Remove(conversationId);
                    changed = true;
                }
            }
        }

        if (changed)
        {
            await SaveAsync(ct).ConfigureAwait(false);
        }
        return hasMore || scanFull || (page.Count > 0 && outcomes.Values.Any(o => o.Refused is null));
    }

    private long Settled(DateTimeOffset now) => now.AddSeconds(-settleSeconds).ToUnixTimeMilliseconds();

    private TimeSpan Backoff(int attempts)
    {
        var delay = TimeSpan.FromMilliseconds(options.RetryBaseMilliseconds * Math.Pow(2, Math.Min(attempts - 1, 30)));
        // Up to a fifth more, so receivers that failed together are not retried in step.
        var jittered = delay * (1 + Random.Shared.NextDouble() / 5);
        return jittered < MaxBackoff ? jittered : MaxBackoff;
    }

    private Task SaveAsync(CancellationToken ct) =>
        changes.SaveConsumerStateAsync(sink.Name, JsonSerializer.Serialize(_state), ct);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Consumer {Consumer} dropped the {Type} event {EventId} after {Attempts} refused attempts")]
    private static partial void LogDropped(ILogger logger, string consumer, string type, string eventId, int attempts);
}

/// <summary>A consumer's saved position (JSON in the change log's consumer table).</summary>
internal sealed class ConsumerState
{
    public long Scan { get; set; }

    /// <summary>Followed conversations and the time of the last entry delivered in each.</summary>
    public Dictionary<string, long> Followed { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Conversations whose next event the receiver refused.</summary>
    public Dictionary<string, FailingEntry> Failing { get; set; } = new(StringComparer.Ordinal);
}

internal sealed record FailingEntry(long Seq, long FirstFailedAt, int Attempts, long NextAttemptAt);
