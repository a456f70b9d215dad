using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace ServerlessChat.Core.Auth.External;

/// <summary>
/// One OpenID Connect issuer's access tokens: its discovery document and signing keys (JWKS) fetched, cached and
/// refreshed when a token names a key it does not know (a rotation), at most once a minute, and each token's
/// issuer, audience, lifetime and signature (RS256 or ES256) checked. Used for users' tokens (<c>Auth:External</c>)
/// and the server API's Entra app tokens (<c>Admin:Entra</c>).
/// </summary>
public sealed class OidcIssuer
{
    private static readonly string[] Algorithms = [SecurityAlgorithms.RsaSha256, SecurityAlgorithms.EcdsaSha256];

    // Keys are read again this often anyway, and at most this often when a token names an unknown one.
    private static readonly TimeSpan RefreshAfter = TimeSpan.FromHours(12);
    private static readonly TimeSpan LeastBetweenForcedRefreshes = TimeSpan.FromMinutes(1);

    private readonly string _metadataAddress;
    private readonly HttpDocumentRetriever _documents;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false };
    private readonly string _audience;
    private readonly TimeSpan _clockSkew;
    private readonly TimeProvider _time;
    private volatile OpenIdConnectConfiguration? _current;
    private DateTimeOffset _fetchedAt;
    private DateTimeOffset _forcedAt = DateTimeOffset.MinValue;

    public OidcIssuer(string authority, string audience, bool requireHttps, HttpClient http, TimeSpan clockSkew, TimeProvider? time = null)
    {
        _audience = audience;
        _clockSkew = clockSkew;
        _time = time ?? TimeProvider.System;
        _metadataAddress = authority.TrimEnd('/') + "/.well-known/openid-configuration";
        _documents = new HttpDocumentRetriever(http) { RequireHttps = requireHttps };
    }

    /// <summary>The token's claims when it is valid, else why not (never an exception: a bad token is a 401).</summary>
    public async Task<OidcValidation> ValidateAsync(string token, CancellationToken ct)
    {
        if (!_handler.CanReadToken(token))
        {
            return new(null, "unreadable");
        }

        var result = await ValidateOnceAsync(token, await ConfigurationAsync(force: false, ct));
        if (result is { IsValid: false, Exception: SecurityTokenSignatureKeyNotFoundException })
        {
            // A key the cached JWKS lacks: the issuer may have rotated. Read it again, unless that happened within
            // the last minute, so tokens with made-up key ids cannot make us hammer the issuer.
            var refreshed = await ConfigurationAsync(force: true, ct);
            result = await ValidateOnceAsync(token, refreshed);
        }

        // The kind of failure only: IdentityModel's messages may quote the token.
        return result.IsValid ? new(result.ClaimsIdentity, null) : new(null, result.Exception?.GetType().Name ?? "unknown");
    }

    /// <summary>The discovery document with its keys: cached, fetched again after a while or when forced (at most once a minute).</summary>
    private async Task<OpenIdConnectConfiguration> ConfigurationAsync(bool force, CancellationToken ct)
    {
        var current = _current;
        if (current is not null && !force && _time.GetUtcNow() - _fetchedAt < RefreshAfter)
        {
            return current;
        }

        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var now = _time.GetUtcNow();
            if (force ? now - _forcedAt < LeastBetweenForcedRefreshes : _current is not null && now - _fetchedAt < RefreshAfter)
            {
                // Forced within the last minute (perhaps by a request this one waited for), or fetched meanwhile.
                return _current!;
            }

            try
            {
                _current = await OpenIdConnectConfigurationRetriever.GetAsync(_metadataAddress, _documents, ct).ConfigureAwait(false);
            }
            catch (Exception) when (_current is not null && !ct.IsCancellationRequested)
            {
                // The issuer is unreachable: keep the keys we have and try again on a later request.
                _fetchedAt = now - RefreshAfter + LeastBetweenForcedRefreshes;
                return _current;
            }
            _fetchedAt = now;
            if (force)
            {
                _forcedAt = now;
            }
            return _current;
        }
        finally
        {
            _gate.Release();
        }
    }

    private Task<TokenValidationResult> ValidateOnceAsync(string token, OpenIdConnectConfiguration configuration)
    {
        return _handler.ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuer = configuration.Issuer,
            ValidAudience = _audience,
            IssuerSigningKeys = configuration.SigningKeys,
            ValidAlgorithms = Algorithms,
            RequireSignedTokens = true,
            RequireExpirationTime = true,
            ValidateLifetime = true,
            ClockSkew = _clockSkew,
        });
    }

    /// <summary>Options shared by both uses: an absolute authority (https unless allowed otherwise) and an audience.</summary>
    public static IEnumerable<ValidationResult> Validate(string section, string? authority, string? audience, bool requireHttps)
    {
        if (string.IsNullOrWhiteSpace(authority))
        {
            yield break;
        }
        if (!Uri.TryCreate(authority, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && (requireHttps || uri.Scheme != Uri.UriSchemeHttp)))
        {
            yield return new ValidationResult($"{section}:Authority must be an absolute https URL (http only with RequireHttpsMetadata false).", ["Authority"]);
        }
        if (string.IsNullOrWhiteSpace(audience))
        {
            yield return new ValidationResult($"{section}:Audience must be set with {section}:Authority.", ["Audience"]);
        }
    }
}

/// <summary>A token's claims, or, when it was refused, the kind of failure (an exception type name, never its message).</summary>
public readonly record struct OidcValidation(ClaimsIdentity? Identity, string? Refusal);
