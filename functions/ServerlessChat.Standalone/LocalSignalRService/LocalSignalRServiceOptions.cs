using System.ComponentModel.DataAnnotations;
using System.Text;
using ServerlessChat.Core.AzureSignalR;

namespace ServerlessChat.Standalone.LocalSignalRService;

/// <summary>
/// Turns this host into a local Azure SignalR Service (serverless mode) for the Functions app: set
/// <c>LocalSignalRService:AccessKey</c> and give the Functions app <c>Endpoint=http://localhost:7071;AccessKey=&lt;same key&gt;;Version=1.0;</c>;
/// set <c>LocalSignalRService:UpstreamUrl</c> to where the Functions app takes connection events.
/// </summary>
public sealed class LocalSignalRServiceOptions : IValidatableObject
{
    public const string Section = "LocalSignalRService";

    public string? AccessKey { get; set; }

    /// <summary>
    /// The upstream URL template, as in the service's upstream settings: <c>{hub}</c>, <c>{category}</c> and
    /// <c>{event}</c> are filled in per event, e.g. <c>http://localhost:7072/api/signalr/{hub}/{category}/{event}</c>.
    /// Empty: no upstream, so connection events go nowhere (as with a service that has none configured).
    /// </summary>
    public string? UpstreamUrl { get; set; }

    /// <summary>Attempts per upstream event; transport errors, timeouts, 429 and 5xx are retried, other answers are final.</summary>
    [Range(1, 10)]
    public int UpstreamMaxAttempts { get; set; } = 4;

    /// <summary>The wait before the first retry; it doubles for each further one.</summary>
    [Range(1, 60_000)]
    public int UpstreamRetryDelayMilliseconds { get; set; } = 1_000;

    [Range(1, 300)]
    public int UpstreamTimeoutSeconds { get; set; } = 20;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (string.IsNullOrEmpty(AccessKey) || Encoding.UTF8.GetByteCount(AccessKey) < AzureSignalRConnectionString.MinimumAccessKeyBytes)
        {
            yield return new ValidationResult(
                $"LocalSignalRService:AccessKey must be at least {AzureSignalRConnectionString.MinimumAccessKeyBytes} bytes (HS256).", [nameof(AccessKey)]);
        }

        if (!string.IsNullOrEmpty(UpstreamUrl)
            && (!Uri.TryCreate(LocalSignalRUpstream.Expand(UpstreamUrl, "hub", "category", "event"), UriKind.Absolute, out var url)
                || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps)))
        {
            yield return new ValidationResult(
                "LocalSignalRService:UpstreamUrl must be an absolute http(s) URL template, e.g. http://localhost:7072/api/signalr/{hub}/{category}/{event}.", [nameof(UpstreamUrl)]);
        }
    }
}
