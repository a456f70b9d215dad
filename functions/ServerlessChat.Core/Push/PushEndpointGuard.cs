using System.Net;
using Microsoft.Extensions.Options;
using ServerlessChat.Core.Egress;

namespace ServerlessChat.Core.Push;

/// <summary>
/// A subscription's endpoint is a URL a user chose, so it must never make the server call inside its own
/// network: https only, and every address the host name resolves to public (<see cref="NetworkAddresses.IsPublic"/>,
/// which sees through IPv6 forms that carry an IPv4 address). Checked when a subscription is
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

    private readonly OutboundAddressGuard _guard = options.Value.AllowInsecureEndpoints ? OutboundAddressGuard.Anywhere : OutboundAddressGuard.PublicOnly;

    /// <summary>The addresses to connect to for the host; empty when it does not resolve or any address is not public.</summary>
    public Task<IReadOnlyList<IPAddress>> ResolveAsync(string host, CancellationToken ct) => _guard.ResolveAsync(host, ct);

    /// <summary>Whether a URL resolves to addresses push may call (the subscribe-time check).</summary>
    public async Task<bool> IsAllowedAsync(Uri endpoint, CancellationToken ct) => (await ResolveAsync(endpoint.IdnHost, ct)).Count > 0;

    /// <summary>
    /// Opens the TCP connection of an HTTP request to a push service: to the checked addresses only
    /// (SocketsHttpHandler.ConnectCallback), never to a name resolved again elsewhere.
    /// </summary>
    public ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken ct) => _guard.ConnectAsync(context, ct);
}
