using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;

namespace ServerlessChat.Core.Events;

/// <summary>
/// One <c>Events:Webhooks</c> receiver: a POST per event (CloudEvents structured JSON), signed per Standard
/// Webhooks. Only a 2xx answer counts; a redirect is a failure (the client never follows one), the answer's
/// body is never read, and the named client's timeout bounds each attempt.
/// </summary>
internal sealed partial class WebhookSink : IEventSink
{
    public const string HttpClientName = "ChatWebhooks";

    private readonly IHttpClientFactory _clients;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Uri _url;
    private readonly byte[] _key;
    private readonly HashSet<string>? _types;

    public WebhookSink(WebhookOptions options, IHttpClientFactory clients, TimeProvider time, ILogger logger)
    {
        _clients = clients;
        _time = time;
        _logger = logger;
        _url = new Uri(options.Url!);
        WebhookSignature.TryParseSecret(options.Secret, out _key);
        _types = options.Types is { Count: > 0 } types ? new HashSet<string>(types, StringComparer.Ordinal) : null;
        // The URL names the consumer, not the secret: rotating a secret keeps the position.
        Name = "webhook:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(_url.AbsoluteUri)))[..16];
    }

    public string Name { get; }

    public bool Accepts(string type) => _types is null || _types.Contains(type);

    public async Task<int> DeliverAsync(IReadOnlyList<ChatCloudEvent> events, CancellationToken ct)
    {
        var client = _clients.CreateClient(HttpClientName);
        for (var i = 0; i < events.Count; i++)
        {
            using var request = WebhookSignature.SignedPost(_url, _key, events[i].Id, _time.GetUtcNow(), events[i].ToJson(), ChatCloudEvent.ContentType);
            try
            {
                using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
                if (!response.IsSuccessStatusCode)
                {
                    LogRefused(_logger, Name, events[i].Type, (int)response.StatusCode);
                    return i;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
            {
                LogUnreachable(_logger, Name, events[i].Type, ex.GetType().Name);
                return i;
            }
        }
        return events.Count;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Webhook {Consumer} answered {Status} to a {Type} event; it is retried")]
    private static partial void LogRefused(ILogger logger, string consumer, string type, int status);

    [LoggerMessage(Level = LogLevel.Information, Message = "Webhook {Consumer} was not reached with a {Type} event ({Error}); it is retried")]
    private static partial void LogUnreachable(ILogger logger, string consumer, string type, string error);
}
