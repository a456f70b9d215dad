using System.Net;
using System.Net.Sockets;

namespace ServerlessChat.Core.Egress;

/// <summary>
/// Where the server may connect when a user named the target (a push endpoint, a linked page): a host is allowed
/// only when every address it resolves to passes the rule, and the connection goes to the very addresses checked,
/// through <see cref="ConnectAsync"/> as a <see cref="SocketsHttpHandler.ConnectCallback"/>, so a DNS answer that
/// changes in between (rebinding) gains nothing and every redirect hop is checked again by its own connection.
/// </summary>
public sealed class OutboundAddressGuard(Func<IPAddress, bool> isAllowed)
{
    /// <summary>Public unicast addresses only (<see cref="NetworkAddresses.IsPublic"/>).</summary>
    public static OutboundAddressGuard PublicOnly { get; } = new(NetworkAddresses.IsPublic);

    /// <summary>Any address: for tests and local runs that reach pages or services on loopback.</summary>
    public static OutboundAddressGuard Anywhere { get; } = new(_ => true);

    /// <summary>The addresses to connect to for the host; empty when it does not resolve or any of its addresses is not allowed.</summary>
    public async Task<IReadOnlyList<IPAddress>> ResolveAsync(string host, CancellationToken ct)
    {
        IPAddress[] addresses;
        try
        {
            addresses = IPAddress.TryParse(host.Trim('[', ']'), out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, ct);
        }
        catch (SocketException)
        {
            return [];
        }
        catch (ArgumentException)
        {
            return [];
        }
        return addresses.Length > 0 && addresses.All(isAllowed) ? addresses : [];
    }

    /// <summary>Opens an HTTP request's TCP connection to the checked addresses only; throws when the host has none allowed.</summary>
    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken ct)
    {
        var addresses = await ResolveAsync(context.DnsEndPoint.Host, ct);
        if (addresses.Count == 0)
        {
            throw new HttpRequestException("The host does not resolve to an address the server may connect to.");
        }
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(addresses.ToArray(), context.DnsEndPoint.Port, ct);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
