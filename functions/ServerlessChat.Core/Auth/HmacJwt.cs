using System.Collections.Concurrent;
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

    // Tokens that passed every check, with their lifetime. A client presents the same token on every request
    // until it expires, and the handler's checks cost about a third of a send's request handling; a hit checks
    // the lifetime again against the clock. Only valid tokens enter, so only their holders can fill it; it is
    // bounded and emptied when full.
    private const int MaxRemembered = 16_384;
    private readonly ConcurrentDictionary<string, Validated> _validated = new(StringComparer.Ordinal);

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

        if (_validated.TryGetValue(token, out var known))
        {
            return ValidLifetime(known.NotBefore, known.Token.ExpiresAt.UtcDateTime, _validation.ClockSkew) ? known.Token : null;
        }

        try
        {
            var principal = _handler.ValidateToken(token, _validation, out var validated);
            var subject = principal.FindFirst(JwtRegisteredClaimNames.Sub)?.Value;
            if (string.IsNullOrEmpty(subject))
            {
                return null;
            }

            if (_validated.Count >= MaxRemembered)
            {
                _validated.Clear();
            }

            // Whether its session still stands is not the token's to say: callers check that on every use.
            var valid = new ValidToken(subject, principal.FindFirst(JwtRegisteredClaimNames.Sid)?.Value, new DateTimeOffset(validated.ValidTo, TimeSpan.Zero));
            _validated[token] = new Validated(valid, validated.ValidFrom == DateTime.MinValue ? null : validated.ValidFrom);
            return valid;
        }
        catch (Exception error) when (error is SecurityTokenException or ArgumentException or FormatException)
        {
            return null;
        }
    }

    private sealed record Validated(ValidToken Token, DateTime? NotBefore);

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
