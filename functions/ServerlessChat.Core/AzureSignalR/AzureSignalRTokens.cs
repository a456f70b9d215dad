using System.IdentityModel.Tokens.Jwt;
using System.Security.Claims;
using System.Text;
using Microsoft.IdentityModel.Tokens;

namespace ServerlessChat.Core.AzureSignalR;

/// <summary>
/// The HS256 tokens Azure SignalR Service takes when they are signed with its access key: REST calls (audience =
/// the request URL) and client connections (audience = the client URL, user id in <c>nameid</c>). Signing is
/// used by the Functions app, validation by the local stand-in, so both sides share one definition.
/// </summary>
public static class AzureSignalRTokens
{
    /// <summary>The claim the service and its SDKs put the user id in (ClaimTypes.NameIdentifier, shortened).</summary>
    public const string UserIdClaim = JwtRegisteredClaimNames.NameId;

    /// <summary>The service's own user id claim, which it also accepts on client tokens.</summary>
    public const string ServiceUserIdClaim = "asrs.s.uid";

    private static readonly TimeSpan ClockSkew = TimeSpan.FromSeconds(30);

    private static readonly JwtSecurityTokenHandler Handler = new() { MapInboundClaims = false, SetDefaultTimesOnTokenCreation = false };

    /// <summary>The claim naming the chat session a client connection belongs to; the service passes it to the upstream.</summary>
    public const string SessionClaim = "sid";

    public static string Sign(string accessKey, string audience, DateTimeOffset now, TimeSpan lifetime, string? userId = null, string? sessionId = null)
    {
        var credentials = new SigningCredentials(Key(accessKey), SecurityAlgorithms.HmacSha256);
        List<Claim> claims = [];
        if (userId is not null)
        {
            claims.Add(new Claim(UserIdClaim, userId));
        }

        if (sessionId is not null)
        {
            claims.Add(new Claim(SessionClaim, sessionId));
        }

        var token = new JwtSecurityToken(
            audience: audience,
            claims: claims.Count == 0 ? null : claims,
            notBefore: null,
            expires: now.UtcDateTime.Add(lifetime),
            signingCredentials: credentials);
        return Handler.WriteToken(token);
    }

    /// <summary>
    /// Validates a token signed with <paramref name="accessKey"/> whose audience is one of
    /// <paramref name="audiences"/> (compared as URLs, see <see cref="SameUrl"/>). Returns the principal, or
    /// null for a missing, malformed, tampered, expired or misaddressed token.
    /// </summary>
    public static ClaimsPrincipal? Validate(string? token, string accessKey, IReadOnlyCollection<string> audiences, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(token) || token.Length > 8192)
        {
            return null;
        }

        var parameters = new TokenValidationParameters
        {
            IssuerSigningKey = Key(accessKey),
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
            ValidateIssuer = false,
            ValidateAudience = true,
            AudienceValidator = (tokenAudiences, _, _) => tokenAudiences.Any(a => audiences.Any(expected => SameUrl(a, expected))),
            RequireExpirationTime = true,
            RequireSignedTokens = true,
            ValidateIssuerSigningKey = true,
            ValidateLifetime = true,
            // The handler's own check reads the system clock; this one reads the caller's, so expiry is testable.
            LifetimeValidator = (notBefore, expires, _, _) =>
                expires is { } end && end.ToUniversalTime() + ClockSkew > now.UtcDateTime
                && (notBefore is null || notBefore.Value.ToUniversalTime() - ClockSkew <= now.UtcDateTime),
        };
        try
        {
            return Handler.ValidateToken(token, parameters, out _);
        }
        catch (Exception error) when (error is SecurityTokenException or ArgumentException or FormatException)
        {
            return null;
        }
    }

    /// <summary>The user id of a client token: <c>nameid</c>, else <c>asrs.s.uid</c>.</summary>
    public static string? UserIdOf(ClaimsPrincipal principal) =>
        principal.FindFirst(UserIdClaim)?.Value is { Length: > 0 } nameId ? nameId
        : principal.FindFirst(ServiceUserIdClaim)?.Value is { Length: > 0 } uid ? uid
        : null;

    /// <summary>
    /// URLs compared the way the service does: scheme, host and port case-insensitively, the path without a
    /// trailing slash (<c>/client/?hub=chat</c> and <c>/client?hub=chat</c> name the same endpoint), the query exactly.
    /// </summary>
    public static bool SameUrl(string? left, string? right)
    {
        if (!Uri.TryCreate(left, UriKind.Absolute, out var a) || !Uri.TryCreate(right, UriKind.Absolute, out var b))
        {
            return false;
        }

        return Uri.Compare(a, b, UriComponents.SchemeAndServer, UriFormat.UriEscaped, StringComparison.OrdinalIgnoreCase) == 0
            && string.Equals(a.AbsolutePath.TrimEnd('/'), b.AbsolutePath.TrimEnd('/'), StringComparison.Ordinal)
            && string.Equals(a.Query, b.Query, StringComparison.Ordinal);
    }

    private static SymmetricSecurityKey Key(string accessKey) => new(Encoding.UTF8.GetBytes(accessKey));
}
