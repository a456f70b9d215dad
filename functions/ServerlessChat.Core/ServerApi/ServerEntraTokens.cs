using Microsoft.Extensions.Options;
using ServerlessChat.Core.Auth;
using ServerlessChat.Core.Auth.External;

namespace ServerlessChat.Core.ServerApi;

/// <summary>
/// Microsoft Entra app-only access tokens for the server API (<c>Admin:Entra</c>): valid for the configured issuer
/// and audience (<see cref="OidcIssuer"/>), issued to an application (<c>idtyp: app</c>, never to a user), and
/// granted the app role <c>Chat.Admin</c>.
/// </summary>
public sealed class ServerEntraTokens : IDisposable
{
    public const string AdminRole = "Chat.Admin";

    private readonly HttpClient? _http;
    private readonly OidcIssuer? _issuer;

    public ServerEntraTokens(IOptions<ServerApiOptions> options, IOptions<AuthOptions> auth)
    {
        var entra = options.Value.Entra;
        if (!string.IsNullOrWhiteSpace(entra.Authority))
        {
            _http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            _issuer = new OidcIssuer(entra.Authority, entra.Audience!, entra.RequireHttpsMetadata, _http, TimeSpan.FromSeconds(auth.Value.ClockSkewSeconds));
        }
    }

    public bool Enabled => _issuer is not null;

    /// <summary>The audit log's name for the calling application, or null when the token does not qualify.</summary>
    public async Task<string?> AuthenticateAsync(string token, CancellationToken ct)
    {
        if (_issuer is null || (await _issuer.ValidateAsync(token, ct)).Identity is not { } identity)
        {
            return null;
        }

        var appOnly = identity.FindFirst("idtyp")?.Value == "app";
        var admin = identity.FindAll("roles").Any(r => r.Value == AdminRole);
        var app = identity.FindFirst("azp")?.Value ?? identity.FindFirst("appid")?.Value;
        return appOnly && admin && !string.IsNullOrEmpty(app) ? $"entra:{app}" : null;
    }

    public void Dispose() => _http?.Dispose();
}
