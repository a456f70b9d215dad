using System.Text.Json;

namespace ServerlessChat.Client;

/// <summary>
/// API.md's "Never miss a change" as a small state machine with no I/O (not thread-safe: the client calls it under
/// its lock).
/// <list type="bullet">
/// <item>Every stored-state change goes to <c>deliver</c> once: a cursor already applied is skipped, from wherever
/// it came (live, a sync page, a send's answer).</item>
/// <item>While held (a connection that has not finished the sync its <c>ready</c> started, or any sync out), live
/// changes wait and are applied after the sync's pages in arrival order: a sync answer read just before a live
/// event would otherwise bring an older state of that entity after it.</item>
/// <item>The resume cursor moves only with a sync answer that was applied, or a <c>checkpoint</c> that arrived on a
/// connection whose ready-sync was applied, in its place among the held events.</item>
/// </list>
/// </summary>
internal sealed class ChangeFeed(Action<string, JsonElement, string?, ChangeSource> deliver, Action<string?, bool> cursorChanged, string? cursor)
{
    // Far more than a resume (a checkpoint plus the settle window) replays.
    private const int Remembered = 20_000;

    private readonly HashSet<string> _applied = [];
    private readonly Queue<string> _appliedOrder = new();
    private readonly List<Held> _held = [];
    private bool _holding = true;
    private bool _readySynced;

    public string? Cursor { get; private set; } = cursor;

    /// <summary>A new connection: hold live changes until the sync that its <c>ready</c> starts has been applied.</summary>
    public void ConnectionStarted()
    {
        _holding = true;
        _readySynced = false;
    }

    /// <summary>A sync request is about to go out.</summary>
    public void SyncStarted() => _holding = true;

    public void Live(string type, JsonElement data, ChangeSource source = ChangeSource.Live)
    {
        if (_holding)
        {
            _held.Add(new Held(type, data, source, null));
        }
        else
        {
            Apply(type, data, source);
        }
    }

    /// <summary>A <c>checkpoint({cursor})</c>: the resume cursor, once everything before it on this connection is applied.</summary>
    public void Checkpoint(string cursor)
    {
        if (_holding)
        {
            _held.Add(new Held(null, default, ChangeSource.Live, cursor));
        }
        else if (_readySynced)
        {
            SetCursor(cursor, fromCheckpoint: true);
        }
    }

    /// <summary>One page of <c>GET /api/sync</c>, applied in its order; its cursor becomes the resume cursor.</summary>
    public void ApplyPage(IEnumerable<(string Type, JsonElement Data, string Cursor)> changes, string cursor)
    {
        foreach (var (type, data, changeCursor) in changes)
        {
            Apply(type, data, ChangeSource.Sync, changeCursor);
        }

        SetCursor(cursor, fromCheckpoint: false);
    }

    /// <summary>The sync (all its pages) was applied: release what waited, in the order it came.</summary>
    public void SyncCompleted()
    {
        _readySynced = true;
        _holding = false;
        var waiting = _held.ToArray();
        _held.Clear();
        foreach (var item in waiting)
        {
            if (item.Checkpoint is { } checkpoint)
            {
                SetCursor(checkpoint, fromCheckpoint: true);
            }
            else
            {
                Apply(item.Type!, item.Data, item.Source);
            }
        }
    }

    /// <summary>410: the cursor is older than the kept history; start again from the server's current one.</summary>
    public void RestartFrom(string cursor) => SetCursor(cursor, fromCheckpoint: false);

    /// <summary>Forgets everything and resumes from <paramref name="cursor"/> (another user signed in, or the same one signed out).</summary>
    public void Reset(string? cursor)
    {
        _applied.Clear();
        _appliedOrder.Clear();
        _held.Clear();
        _holding = true;
        _readySynced = false;
        Cursor = cursor;
    }

    private void Apply(string type, JsonElement data, ChangeSource source, string? cursor = null)
    {
        cursor ??= data.ValueKind == JsonValueKind.Object && data.TryGetProperty("cursor", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
        if (cursor is not null)
        {
            if (!_applied.Add(cursor))
            {
                return;
            }

            _appliedOrder.Enqueue(cursor);
            if (_appliedOrder.Count > Remembered)
            {
                _applied.Remove(_appliedOrder.Dequeue());
            }
        }

        deliver(type, data, cursor, source);
    }

    private void SetCursor(string? cursor, bool fromCheckpoint)
    {
        if (cursor == Cursor)
        {
            return;
        }

        Cursor = cursor;
        cursorChanged(cursor, fromCheckpoint);
    }

    private readonly record struct Held(string? Type, JsonElement Data, ChangeSource Source, string? Checkpoint);
}
