using System.ComponentModel.DataAnnotations;
using System.IdentityModel.Tokens.Jwt;
using System.Security.Claims;
using System.Text;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
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
public sealed class HubTokens
{
    private readonly JwtSecurityTokenHandler _handler = new() { MapInboundClaims = false };
    private readonly AuthOptions _auth;
    private readonly TimeSpan _lifetime;
    private readonly TimeProvider _time;
    private readonly SigningCredentials _credentials;
    private readonly TokenValidationParameters _validation;

    public HubTokens(IOptions<AuthOptions> auth, IOptions<HubTokenOptions> options, TimeProvider time)
    {
        _auth = auth.Value;
        _lifetime = TimeSpan.FromMinutes(options.Value.ConnectionTokenMinutes);
        _time = time;
        var key = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(_auth.JwtSigningKey!));
        _credentials = new SigningCredentials(key, SecurityAlgorithms.HmacSha256);
        _validation = new TokenValidationParameters
        {
            ValidIssuer = _auth.Issuer,
            ValidAudience = Audience,
            IssuerSigningKey = key,
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
            RequireExpirationTime = true,
            RequireSignedTokens = true,
            ClockSkew = TimeSpan.FromSeconds(_auth.ClockSkewSeconds),
            // Against the injected clock, as the API's tokens are.
            LifetimeValidator = (notBefore, expires, _, parameters) => ValidLifetime(notBefore, expires, parameters.ClockSkew),
        };
    }

    public string Audience => _auth.Audience + "/realtime";

    public string Issue(string userId)
    {
        var now = _time.GetUtcNow().UtcDateTime;
        var token = new JwtSecurityToken(
            issuer: _auth.Issuer,
            audience: Audience,
            claims: [new Claim(JwtRegisteredClaimNames.Sub, userId)],
            notBefore: now,
            expires: now.Add(_lifetime),
            signingCredentials: _credentials);
        return _handler.WriteToken(token);
    }

    /// <summary>The user id of a valid hub token; null for anything else.</summary>
    public string? Validate(string? token)
    {
        if (string.IsNullOrWhiteSpace(token) || token.Length > 4096)
        {
            return null;
        }

        try
        {
            var subject = _handler.ValidateToken(token, _validation, out _).FindFirst(JwtRegisteredClaimNames.Sub)?.Value;
            return string.IsNullOrEmpty(subject) ? null : subject;
        }
        catch (Exception error) when (error is SecurityTokenException or ArgumentException or FormatException)
        {
            return null;
        }
    }

    private bool ValidLifetime(DateTime? notBefore, DateTime? expires, TimeSpan skew)
    {
        var now = _time.GetUtcNow().UtcDateTime;
        return expires is { } end && end.ToUniversalTime() + skew > now
            && (notBefore is null || notBefore.Value.ToUniversalTime() - skew <= now);
    }
}
