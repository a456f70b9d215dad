using System.ComponentModel.DataAnnotations;

namespace ServerlessChat.Core.Assistant;

/// <summary>The AI assistant. Without an <see cref="Endpoint"/> the feature is off and nothing of it runs.</summary>
public sealed class AssistantOptions : IValidatableObject
{
    public const string Section = "Assistant";

    /// <summary>The Azure OpenAI resource, e.g. https://name.openai.azure.com/.</summary>
    public string? Endpoint { get; set; }

    /// <summary>The model deployment that answers.</summary>
    public string? Deployment { get; set; }

    /// <summary>When absent the app authenticates as itself (managed identity) through DefaultAzureCredential.</summary>
    public string? ApiKey { get; set; }

    /// <summary>The client id of a user-assigned managed identity, for DefaultAzureCredential; unset for a system-assigned one or a developer login.</summary>
    public string? ManagedIdentityClientId { get; set; }

    [Required, StringLength(4000, MinimumLength = 1)]
    public string SystemPrompt { get; set; } =
        "You are the ServerlessChat assistant, a friendly and concise chat partner. Answer in plain text without " +
        "Markdown, in the language the user writes in, and keep answers short enough to read in a chat window.";

    /// <summary>How many of the latest messages of the conversation the model sees.</summary>
    [Range(1, 100)]
    public int ContextMessages { get; set; } = 20;

    [Range(16, 16_384)]
    public int MaxOutputTokens { get; set; } = 512;

    /// <summary>The longest one model request may take before it counts as failed and is retried.</summary>
    [Range(1, 600)]
    public int RequestTimeoutSeconds { get; set; } = 60;

    /// <summary>Model requests per job, the first included; timeouts, 429 and 5xx are retried.</summary>
    [Range(1, 10)]
    public int MaxAttempts { get; set; } = 4;

    /// <summary>The first backoff; each retry doubles it (with jitter). A 429's Retry-After wins when longer.</summary>
    [Range(0, 60_000)]
    public int RetryBaseDelayMilliseconds { get; set; } = 1000;

    /// <summary>The longest a Retry-After is honoured; beyond it the job would hold a worker too long.</summary>
    [Range(1, 300)]
    public int MaxRetryAfterSeconds { get; set; } = 30;

    [Range(1, 10_000)]
    public int PerUserRequestsPerMinute { get; set; } = 10;

    [Required, RegularExpression("^[A-Za-z0-9_.-]{3,32}$")]
    public string Username { get; set; } = "assistant";

    [Required, StringLength(64, MinimumLength = 1)]
    public string DisplayName { get; set; } = "Assistant";

    public bool Enabled => !string.IsNullOrWhiteSpace(Endpoint);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Enabled)
        {
            yield break;
        }

        if (!Uri.TryCreate(Endpoint, UriKind.Absolute, out var endpoint) || (endpoint.Scheme != Uri.UriSchemeHttps && endpoint.Scheme != Uri.UriSchemeHttp))
        {
            yield return new ValidationResult("Assistant:Endpoint must be an absolute http(s) URI.", [nameof(Endpoint)]);
        }

        if (string.IsNullOrWhiteSpace(Deployment))
        {
            yield return new ValidationResult("Assistant:Deployment is required when Assistant:Endpoint is set.", [nameof(Deployment)]);
        }
    }
}
