using System.Collections.Concurrent;
using ServerlessChat.Core.Domain;
using ServerlessChat.Core.Storage;

namespace ServerlessChat.Core.RateLimiting;

/// <summary>
/// Rate-limit windows in this process's memory: the counters of the embedded store, whose host is one process
/// (instances that share a database also share Redis, whose counters replace these). A window lasts a minute, so a
/// restart forgets at most a minute of counts; in return counting costs no write to the database, where a write per
/// request was a tenth of the SQLite writer's work in the fan-out benchmark. Past windows are dropped as time passes.
/// Strike records live here too, for the same reason, and are dropped once they expire.
/// </summary>
public sealed class ProcessRateLimitCounterStore(TimeProvider time) : IRateLimitCounterStore
{
    private static readonly TimeSpan PruneInterval = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<string, Window> _windows = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, StrikeRecord> _strikes = new(StringComparer.Ordinal);
    private long _nextPruneTicks;

    public Task<long> IncrementAsync(string key, DateTimeOffset windowEnd, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(key);
        PruneWhenDue();
        while (true)
        {
            var window = _windows.GetOrAdd(key, static (_, end) => new Window(end), windowEnd);
            if (window.End == windowEnd)
            {
                return Task.FromResult(Interlocked.Increment(ref window.Count));
            }

            // Another window (the next one, or a clock that stepped back): it starts over, as in every other store.
            // Whoever loses the race counts in the window the winner put there.
            _windows.TryUpdate(key, new Window(windowEnd), window);
        }
    }

    public Task<StrikeRecord?> StrikeAsync(string key, DateTimeOffset at, DateTimeOffset expiresAt, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(key);
        PruneWhenDue();
        while (true)
        {
            if (_strikes.TryGetValue(key, out var before))
            {
                var live = before.ExpiresAt > at ? before : null;
                var after = new StrikeRecord((live?.Count ?? 0) + 1, at, expiresAt);
                // Compare and swap: a concurrent strike that got there first makes this one read again.
                if (_strikes.TryUpdate(key, after, before))
                {
                    return Task.FromResult(live);
                }
            }
            else if (_strikes.TryAdd(key, new StrikeRecord(1, at, expiresAt)))
            {
                return Task.FromResult<StrikeRecord?>(null);
            }
        }
    }

    public Task<StrikeRecord?> FindStrikesAsync(string key, DateTimeOffset now, CancellationToken ct) =>
        Task.FromResult(_strikes.TryGetValue(key, out var record) && record.ExpiresAt > now ? record : null);

    public Task ClearStrikesAsync(string key, CancellationToken ct)
    {
        _strikes.TryRemove(key, out _);
        return Task.CompletedTask;
    }

    private void PruneWhenDue()
    {
        var now = time.GetUtcNow();
        var due = Interlocked.Read(ref _nextPruneTicks);
        if (now.UtcTicks < due || Interlocked.CompareExchange(ref _nextPruneTicks, (now + PruneInterval).UtcTicks, due) != due)
        {
            return;
        }

        foreach (var entry in _windows)
        {
            if (entry.Value.End <= now)
            {
                // Only if still the same window: a concurrent increment may have just started a new one.
                _windows.TryRemove(entry);
            }
        }

        foreach (var entry in _strikes)
        {
            if (entry.Value.ExpiresAt <= now)
            {
                _strikes.TryRemove(entry);
            }
        }
    }

    private sealed class Window(DateTimeOffset end)
    {
        public readonly DateTimeOffset End = end;
        public long Count;
    }
}
