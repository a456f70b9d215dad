using System.IdentityModel.Tokens.Jwt;
using System.Security.Claims;
using Microsoft.Extensions.Options;

namespace ServerlessChat.Core.Auth;

/// <summary>The API's access tokens: audience Auth:Audience, lifetime Auth:AccessTokenMinutes.</summary>
public sealed class AccessTokens(IOptions<AuthOptions> options, TimeProvider time)
{
    private readonly HmacJwt _jwt = new(options.Value, options.Value.Audience, time);

    public TimeSpan Lifetime { get; } = TimeSpan.FromMinutes(options.Value.AccessTokenMinutes);

    public string Issue(string userId, string username) =>
        _jwt.Issue(userId, Lifetime,
            new Claim(JwtRegisteredClaimNames.UniqueName, username),
            new Claim(JwtRegisteredClaimNames.Jti, Guid.NewGuid().ToString("N")));

    /// <summary>The user id of a valid access token, or null for anything else.</summary>
    public string? Validate(string? token) => _jwt.Validate(token);
}
