using Microsoft.Extensions.Options;
using ServerlessChat.Core.Auth;
using ServerlessChat.Core.Storage;

namespace ServerlessChat.Core.Sessions;

/// <summary>
/// This instance's list of ended sessions, read from the store at most every
/// <see cref="SessionsOptions.RevocationCacheSeconds"/>: every instance of the app reads the same store, so an
/// ended session is refused everywhere within that time, at one indexed read per instance per period instead of
/// one per request. Only sessions whose access tokens could still be valid are kept.
/// </summary>
public sealed class SessionRevocations(ISessionStore sessions, IOptions<SessionsOptions> options, IOptions<AuthOptions> auth, TimeProvider time)
{
    private const int PageSize = 1000;

    // Reads overlap by this much, so an end written with a timestamp a little before the previous read still counts.
    private static readonly TimeSpan Overlap = TimeSpan.FromSeconds(10);

    private readonly Lock _gate = new();
    // Replaced, never changed in place: every request reads it without a lock.
    private Dictionary<string, DateTimeOffset> _ended = new(StringComparer.Ordinal);
    private long _readAtTicks = DateTimeOffset.MinValue.UtcTicks;
    private DateTimeOffset _watermark = DateTimeOffset.MinValue;
    private Task? _refreshing;

    /// <summary>
    /// How long an ended session is remembered: longer than any access token lives, and than the hub tokens of
    /// both hosts live by default (15 minutes), after which their connections are closed at expiry anyway.
    /// </summary>
    private TimeSpan Memory => TimeSpan.FromMinutes(Math.Max(auth.Value.AccessTokenMinutes, 60) + 2)
        + TimeSpan.FromSeconds(auth.Value.ClockSkewSeconds);

    /// <summary>True when the session has ended, as known at most one cache lifetime ago.</summary>
    public ValueTask<bool> IsEndedAsync(string sessionId, CancellationToken ct)
    {
        if (time.GetUtcNow().UtcTicks - Volatile.Read(ref _readAtTicks) < options.Value.RevocationCacheLifetime.Ticks)
        {
            return ValueTask.FromResult(Contains(sessionId));
        }

        return SlowAsync(sessionId, ct);

        async ValueTask<bool> SlowAsync(string id, CancellationToken token)
        {
            await RefreshAsync(token).ConfigureAwait(false);
            return Contains(id);
        }
    }

    /// <summary>The ended sessions known now (for a sweep that closes their connections).</summary>
    public IReadOnlySet<string> Snapshot()
    {
        return Volatile.Read(ref _ended).Keys.ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>Records sessions this instance ended itself, so it refuses them at once.</summary>
    public void Add(IEnumerable<string> sessionIds)
    {
        var now = time.GetUtcNow();
        lock (_gate)
        {
            var copy = new Dictionary<string, DateTimeOffset>(_ended, StringComparer.Ordinal);
            foreach (var id in sessionIds)
            {
                copy[id] = now;
            }

            Volatile.Write(ref _ended, copy);
        }
    }

    /// <summary>Reads the sessions ended since the last read; concurrent callers share one read.</summary>
    public Task RefreshAsync(CancellationToken ct)
    {
        lock (_gate)
        {
            _refreshing ??= ReadAsync();
            return _refreshing.WaitAsync(ct);
        }
    }

    private bool Contains(string sessionId) => Volatile.Read(ref _ended).ContainsKey(sessionId);

    private async Task ReadAsync()
    {
        try
        {
            var now = time.GetUtcNow();
            var since = _watermark == DateTimeOffset.MinValue ? now - Memory : _watermark - Overlap;
            var found = new List<Domain.EndedSession>();
            while (true)
            {
                // Not the caller's token: one caller giving up must not fail the read the others wait on.
                var page = await sessions.ListEndedSinceAsync(since, PageSize, CancellationToken.None).ConfigureAwait(false);
                found.AddRange(page);
                if (page.Count < PageSize)
                {
                    break;
                }

                since = page[^1].EndedAt;
            }

            lock (_gate)
            {
                var kept = new Dictionary<string, DateTimeOffset>(_ended.Count + found.Count, StringComparer.Ordinal);
                foreach (var (id, endedAt) in _ended)
                {
                    if (endedAt > now - Memory)
                    {
                        kept[id] = endedAt;
                    }
                }

                foreach (var ended in found)
                {
                    kept[ended.Id] = ended.EndedAt;
                }

                Volatile.Write(ref _ended, kept);
                _watermark = now;
                Volatile.Write(ref _readAtTicks, now.UtcTicks);
            }
        }
        finally
        {
            lock (_gate)
            {
                _refreshing = null;
            }
        }
    }
}
