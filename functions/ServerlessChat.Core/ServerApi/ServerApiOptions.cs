using System.ComponentModel.DataAnnotations;

namespace ServerlessChat.Core.ServerApi;

/// <summary>The server API's credentials (<c>Admin</c>): API keys stored as hashes only.</summary>
public sealed class ServerApiOptions : IValidatableObject
{
    public const string Section = "Admin";

    /// <summary>Each key's name (the audit log's actor) and the lowercase hex SHA-256 of its UTF-8.</summary>
    public List<ServerApiKeyOptions> ApiKeys { get; set; } = [];

    /// <summary>Server API calls per minute per key.</summary>
    [Range(1, 1_000_000)]
    public int PermitsPerMinute { get; set; } = 6000;

    /// <summary>Microsoft Entra app-only tokens (<c>idtyp: app</c>) with the app role <c>Chat.Admin</c> open the server API too.</summary>
    public ServerApiEntraOptions Entra { get; set; } = new();

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var problem in Auth.External.OidcIssuer.Validate("Admin:Entra", Entra.Authority, Entra.Audience, Entra.RequireHttpsMetadata))
        {
            yield return problem;
        }
        for (var i = 0; i < ApiKeys.Count; i++)
        {
            var key = ApiKeys[i];
            if (string.IsNullOrWhiteSpace(key.Name) || key.Name.Length > 64)
            {
                yield return new ValidationResult($"Admin:ApiKeys:{i}:Name must be 1 to 64 characters.", [nameof(ApiKeys)]);
            }
            if (key.Sha256 is not { Length: 64 } hash || !hash.All(char.IsAsciiHexDigitLower))
            {
                yield return new ValidationResult($"Admin:ApiKeys:{i}:Sha256 must be the 64 lowercase hex digits of the key's SHA-256.", [nameof(ApiKeys)]);
            }
        }
        if (ApiKeys.Select(k => k.Name).Distinct(StringComparer.Ordinal).Count() != ApiKeys.Count)
        {
            yield return new ValidationResult("Admin:ApiKeys names must be unique.", [nameof(ApiKeys)]);
        }
    }
}

public sealed class ServerApiKeyOptions
{
    public string Name { get; set; } = "";

    public string Sha256 { get; set; } = "";
}

public sealed class ServerApiEntraOptions
{
    /// <summary><c>https://login.microsoftonline.com/&lt;tenant&gt;/v2.0</c>; unset turns Entra tokens off.</summary>
    public string? Authority { get; set; }

    /// <summary>The chat API's app registration: its Application ID URI or client id.</summary>
    public string? Audience { get; set; }

    public bool RequireHttpsMetadata { get; set; } = true;
}
