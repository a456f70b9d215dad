using System.ComponentModel.DataAnnotations;

namespace ServerlessChat.Core.Auth.External;

/// <summary>An external OpenID Connect issuer whose access tokens are accepted as bearers (<c>Auth:External</c>).</summary>
public sealed class ExternalAuthOptions : IValidatableObject
{
    public const string Section = "Auth:External";

    /// <summary>The issuer (its discovery document is at <c>/.well-known/openid-configuration</c> below it); unset turns this off.</summary>
    public string? Authority { get; set; }

    /// <summary>The <c>aud</c> its access tokens must carry for this API.</summary>
    public string? Audience { get; set; }

    /// <summary>The claim that identifies the user at the issuer (Entra ID apps use <c>oid</c>).</summary>
    [Required]
    public string SubjectClaim { get; set; } = "sub";

    /// <summary>Off only for a local issuer (tests, development): the discovery document and keys are then fetched over http too.</summary>
    public bool RequireHttpsMetadata { get; set; } = true;

    public bool Enabled => !string.IsNullOrWhiteSpace(Authority);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext) =>
        OidcIssuer.Validate("Auth:External", Authority, Audience, RequireHttpsMetadata);
}
