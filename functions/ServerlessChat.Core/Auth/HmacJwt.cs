using System.IdentityModel.Tokens.Jwt;
using System.Security.Claims;
using System.Text;
using Microsoft.IdentityModel.Tokens;

namespace ServerlessChat.Core.Auth;

/// <summary>
/// HS256 tokens for one audience, signed with Auth:JwtSigningKey: how the API's access tokens and the standalone
/// hub's connection tokens are both made and checked. Different audiences keep one kind from opening the other.
/// </summary>
public sealed class HmacJwt
{
    private readonly JwtSecurityTokenHandler _handler = new() { MapInboundClaims = false };
    private readonly string _issuer;
    private readonly string _audience;
    private readonly TimeProvider _time;
    private readonly SigningCredentials _credentials;
    private readonly TokenValidationParameters _validation;

    public HmacJwt(AuthOptions auth, string audience, TimeProvider time)
    {
        _issuer = auth.Issuer;
        _audience = audience;
        _time = time;
        var key = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(auth.JwtSigningKey!));
        _credentials = new SigningCredentials(key, SecurityAlgorithms.HmacSha256);
        _validation = new TokenValidationParameters
        {
            ValidIssuer = auth.Issuer,
            ValidAudience = audience,
            IssuerSigningKey = key,
            // Only HS256: an "alg": "none" token or one signed some other way never validates.
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
            ValidateIssuer = true,
            ValidateAudience = true,
            ValidateLifetime = true,
            RequireExpirationTime = true,
            RequireSignedTokens = true,
            ValidateIssuerSigningKey = true,
            ClockSkew = TimeSpan.FromSeconds(auth.ClockSkewSeconds),
            LifetimeValidator = (notBefore, expires, _, parameters) => ValidLifetime(notBefore, expires, parameters.ClockSkew),
        };
    }

    public string Issue(string userId, TimeSpan lifetime, params IEnumerable<Claim> claims)
    {
        var now = _time.GetUtcNow().UtcDateTime;
        var token = new JwtSecurityToken(
            issuer: _issuer,
            audience: _audience,
            claims: [new Claim(JwtRegisteredClaimNames.Sub, userId), .. claims],
            notBefore: now,
            expires: now.Add(lifetime),
            signingCredentials: _credentials);
        return _handler.WriteToken(token);
    }

    /// <summary>The user id of a valid token, or null for anything else (malformed, forged, expired, alg none, other audience).</summary>
    public string? Validate(string? token) => Read(token)?.UserId;

    /// <summary>A valid token's subject, session (claim <c>sid</c>, if any) and expiry; null for anything else.</summary>
    public ValidToken? Read(string? token)
    {
        if (string.IsNullOrWhiteSpace(token) || token.Length > 4096)
        {
            return null;
        }

        try
        {
            var principal = _handler.ValidateToken(token, _validation, out var validated);
            var subject = principal.FindFirst(JwtRegisteredClaimNames.Sub)?.Value;
            return string.IsNullOrEmpty(subject)
                ? null
                : new ValidToken(subject, principal.FindFirst(JwtRegisteredClaimNames.Sid)?.Value, new DateTimeOffset(validated.ValidTo, TimeSpan.Zero));
        }
        catch (Exception error) when (error is SecurityTokenException or ArgumentException or FormatException)
        {
            return null;
        }
    }

    // The handler's own lifetime check reads the system clock; this one reads the injected TimeProvider so
    // expiry is testable without waiting.
    private bool ValidLifetime(DateTime? notBefore, DateTime? expires, TimeSpan skew)
    {
        var now = _time.GetUtcNow().UtcDateTime;
        return expires is { } end && end.ToUniversalTime() + skew > now
            && (notBefore is null || notBefore.Value.ToUniversalTime() - skew <= now);
    }
}

/// <summary>What a valid token says: its user, its session (null for a token that names none) and when it expires.</summary>
public sealed record ValidToken(string UserId, string? SessionId, DateTimeOffset ExpiresAt);
