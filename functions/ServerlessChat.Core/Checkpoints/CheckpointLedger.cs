using System.Collections.Concurrent;
using System.Reflection;
using Microsoft.Extensions.Options;
using ServerlessChat.Core.Realtime;
using ServerlessChat.Core.Sync;

namespace ServerlessChat.Core.Checkpoints;

/// <summary>
/// What this instance published, for <c>checkpoint({cursor})</c>: the changes whose events are on their way, the
/// earliest change whose event failed to go out, and who got change events since the last checkpoint.
/// </summary>
/// <remarks>
/// A checkpoint is a resume cursor whose watermark is the sync watermark of now (now minus
/// <see cref="SyncOptions.SettleSeconds"/>), held back before the earliest change still being published here and
/// before the earliest change whose publish failed here. A client applies the checkpoints that arrive after its
/// sync on <c>ready</c> (API.md): every change stamped at or before the watermark was then either committed before
/// that sync read the log (so it was in the answer), or published afterwards, to this connection, by a publish
/// that has completed; so a sync from the checkpoint misses nothing and repeats at most the settle window. A failed
/// publish holds this instance's checkpoints back for as long as it runs: a connection that was live then may have
/// missed the event, and nothing here says which connections did. The settle window also covers a publish on
/// another instance (behind a backplane, or another Functions worker): a change is published within it of its stamp.
/// </remarks>
public sealed class CheckpointLedger(IOptions<SyncOptions> options, TimeProvider time)
{
    private static readonly ConcurrentDictionary<Type, PropertyInfo?> CursorProperties = new();

    private readonly Lock _gate = new();
    private readonly SortedDictionary<long, int> _inFlight = [];
    private readonly HashSet<Audience> _due = [];
    private long _failedFloor = long.MaxValue;

    /// <summary>Records the change events among <paramref name="actions"/> as on their way until the result is disposed.</summary>
    public Publishing Track(IReadOnlyList<RealtimeAction> actions)
    {
        List<long>? stamps = null;
        foreach (var action in actions)
        {
            if (ChangeTimeOf(action) is { } at)
            {
                (stamps ??= []).Add(at);
            }
        }
        if (stamps is null)
        {
            return default;
        }

        lock (_gate)
        {
            foreach (var at in stamps)
            {
                _inFlight[at] = _inFlight.GetValueOrDefault(at) + 1;
            }
            foreach (var action in actions)
            {
                if (Audience.Of(action) is { } audience)
                {
                    _due.Add(audience);
                }
            }
        }
        return new Publishing(this, stamps);
    }

    /// <summary>A publisher could not deliver <paramref name="action"/>: no checkpoint from here passes its change.</summary>
    public void Failed(RealtimeAction action)
    {
        if (ChangeTimeOf(action) is { } at)
        {
            lock (_gate)
            {
                _failedFloor = Math.Min(_failedFloor, at - 1);
            }
        }
    }

    /// <summary>The checkpoint cursor of now (see the remarks).</summary>
    public string CurrentCursor()
    {
        var watermark = time.GetUtcNow().AddSeconds(-options.Value.SettleSeconds).ToUnixTimeMilliseconds();
        lock (_gate)
        {
            if (_inFlight.Count > 0)
            {
                watermark = Math.Min(watermark, _inFlight.Keys.First() - 1);
            }
            watermark = Math.Min(watermark, _failedFloor);
        }
        return new SyncCursor(Math.Max(0, watermark), new Dictionary<ulong, long>()).Encode();
    }

    /// <summary>
    /// The checkpoints due: one to each user and group that got change events since the last call, all with the
    /// cursor of now.
    /// </summary>
    public IReadOnlyList<RealtimeAction> TakeDue()
    {
        Audience[] audiences;
        lock (_gate)
        {
            if (_due.Count == 0)
            {
                return [];
            }
            audiences = [.. _due];
            _due.Clear();
        }
        var checkpoint = new CheckpointDto(CurrentCursor());
        return audiences.Select(a => a.Send(checkpoint)).ToList();
    }

    private void Completed(List<long> stamps)
    {
        lock (_gate)
        {
            foreach (var at in stamps)
            {
                if (_inFlight.TryGetValue(at, out var count) && count > 1)
                {
                    _inFlight[at] = count - 1;
                }
                else
                {
                    _inFlight.Remove(at);
                }
            }
        }
    }

    /// <summary>Who a change event went to: a user, a group or one connection.</summary>
    private sealed record Audience(char Kind, string Name)
    {
        public static Audience? Of(RealtimeAction action) => ChangeTimeOf(action) is null ? null : action switch
        {
            SendToUser user => new Audience('u', user.UserId),
            SendToGroup group => new Audience('g', group.GroupName),
            SendToConnection connection => new Audience('c', connection.ConnectionId),
            _ => null,
        };

        public RealtimeAction Send(CheckpointDto checkpoint) => Kind switch
        {
            'u' => new SendToUser(Name, ChatHub.Checkpoint, checkpoint),
            'g' => new SendToGroup(Name, ChatHub.Checkpoint, checkpoint),
            _ => new SendToConnection(Name, ChatHub.Checkpoint, checkpoint),
        };
    }

    /// <summary>The stamp of the change an event carries (its payload's change cursor), null for any other action.</summary>
    private static long? ChangeTimeOf(RealtimeAction action)
    {
        var payload = action switch
        {
            SendToUser send => send.Payload,
            SendToGroup send => send.Payload,
            SendToConnection send => send.Payload,
            _ => null,
        };
        if (payload is null)
        {
            return null;
        }
        var property = CursorProperties.GetOrAdd(payload.GetType(), static type =>
            type.GetProperty("Cursor", BindingFlags.Public | BindingFlags.Instance) is { PropertyType: var t } p && t == typeof(string) ? p : null);
        return property is not null && SyncCursor.TryReadChangeTime(property.GetValue(payload) as string, out var at) ? at : null;
    }

    /// <summary>The change events of one publish, on their way until disposed.</summary>
    public readonly struct Publishing(CheckpointLedger? ledger, List<long>? stamps) : IDisposable
    {
        public void Dispose() => ledger?.Completed(stamps!);
    }
}
