using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Options;

namespace ServerlessChat.Standalone.Limits;

/// <summary>
/// Keeps the host within <see cref="ConnectionBudget.HttpConnections"/> by accepting no more than that: once every
/// slot is taken the listener stops accepting, and the next clients wait in the kernel's accept queue (and, past
/// it, in their own SYN retries) until a connection closes or upgrades to a WebSocket. Nobody is closed at accept.
/// </summary>
/// <remarks>
/// Kestrel's own <c>MaxConcurrentConnections</c> accepts every connection and closes those beyond the cap at once:
/// in a storm of 10,000 browsers negotiating on their own sockets, 414 got a socket closed before any answer
/// (<c>fetch failed</c>), which no client retries. Waiting costs the host no descriptor (the queue is the
/// kernel's), and a slot comes back as soon as a negotiate is answered (negotiates close their socket) or a
/// WebSocket upgrades, which Kestrel reports through <see cref="IDecrementConcurrentConnectionCountFeature"/> as
/// it does for its own cap.
/// </remarks>
public sealed class HttpConnectionGate(ConnectionBudget budget)
{
    private readonly SemaphoreSlim _slots = new(budget.HttpConnections, budget.HttpConnections);
    private long _waited;

    public int Capacity => budget.HttpConnections;

    /// <summary>HTTP connections held now (accepted, not closed or upgraded).</summary>
    public int InUse => Capacity - _slots.CurrentCount;

    /// <summary>Accepts that waited for a slot since start.</summary>
    public long Waited => Interlocked.Read(ref _waited);

    internal async ValueTask TakeAsync(CancellationToken ct)
    {
        if (!_slots.Wait(0))
        {
            Interlocked.Increment(ref _waited);
            await _slots.WaitAsync(ct).ConfigureAwait(false);
        }
    }

    internal void Give() => _slots.Release();

    /// <summary>
    /// Gives a connection's slot back when it ends (or upgraded before); every endpoint runs it as its first
    /// connection middleware.
    /// </summary>
    internal static ConnectionDelegate ReleaseWhenDone(ConnectionDelegate next) => async connection =>
    {
        try
        {
            await next(connection).ConfigureAwait(false);
        }
        finally
        {
            connection.Features.Get<Slot>()?.ReleaseConnection();
        }
    };

    /// <summary>One accepted connection's slot; given back once, at upgrade or at the end, whichever comes first.</summary>
    internal sealed class Slot(HttpConnectionGate gate) : IDecrementConcurrentConnectionCountFeature
    {
        private int _released;

        public void ReleaseConnection()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                gate.Give();
            }
        }
    }

    /// <summary>The socket transport, accepting only with a slot in hand.</summary>
    internal sealed class ListenerFactory(HttpConnectionGate gate, IOptions<SocketTransportOptions> options, ILoggerFactory loggers)
        : IConnectionListenerFactory, IConnectionListenerFactorySelector
    {
        private readonly SocketTransportFactory _sockets = new(options, loggers);

        public bool CanBind(EndPoint endpoint) => _sockets.CanBind(endpoint);

        public async ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default) =>
            new Listener(gate, await _sockets.BindAsync(endpoint, cancellationToken).ConfigureAwait(false));
    }

    private sealed class Listener(HttpConnectionGate gate, IConnectionListener inner) : IConnectionListener
    {
        private readonly CancellationTokenSource _unbound = new();

        public EndPoint EndPoint => inner.EndPoint;

        public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _unbound.Token);
            try
            {
                await gate.TakeAsync(linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (_unbound.IsCancellationRequested)
            {
                // Unbound while full: the accept loop ends as it does for an unbound socket.
                return null;
            }

            ConnectionContext? connection;
            try
            {
                connection = await inner.AcceptAsync(cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                gate.Give();
                throw;
            }

            if (connection is null)
            {
                gate.Give();
                return null;
            }

            var slot = new Slot(gate);
            connection.Features.Set(slot);
            connection.Features.Set<IDecrementConcurrentConnectionCountFeature>(slot);
            return connection;
        }

        public async ValueTask UnbindAsync(CancellationToken cancellationToken = default)
        {
            await _unbound.CancelAsync().ConfigureAwait(false);
            await inner.UnbindAsync(cancellationToken).ConfigureAwait(false);
        }

        public async ValueTask DisposeAsync()
        {
            await inner.DisposeAsync().ConfigureAwait(false);
            _unbound.Dispose();
        }
    }
}
