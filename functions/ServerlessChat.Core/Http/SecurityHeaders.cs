using Azure.Storage.Blobs;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ServerlessChat.Core.Attachments;

namespace ServerlessChat.Core.Http;

/// <summary>
/// Headers every response carries: never sniffed, never framed (<c>frame-ancestors 'none'</c> and
/// <c>X-Frame-Options: DENY</c> for older browsers), and no Referer leaving the app (the reset page's URL held its
/// token). API answers and blob URLs are also never cached; the web client's files get its strict
/// Content-Security-Policy (<see cref="WebClientPolicy"/>).
/// </summary>
public static class SecurityHeaders
{
    /// <summary>For answers that are data, not documents: nothing may load from them or frame them.</summary>
    public const string FramingPolicy = "frame-ancestors 'none'";

    public static void Apply(HttpResponse response)
    {
        ApplyCommon(response, FramingPolicy);
        response.Headers.CacheControl = "no-store";
    }

    /// <summary>
    /// The web client's policy: its own scripts, styles, images and workers only, never inline ones (the client
    /// has none) nor eval; connections to this origin (the API, and the SignalR hub over WebSockets, which
    /// browsers match to 'self' too) and, when attachments live in Azure Blob Storage, to that origin for
    /// uploads and downloads; <paramref name="extraSources"/> for an API elsewhere (config.json's apiBase) and
    /// its SignalR Service.
    /// </summary>
    public static string WebClientPolicy(IReadOnlyList<string> extraSources)
    {
        var extra = extraSources.Count == 0 ? "" : " " + string.Join(' ', extraSources);
        return "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'" + extra + "; media-src 'self'" + extra +
            "; connect-src 'self'" + extra + "; font-src 'self'; worker-src 'self'; manifest-src 'self'; object-src 'none'" +
            "; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
    }

    /// <summary>
    /// Gives every response that has no policy of its own (the web client's files, the host's 404s) the headers
    /// above with the web client's policy. Call after UseChatErrors (whose callback then runs later and keeps it)
    /// and before the static files.
    /// </summary>
    public static IApplicationBuilder UseWebClientSecurityHeaders(this IApplicationBuilder app)
    {
        var attachments = app.ApplicationServices.GetRequiredService<IOptions<AttachmentOptions>>().Value;
        var policy = WebClientPolicy([.. BlobOrigins(attachments), .. app.ApplicationServices.GetRequiredService<IOptions<WebClientOptions>>().Value.ConnectSources]);
        return app.Use((context, next) =>
        {
            context.Response.OnStarting(() =>
            {
                // An API answer has set its own already (ChatEndpoint, ChatProblems); this one keeps it.
                ApplyCommon(context.Response, policy);
                return Task.CompletedTask;
            });
            return next(context);
        });
    }

    /// <summary>The Blob Storage origin attachments are uploaded to and downloaded from, when it is not this host.</summary>
    public static IEnumerable<string> BlobOrigins(AttachmentOptions options)
    {
        if (options.Provider != AttachmentProvider.AzureBlob)
        {
            yield break;
        }
        Uri? endpoint = null;
        if (!string.IsNullOrWhiteSpace(options.BlobServiceUri))
        {
            endpoint = new Uri(options.BlobServiceUri);
        }
        else if (!string.IsNullOrWhiteSpace(options.BlobConnectionString))
        {
            endpoint = new BlobServiceClient(options.BlobConnectionString).Uri;
        }
        if (endpoint is not null)
        {
            yield return endpoint.GetLeftPart(UriPartial.Authority);
        }
    }

    private static void ApplyCommon(HttpResponse response, string policy)
    {
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers.XFrameOptions = "DENY";
        response.Headers["Referrer-Policy"] = "no-referrer";
        // The first policy set wins: the web client's files get theirs before the catch-all of UseChatErrors runs.
        if (!response.Headers.ContainsKey(Microsoft.Net.Http.Headers.HeaderNames.ContentSecurityPolicy))
        {
            response.Headers.ContentSecurityPolicy = policy;
        }
    }
}

/// <summary>The standalone host's web client.</summary>
public sealed class WebClientOptions : System.ComponentModel.DataAnnotations.IValidatableObject
{
    public const string Section = "WebClient";

    /// <summary>
    /// Origins the web client may also connect to and load images and media from (its Content-Security-Policy),
    /// e.g. a Functions app named by config.json's apiBase and its SignalR Service
    /// (<c>https://chat-func.azurewebsites.net</c>, <c>https://chat.service.signalr.net</c>, <c>wss://chat.service.signalr.net</c>).
    /// </summary>
    public List<string> ConnectSources { get; set; } = [];

    public IEnumerable<System.ComponentModel.DataAnnotations.ValidationResult> Validate(System.ComponentModel.DataAnnotations.ValidationContext validationContext)
    {
        foreach (var source in ConnectSources)
        {
            if (!Uri.TryCreate(source, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http" or "wss" or "ws")
                || uri.GetLeftPart(UriPartial.Authority) != source.TrimEnd('/'))
            {
                yield return new(
                    $"WebClient:ConnectSources has '{source}': give origins only, such as https://chat.service.signalr.net or wss://chat.service.signalr.net.",
                    [nameof(ConnectSources)]);
            }
        }
    }
}
