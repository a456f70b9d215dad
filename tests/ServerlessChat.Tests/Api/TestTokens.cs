using System.IdentityModel.Tokens.Jwt;
using System.Security.Claims;
using System.Text;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.IdentityModel.Tokens;
using ServerlessChat.Tests.Infrastructure;

namespace ServerlessChat.Tests.Api;

/// <summary>Hand-made access tokens for the hostile-token tests: each differs from a real one in exactly one way.</summary>
public static class TestTokens
{
    // The defaults of AuthOptions, which the test hosts do not override.
    public const string Issuer = "serverlesschat";
    public const string Audience = "serverlesschat-clients";

    public static string Create(
        string userId,
        string signingKey = StandaloneHost.TestSigningKey,
        string issuer = Issuer,
        string audience = Audience,
        DateTime? notBefore = null,
        DateTime? expires = null)
    {
        var now = DateTime.UtcNow;
        var credentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(signingKey)), SecurityAlgorithms.HmacSha256);
        var token = new JwtSecurityToken(
            issuer,
            audience,
            [new Claim(JwtRegisteredClaimNames.Sub, userId)],
            notBefore ?? now.AddMinutes(-1),
            expires ?? now.AddMinutes(10),
            credentials);
        return new JwtSecurityTokenHandler().WriteToken(token);
    }

    /// <summary>An unsigned token ("alg": "none") that is otherwise valid.</summary>
    public static string Unsigned(string userId)
    {
        var now = DateTimeOffset.UtcNow;
        var header = """{"alg":"none","typ":"JWT"}""";
        var payload = $$"""{"sub":"{{userId}}","iss":"{{Issuer}}","aud":"{{Audience}}","nbf":{{now.AddMinutes(-1).ToUnixTimeSeconds()}},"exp":{{now.AddMinutes(10).ToUnixTimeSeconds()}}}""";
        return $"{Encode(header)}.{Encode(payload)}.";
    }

    private static string Encode(string json) => WebEncoders.Base64UrlEncode(Encoding.UTF8.GetBytes(json));
}
