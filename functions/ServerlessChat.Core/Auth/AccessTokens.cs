using System.IdentityModel.Tokens.Jwt;
using System.Security.Claims;
using System.Text;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace ServerlessChat.Core.Auth;

/// <summary>Issues and validates the HS256 access tokens; nothing else in the code base touches JWTs of ours.</summary>
public sealed class AccessTokens
{
    private readonly JwtSecurityTokenHandler _handler = new() { MapInboundClaims = false };
    private readonly AuthOptions _options;
    private readonly SigningCredentials _credentials;
    private readonly TokenValidationParameters _validation;
    private readonly TimeProvider _time;

    public AccessTokens(IOptions<AuthOptions> options, TimeProvider time)
    {
        _options = options.Value;
        _time = time;
        var key = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(_options.JwtSigningKey!));
        _credentials = new SigningCredentials(key, SecurityAlgorithms.HmacSha256);
        _validation = new TokenValidationParameters
        {
            ValidIssuer = _options.Issuer,
            ValidAudience = _options.Audience,
            IssuerSigningKey = key,
            // Only HS256: an "alg": "none" token or one signed some other way never validates.
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
            ValidateIssuer = true,
            ValidateAudience = true,
            ValidateLifetime = true,
            RequireExpirationTime = true,
            RequireSignedTokens = true,
            ValidateIssuerSigningKey = true,
            ClockSkew = TimeSpan.FromSeconds(_options.ClockSkewSeconds),
            LifetimeValidator = (notBefore, expires, _, parameters) => ValidLifetime(notBefore, expires, parameters.ClockSkew),
        };
    }

    public TimeSpan Lifetime => TimeSpan.FromMinutes(_options.AccessTokenMinutes);

    public string Issue(string userId, string username)
    {
        var now = _time.GetUtcNow().UtcDateTime;
        var token = new JwtSecurityToken(
            issuer: _options.Issuer,
            audience: _options.Audience,
            claims:
            [
                new Claim(JwtRegisteredClaimNames.Sub, userId),
                new Claim(JwtRegisteredClaimNames.UniqueName, username),
                new Claim(JwtRegisteredClaimNames.Jti, Guid.NewGuid().ToString("N")),
            ],
            notBefore: now,
            expires: now.Add(Lifetime),
            signingCredentials: _credentials);
        return _handler.WriteToken(token);
    }

    /// <summary>The user id of a valid token, or null for anything else (malformed, forged, expired, alg none).</summary>
    public string? Validate(string? token)
    {
        if (string.IsNullOrWhiteSpace(token) || token.Length > 4096)
        {
            return null;
        }

        try
        {
            var principal = _handler.ValidateToken(token, _validation, out _);
            var subject = principal.FindFirst(JwtRegisteredClaimNames.Sub)?.Value;
            return string.IsNullOrEmpty(subject) ? null : subject;
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
