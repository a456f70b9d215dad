using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;
using ServerlessChat.Core.Realtime;

namespace ServerlessChat.Standalone.Limits;

/// <summary>
/// Keeps the hub within <see cref="ConnectionBudget.HubConnections"/>: a negotiate reserves a slot for the
/// connection that follows it, and is refused (503 with Retry-After, which clients retry) once open connections
/// and reservations fill the budget, so a client beyond the bound learns it before it opens a WebSocket.
/// </summary>
/// <remarks>
/// Once the host is stopping it admits nobody (<see cref="Draining"/>). SignalR closes every hub connection when
/// stopping begins, and its clients reconnect at once, while Kestrel still accepts until it stops listening a
/// moment later: a WebSocket accepted in between stayed open until the 30 s shutdown timeout, so a restart took
/// 30 s. Turned away, those clients retry and reach the next instance.
/// </remarks>
public sealed class HubAdmission(ConnectionBudget budget, IOptions<HubConnectionLimitOptions> options, TimeProvider time, IHostApplicationLifetime lifetime)
{
    private const string AdmittedKey = "ServerlessChat.Admitted";

    private readonly TimeSpan _reservationLifetime = TimeSpan.FromSeconds(options.Value.NegotiateReservationSeconds);
    private readonly Queue<DateTimeOffset> _reservations = new();
    private int _open;

    public int Capacity => budget.HubConnections;

    public TimeSpan RetryAfter { get; } = TimeSpan.FromSeconds(options.Value.RetryAfterSeconds);

    /// <summary>Open hub connections of this process.</summary>
    public int Open => Volatile.Read(ref _open);

    /// <summary>The host is shutting down: negotiate answers 503 and hub connections are closed as they open.</summary>
    public bool Draining => lifetime.ApplicationStopping.IsCancellationRequested;

    /// <summary>
    /// Called first in a hub's <c>OnConnectedAsync</c>: while draining, aborts the connection (the client reconnects
    /// elsewhere; an error close would stop its reconnecting) and answers false.
    /// </summary>
    public bool TryAdmit(HubCallerContext context)
    {
        if (Draining)
        {
            context.Abort();
            return false;
        }

        context.Items[AdmittedKey] = true;
        return true;
    }

    /// <summary>Whether <see cref="TryAdmit"/> let the connection in, for its <c>OnDisconnectedAsync</c>.</summary>
    public static bool WasAdmitted(HubCallerContext context) => context.Items.ContainsKey(AdmittedKey);

    /// <summary>
    /// Takes back a connection whose setup failed after <see cref="TryAdmit"/>: counted out, unmarked (so its
    /// <c>OnDisconnectedAsync</c> has nothing to undo) and aborted. An abort, not an error close, as when draining:
    /// the client's automatic reconnect tries again.
    /// </summary>
    public void Revoke(HubCallerContext context)
    {
        Disconnected();
        context.Items.Remove(AdmittedKey);
        context.Abort();
    }

    public bool TryReserve()
    {
        lock (_reservations)
        {
            var now = time.GetUtcNow();
            DropExpired(now);
            if (_open + _reservations.Count >= budget.HubConnections)
            {
                return false;
            }

            _reservations.Enqueue(now + _reservationLifetime);
            return true;
        }
    }

    /// <summary>A hub connection opened; it takes the oldest reservation (clients connect in about the order they negotiated).</summary>
    public void Connected()
    {
        lock (_reservations)
        {
            DropExpired(time.GetUtcNow());
            _reservations.TryDequeue(out _);
            _open++;
        }
    }

    public void Disconnected()
    {
        lock (_reservations)
        {
            _open--;
        }
    }

    private void DropExpired(DateTimeOffset now)
    {
        while (_reservations.TryPeek(out var expires) && expires <= now)
        {
            _reservations.Dequeue();
        }
    }
}
