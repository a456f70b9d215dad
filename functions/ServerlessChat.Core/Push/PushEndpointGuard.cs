using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace ServerlessChat.Core.Push;

/// <summary>
/// A subscription's endpoint is a URL a user chose, so it must never make the server call inside its own
/// network: https only, and every address the host name resolves to public. Checked when a subscription is
/// stored and again at every send, where the connection goes to the very address checked (so a DNS answer
/// that changes in between, DNS rebinding, gains nothing). <see cref="PushOptions.AllowInsecureEndpoints"/>
/// lifts both rules for tests and local push services.
/// </summary>
public sealed class PushEndpointGuard(IOptions<PushOptions> options)
{
    public const int MaxEndpointLength = 2048;

    /// <summary>The endpoint as a URL when its form is acceptable (scheme, no user info), else null.</summary>
    public Uri? ParseEndpoint(string? endpoint)
    {
        if (string.IsNullOrEmpty(endpoint) || endpoint.Length > MaxEndpointLength
            || !Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || !string.IsNullOrEmpty(uri.UserInfo) || !string.IsNullOrEmpty(uri.Fragment))
        {
            return null;
        }
        var secure = uri.Scheme == Uri.UriSchemeHttps;
        return secure || (options.Value.AllowInsecureEndpoints && uri.Scheme == Uri.UriSchemeHttp) ? uri : null;
    }

    /// <summary>The addresses to connect to for the host; empty when it does not resolve or any address is not public.</summary>
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
        if (!options.Value.AllowInsecureEndpoints && !addresses.All(IsPublic))
        {
            return [];
        }
        return addresses;
    }

    /// <summary>Whether a URL resolves to addresses push may call (the subscribe-time check).</summary>
    public async Task<bool> IsAllowedAsync(Uri endpoint, CancellationToken ct) => (await ResolveAsync(endpoint.IdnHost, ct)).Count > 0;

    /// <summary>
    /// Opens the TCP connection of an HTTP request to a push service: to the checked addresses only
    /// (SocketsHttpHandler.ConnectCallback), never to a name resolved again elsewhere.
    /// </summary>
    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken ct)
    {
        var addresses = await ResolveAsync(context.DnsEndPoint.Host, ct);
        if (addresses.Count == 0)
        {
            throw new HttpRequestException($"The push endpoint's host does not resolve to a public address.");
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

    /// <summary>False for loopback, private, link-local, CGNAT, multicast, unspecified, documentation-free reserved and IPv6 ULA/link-local ranges.</summary>
    public static bool IsPublic(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        if (IPAddress.IsLoopback(address) || address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any) || address.Equals(IPAddress.IPv6None))
        {
            return false;
        }
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = address.GetAddressBytes();
            return !(b[0] == 0                                  // "this network"
                || b[0] == 10                                  // private
                || (b[0] == 100 && (b[1] & 0xC0) == 64)        // CGNAT 100.64/10
                || b[0] == 127                                 // loopback
                || (b[0] == 169 && b[1] == 254)                // link-local
                || (b[0] == 172 && (b[1] & 0xF0) == 16)        // private 172.16/12
                || (b[0] == 192 && b[1] == 0 && b[2] == 0)     // IETF protocol assignments
                || (b[0] == 192 && b[1] == 168)                // private
                || (b[0] == 198 && (b[1] & 0xFE) == 18)        // benchmarking 198.18/15
                || b[0] >= 224);                               // multicast, reserved, broadcast
        }
        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            var b = address.GetAddressBytes();
            return !(address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6Multicast
                || (b[0] & 0xFE) == 0xFC                       // unique local fc00::/7
                || address.IsIPv4MappedToIPv6                  // handled above; never reached
                || (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0D && b[3] == 0xB8)  // documentation 2001:db8::/32
                || (b[0] == 0 && b[1] == 0 && b[10] == 0 && b[11] == 0 && b.Take(10).All(x => x == 0)));  // ::/96 (IPv4-compatible, deprecated)
        }
        return false;
    }
}
