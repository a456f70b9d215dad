using System.ComponentModel.DataAnnotations;
using System.IdentityModel.Tokens.Jwt;
using System.Security.Claims;
using Microsoft.Extensions.Options;
using ServerlessChat.Core.Auth;

namespace ServerlessChat.Standalone.Realtime;

public sealed class HubTokenOptions
{
    public const string Section = "Realtime";

    /// <summary>
    /// Lifetime of the token that negotiate hands out for the hub. WebSockets check it once, when they connect;
    /// long polling and server-sent events send it with every request, so such a connection ends when the
    /// token does and the client's automatic reconnect negotiates a fresh one.
    /// </summary>
    [Range(1, 1440)]
    public int ConnectionTokenMinutes { get; set; } = 15;
}

/// <summary>
/// The tokens of the standalone host's hub: HS256 with the API's signing key, but their own audience, so an
/// API access token does not open the hub and a hub token is refused by the API.
/// </summary>
public sealed class HubTokens(IOptions<AuthOptions> auth, IOptions<HubTokenOptions> options, TimeProvider time)
{
    private readonly HmacJwt _jwt = new(auth.Value, auth.Value.Audience + "/realtime", time);
    private readonly TimeSpan _lifetime = TimeSpan.FromMinutes(options.Value.ConnectionTokenMinutes);

    public string Audience => auth.Value.Audience + "/realtime";

    /// <summary>A hub token of the user's session (claim <c>sid</c>): its connection is closed when the session ends.</summary>
    public string Issue(string userId, string? sessionId = null) =>
        _jwt.Issue(userId, _lifetime, sessionId is null ? [] : [new Claim(JwtRegisteredClaimNames.Sid, sessionId)]);

    /// <summary>The user id of a valid hub token; null for anything else.</summary>
    public string? Validate(string? token) => _jwt.Validate(token);

    /// <summary>A valid hub token's user, session and expiry; null for anything else.</summary>
    public ValidToken? Read(string? token) => _jwt.Read(token);
}
