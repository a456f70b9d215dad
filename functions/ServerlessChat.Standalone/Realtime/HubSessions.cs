using System.Collections.Concurrent;
using Microsoft.AspNetCore.SignalR;

namespace ServerlessChat.Standalone.Realtime;

/// <summary>
/// This instance's hub connections with the session their token belongs to and when they are to be closed: at
/// the token's expiry plus a random 0 to 60 seconds, so the reconnects of connections opened together spread out.
/// <see cref="HubSessionSweeper"/> walks them once a period; nothing runs per connection in between.
/// </summary>
public sealed class HubSessions(TimeProvider time)
{
    /// <summary>The spread added to each connection's token expiry.</summary>
    public static readonly TimeSpan CloseSpread = TimeSpan.FromSeconds(60);

    private readonly ConcurrentDictionary<string, Entry> _connections = new(StringComparer.Ordinal);

    public int Count => _connections.Count;

    public void Add(HubCallerContext context, string? sessionId, DateTimeOffset tokenExpiresAt)
    {
        var closeAt = tokenExpiresAt + TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * CloseSpread.TotalMilliseconds);
        _connections[context.ConnectionId] = new Entry(sessionId, closeAt, context);
    }

    public void Remove(string connectionId) => _connections.TryRemove(connectionId, out _);

    /// <summary>Closes this instance's connections of the session now; returns how many.</summary>
    public int Close(string sessionId)
    {
        var closed = 0;
        foreach (var (id, entry) in _connections)
        {
            if (entry.SessionId == sessionId && _connections.TryRemove(id, out _))
            {
                entry.Context.Abort();
                closed++;
            }
        }

        return closed;
    }

    /// <summary>Closes the connections of ended sessions and those past their close time; returns how many.</summary>
    public int Sweep(IReadOnlySet<string> endedSessions)
    {
        var now = time.GetUtcNow();
        var closed = 0;
        foreach (var (id, entry) in _connections)
        {
            var ended = entry.SessionId is { } sessionId && endedSessions.Contains(sessionId);
            if ((ended || entry.CloseAt <= now) && _connections.TryRemove(id, out _))
            {
                // Aborted, not closed with an error: the client's automatic reconnect negotiates again, which
                // succeeds with a fresh token while the session lives and fails with 401 once it has ended.
                entry.Context.Abort();
                closed++;
            }
        }

        return closed;
    }

    private sealed record Entry(string? SessionId, DateTimeOffset CloseAt, HubCallerContext Context);
}
