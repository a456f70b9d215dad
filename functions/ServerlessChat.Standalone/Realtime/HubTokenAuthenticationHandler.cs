using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;

namespace ServerlessChat.Standalone.Realtime;

/// <summary>
/// Authenticates hub requests with a <see cref="HubTokens"/> token, from the Authorization header or, for
/// browsers' WebSockets and server-sent events (which cannot set headers), the <c>access_token</c> query value.
/// The user id goes into <see cref="ClaimTypes.NameIdentifier"/>, which is what SignalR's
/// <c>Context.UserIdentifier</c> and <c>Clients.User</c> read.
/// </summary>
public sealed class HubTokenAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, HubTokens tokens)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ChatHubToken";
    public const string SessionClaim = "sid";
    public const string ExpiresClaim = "exp";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        // As the only scheme it becomes the default one and would run on every API request too; the API reads
        // its own tokens, so anything but a hub endpoint is left alone.
        if (Context.GetEndpoint()?.Metadata.GetMetadata<HubMetadata>() is null)
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        var token = BearerToken() ?? Request.Query["access_token"].ToString();
        if (string.IsNullOrEmpty(token))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        var valid = tokens.Read(token);
        if (valid is null)
        {
            return Task.FromResult(AuthenticateResult.Fail("The hub token is malformed, forged or expired."));
        }

        // The session and the expiry go with the connection: it is closed when either ends (HubSessions).
        List<Claim> claims =
        [
            new(ClaimTypes.NameIdentifier, valid.UserId),
            new(ExpiresClaim, valid.ExpiresAt.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture)),
        ];
        if (valid.SessionId is not null)
        {
            claims.Add(new Claim(SessionClaim, valid.SessionId));
        }

        var identity = new ClaimsIdentity(claims, SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }

    private string? BearerToken()
    {
        const string scheme = "Bearer ";
        var header = Request.Headers.Authorization.ToString();
        return header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase) ? header[scheme.Length..].Trim() : null;
    }
}
