using Microsoft.Extensions.Options;

namespace ServerlessChat.Standalone.Limits;

/// <summary>
/// Keeps the hub within <see cref="ConnectionBudget.HubConnections"/>: a negotiate reserves a slot for the
/// connection that follows it, and is refused (503 with Retry-After, which clients retry) once open connections
/// and reservations fill the budget, so a client beyond the bound learns it before it opens a WebSocket.
/// </summary>
public sealed class HubAdmission(ConnectionBudget budget, IOptions<HostLimitsOptions> options, TimeProvider time)
{
    private readonly TimeSpan _reservationLifetime = TimeSpan.FromSeconds(options.Value.NegotiateReservationSeconds);
    private readonly Queue<DateTimeOffset> _reservations = new();
    private int _open;

    public int Capacity => budget.HubConnections;

    public TimeSpan RetryAfter { get; } = TimeSpan.FromSeconds(options.Value.RetryAfterSeconds);

    /// <summary>Open hub connections of this process.</summary>
    public int Open => Volatile.Read(ref _open);

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
