using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace ServerlessChat.Core.Events;

/// <summary>Events out (webhooks, Event Grid) and the before-send hook: the "Events" section.</summary>
public sealed class EventsOptions
{
    public const string Section = "Events";

    /// <summary>Receivers of every change as a signed CloudEvent (Standard Webhooks).</summary>
    public List<WebhookOptions> Webhooks { get; set; } = [];

    /// <summary>An Event Grid topic (CloudEvents input schema) published to with the app's managed identity.</summary>
    public string? EventGridTopicEndpoint { get; set; }

    /// <summary>The client id of a user-assigned managed identity for Event Grid; unset for a system-assigned one or a developer login.</summary>
    public string? ManagedIdentityClientId { get; set; }

    /// <summary>The CloudEvents <c>source</c> of every event.</summary>
    [Required]
    public string Source { get; set; } = "/serverlesschat";

    /// <summary>How long an event that a receiver keeps refusing is retried before it is dropped (and counted).</summary>
    [Range(1, 168)]
    public int RetryHours { get; set; } = 24;

    /// <summary>The first retry's delay; each later one doubles it, up to an hour.</summary>
    [Range(10, 600_000)]
    public int RetryBaseMilliseconds { get; set; } = 1000;

    /// <summary>How long one webhook delivery may take (connect, send, answer headers).</summary>
    [Range(100, 60_000)]
    public int DeliveryTimeoutMilliseconds { get; set; } = 10_000;

    /// <summary>How often the dispatcher looks at the change log when it found nothing to deliver.</summary>
    [Range(20, 60_000)]
    public int PollMilliseconds { get; set; } = 200;

    public BeforeSendOptions BeforeSend { get; set; } = new();
}

public sealed class WebhookOptions
{
    [Required]
    public string? Url { get; set; }

    /// <summary><c>whsec_</c> + base64 of the signing key (24 to 64 bytes), as Standard Webhooks libraries take it.</summary>
    [Required]
    public string? Secret { get; set; }

    /// <summary>Event types this receiver takes; all when empty.</summary>
    public List<string>? Types { get; set; }
}

public sealed class BeforeSendOptions
{
    public string? Url { get; set; }

    public string? Secret { get; set; }

    [Range(50, 30_000)]
    public int TimeoutMilliseconds { get; set; } = 1000;

    /// <summary>True: a hook that fails or times out lets the message through; false: the send answers 503.</summary>
    public bool FailOpen { get; set; } = true;
}

/// <summary>What data annotations cannot say: absolute http(s) URLs, secrets in the Standard Webhooks form, known types.</summary>
internal sealed class EventsOptionsValidator : IValidateOptions<EventsOptions>
{
    public ValidateOptionsResult Validate(string? name, EventsOptions options)
    {
        var errors = new List<string>();
        for (var i = 0; i < options.Webhooks.Count; i++)
        {
            var hook = options.Webhooks[i];
            if (!IsHttpUrl(hook.Url))
            {
                errors.Add($"Events:Webhooks:{i}:Url must be an absolute http or https URL.");
            }
            if (!WebhookSignature.TryParseSecret(hook.Secret, out _))
            {
                errors.Add($"Events:Webhooks:{i}:Secret must be whsec_ followed by the base64 of a 24 to 64 byte key.");
            }
            foreach (var type in hook.Types ?? [])
            {
                if (!ChatEventTypes.All.Contains(type))
                {
                    errors.Add($"Events:Webhooks:{i}:Types: '{type}' is not an event type (use {string.Join(", ", ChatEventTypes.All)}).");
                }
            }
        }
        if (options.Webhooks.Select(h => h.Url).Distinct(StringComparer.Ordinal).Count() != options.Webhooks.Count)
        {
            errors.Add("Events:Webhooks: each URL may appear once.");
        }
        if (options.EventGridTopicEndpoint is { Length: > 0 } topic && !IsHttpUrl(topic))
        {
            errors.Add("Events:EventGridTopicEndpoint must be an absolute https URL.");
        }
        if (options.BeforeSend.Url is { Length: > 0 } url)
        {
            if (!IsHttpUrl(url))
            {
                errors.Add("Events:BeforeSend:Url must be an absolute http or https URL.");
            }
            if (!WebhookSignature.TryParseSecret(options.BeforeSend.Secret, out _))
            {
                errors.Add("Events:BeforeSend:Secret must be whsec_ followed by the base64 of a 24 to 64 byte key.");
            }
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static bool IsHttpUrl(string? text) =>
        Uri.TryCreate(text, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp) && uri.UserInfo.Length == 0;
}
