using System.IdentityModel.Tokens.Jwt;
using System.Security.Claims;
using Microsoft.Extensions.Options;

namespace ServerlessChat.Core.Auth;

/// <summary>The API's access tokens: audience Auth:Audience, lifetime Auth:AccessTokenMinutes.</summary>
public sealed class AccessTokens(IOptions<AuthOptions> options, TimeProvider time)
{
    private readonly HmacJwt _jwt = new(options.Value, options.Value.Audience, time);

    public TimeSpan Lifetime { get; } = TimeSpan.FromMinutes(options.Value.AccessTokenMinutes);

    /// <summary>An access token of session <paramref name="sessionId"/> (claim <c>sid</c>), which ends with it.</summary>
    public string Issue(string userId, string username, string? sessionId = null) =>
        _jwt.Issue(userId, Lifetime,
            [
                new Claim(JwtRegisteredClaimNames.UniqueName, username),
                new Claim(JwtRegisteredClaimNames.Jti, Guid.NewGuid().ToString("N")),
                .. sessionId is null ? Array.Empty<Claim>() : [new Claim(JwtRegisteredClaimNames.Sid, sessionId)],
            ]);

    /// <summary>The user id of a valid access token, or null for anything else.</summary>
    public string? Validate(string? token) => _jwt.Validate(token);

    /// <summary>A valid access token's user and session, or null for anything else.</summary>
    public ValidToken? Read(string? token) => _jwt.Read(token);
}
