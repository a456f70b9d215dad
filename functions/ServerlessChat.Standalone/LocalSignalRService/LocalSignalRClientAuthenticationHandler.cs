using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using ServerlessChat.Core.AzureSignalR;
using ServerlessChat.Core.Realtime;

namespace ServerlessChat.Standalone.LocalSignalRService;

/// <summary>
/// Accepts the client tokens the real service accepts: HS256 with the access key, audience = this host's client
/// URL (<c>/client/?hub=chat</c>, trailing slash optional), user id (any string) in <c>nameid</c> or
/// <c>asrs.s.uid</c>, or none for an anonymous connection. The
/// token comes in the Authorization header (negotiate) or the <c>access_token</c> query value (WebSockets and
/// server-sent events, which cannot set headers).
/// </summary>
public sealed class LocalSignalRClientAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    IOptions<LocalSignalRServiceOptions> service,
    TimeProvider time)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "LocalSignalRServiceClient";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!string.Equals(Request.Query["hub"], ChatHub.Name, StringComparison.OrdinalIgnoreCase))
        {
            return Task.FromResult(AuthenticateResult.Fail($"Only hub '{ChatHub.Name}' is served."));
        }

        var token = LocalSignalRServiceEndpoints.BearerToken(Request) ?? Request.Query["access_token"].ToString();
        if (string.IsNullOrEmpty(token))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        var audience = AzureSignalRNegotiator.ClientUrl(new Uri($"{Request.Scheme}://{Request.Host}"));
        var principal = AzureSignalRTokens.Validate(token, service.Value.AccessKey!, [audience], time.GetUtcNow());
        if (principal is null)
        {
            return Task.FromResult(AuthenticateResult.Fail("The client token is malformed, forged, expired or for another URL."));
        }

        // NameIdentifier is what SignalR's Context.UserIdentifier and Clients.User read.
        // The session claim is kept to be passed upstream, as the service passes a token's own claims.
        List<Claim> claims = [];
        if (AzureSignalRTokens.UserIdOf(principal) is { } userId)
        {
            claims.Add(new Claim(ClaimTypes.NameIdentifier, userId));
        }

        if (principal.FindFirst(AzureSignalRTokens.SessionClaim)?.Value is { Length: > 0 } sessionId)
        {
            claims.Add(new Claim(AzureSignalRTokens.SessionClaim, sessionId));
        }

        var identity = new ClaimsIdentity(claims, SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }
}
