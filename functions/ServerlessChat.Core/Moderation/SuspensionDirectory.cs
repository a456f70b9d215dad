using Microsoft.Extensions.Options;
using ServerlessChat.Core.Domain;
using ServerlessChat.Core.Sessions;
using ServerlessChat.Core.Storage;

namespace ServerlessChat.Core.Moderation;

/// <summary>
/// The suspensions in force, read from the store at most every <see cref="SessionsOptions.RevocationCacheSeconds"/>
/// (as <see cref="SessionRevocations"/> reads ended sessions), so every request can be checked without a store
/// trip; this instance knows its own changes at once.
/// </summary>
public sealed class SuspensionDirectory(IModerationStore store, IOptions<SessionsOptions> options, TimeProvider time)
{
    /// <summary>More suspensions than any deployment of this app is expected to have in force at once.</summary>
    private const int MaxInForce = 100_000;

    private readonly Lock _gate = new();
    // Replaced, never changed in place: requests read it without a lock.
    private Dictionary<string, SuspensionRecord> _inForce = new(StringComparer.Ordinal);
    private long _readAtTicks = DateTimeOffset.MinValue.UtcTicks;
    private Task? _refreshing;
    // This instance's own changes, re-applied over a read that may have started before they were stored.
    private readonly List<(long AtTicks, string UserId, SuspensionRecord? Suspension)> _local = [];

    /// <summary>The user's suspension if it is in force, as known at most one cache lifetime ago.</summary>
    public ValueTask<SuspensionRecord?> FindAsync(string userId, CancellationToken ct)
    {
        if (time.GetUtcNow().UtcTicks - Volatile.Read(ref _readAtTicks) < options.Value.RevocationCacheLifetime.Ticks)
        {
            return ValueTask.FromResult(InForce(userId));
        }

        return SlowAsync(userId, ct);

        async ValueTask<SuspensionRecord?> SlowAsync(string id, CancellationToken token)
        {
            Task refreshing;
            lock (_gate)
            {
                refreshing = _refreshing ??= ReadAsync();
            }

            await refreshing.WaitAsync(token).ConfigureAwait(false);
            return InForce(id);
        }
    }

    /// <summary>Records a suspension this instance made, or lifted (<paramref name="suspension"/> null).</summary>
    public void Set(string userId, SuspensionRecord? suspension)
    {
        lock (_gate)
        {
            _local.Add((time.GetUtcNow().UtcTicks, userId, suspension));
            var copy = new Dictionary<string, SuspensionRecord>(_inForce, StringComparer.Ordinal);
            Apply(copy, userId, suspension);
            Volatile.Write(ref _inForce, copy);
        }
    }

    private static void Apply(Dictionary<string, SuspensionRecord> inForce, string userId, SuspensionRecord? suspension)
    {
        if (suspension is null)
        {
            inForce.Remove(userId);
        }
        else
        {
            inForce[userId] = suspension;
        }
    }

    private SuspensionRecord? InForce(string userId) =>
        Volatile.Read(ref _inForce).TryGetValue(userId, out var s) && (s.Until is null || s.Until > time.GetUtcNow()) ? s : null;

    private async Task ReadAsync()
    {
        try
        {
            var now = time.GetUtcNow();
            // Not a caller's token: one caller giving up must not fail the read the others wait on.
            var found = await store.ListSuspensionsAsync(now, MaxInForce, CancellationToken.None).ConfigureAwait(false);
            lock (_gate)
            {
                var read = found.ToDictionary(s => s.UserId, StringComparer.Ordinal);
                _local.RemoveAll(change => change.AtTicks < now.UtcTicks - TimeSpan.TicksPerSecond * 10);
                foreach (var (_, userId, suspension) in _local)
                {
                    Apply(read, userId, suspension);
                }

                Volatile.Write(ref _inForce, read);
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
