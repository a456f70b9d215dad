using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using ServerlessChat.Core.AzureSignalR;

namespace ServerlessChat.Standalone.LocalSignalRService;

/// <summary>
/// Delivers connection events to the upstream as Azure SignalR Service does in serverless mode: <c>POST</c> to the
/// expanded URL template with the <c>X-ASRS-*</c> headers, signed with the access key, and the serverless
/// protocol's JSON body (<c>{"type":10}</c> for connected, <c>{"type":11}</c> plus <c>"error"</c> when the
/// connection closed with one for disconnected). Events are sent in the background, so a slow upstream never
/// holds a client; a connection's disconnected event waits for its connected one, so they arrive in order.
/// </summary>
public sealed partial class LocalSignalRUpstream(
    IHttpClientFactory clients, IOptions<LocalSignalRServiceOptions> options, ILogger<LocalSignalRUpstream> logger)
{
    public const string HttpClientName = "LocalSignalRUpstream";
    public const string CategoryHeader = "X-ASRS-Category";
    public const string EventHeader = "X-ASRS-Event";
    public const string HubHeader = "X-ASRS-Hub";
    public const string ClientQueryHeader = "X-ASRS-Client-Query";

    /// <summary>The serverless protocol's message types for system events.</summary>
    public const int OpenConnectionType = 10;
    public const int CloseConnectionType = 11;

    private readonly ConcurrentDictionary<string, Task> _connected = new(StringComparer.Ordinal);

    public static string Expand(string template, string hub, string category, string @event) => template
        .Replace("{hub}", Uri.EscapeDataString(hub), StringComparison.OrdinalIgnoreCase)
        .Replace("{category}", Uri.EscapeDataString(category), StringComparison.OrdinalIgnoreCase)
        .Replace("{event}", Uri.EscapeDataString(@event), StringComparison.OrdinalIgnoreCase);

    public void Connected(string hub, string connectionId, string? userId, string? clientQuery, string? userClaims = null)
    {
        if (string.IsNullOrEmpty(options.Value.UpstreamUrl))
        {
            return;
        }

        var body = JsonSerializer.Serialize(new { type = OpenConnectionType });
        _connected[connectionId] = Task.Run(() => DeliverAsync(hub, AzureSignalRUpstream.ConnectedEvent, connectionId, userId, clientQuery, body, userClaims));
    }

    public void Disconnected(string hub, string connectionId, string? userId, string? clientQuery, string? error)
    {
        if (string.IsNullOrEmpty(options.Value.UpstreamUrl))
        {
            return;
        }

        _connected.TryRemove(connectionId, out var connected);
        var body = error is null
            ? JsonSerializer.Serialize(new { type = CloseConnectionType })
            : JsonSerializer.Serialize(new { type = CloseConnectionType, error });
        _ = Task.Run(async () =>
        {
            if (connected is not null)
            {
                await connected;
            }

            await DeliverAsync(hub, AzureSignalRUpstream.DisconnectedEvent, connectionId, userId, clientQuery, body);
        });
    }

    /// <summary>Never throws: an event that cannot be delivered is logged and dropped, as the service does.</summary>
    private async Task DeliverAsync(string hub, string @event, string connectionId, string? userId, string? clientQuery, string body, string? userClaims = null)
    {
        var settings = options.Value;
        var url = Expand(settings.UpstreamUrl!, hub, AzureSignalRUpstream.ConnectionsCategory, @event);
        var delay = TimeSpan.FromMilliseconds(settings.UpstreamRetryDelayMilliseconds);
        for (var attempt = 1; ; attempt++)
        {
            HttpStatusCode? status = null;
            Exception? failure = null;
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
                request.Headers.Add(AzureSignalRUpstream.ConnectionIdHeader, connectionId);
                request.Headers.Add(AzureSignalRUpstream.UserIdHeader, userId ?? string.Empty);
                request.Headers.Add(HubHeader, hub);
                request.Headers.Add(CategoryHeader, AzureSignalRUpstream.ConnectionsCategory);
                request.Headers.Add(EventHeader, @event);
                request.Headers.Add(UpstreamSignature.Header, UpstreamSignature.Compute(settings.AccessKey!, connectionId));
                if (!string.IsNullOrEmpty(userClaims))
                {
                    request.Headers.Add(AzureSignalRSessionConnections.ClaimsHeader, userClaims);
                }

                if (!string.IsNullOrEmpty(clientQuery))
                {
                    request.Headers.Add(ClientQueryHeader, LocalSignalRClientQuery.Forwardable(clientQuery));
                }

                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(settings.UpstreamTimeoutSeconds));
                using var response = await clients.CreateClient(HttpClientName).SendAsync(request, timeout.Token);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }

                status = response.StatusCode;
            }
            catch (Exception error) when (error is HttpRequestException or OperationCanceledException)
            {
                failure = error;
            }

            var retryable = status is null or HttpStatusCode.TooManyRequests or >= HttpStatusCode.InternalServerError;
            if (!retryable || attempt >= settings.UpstreamMaxAttempts)
            {
                LogUndelivered(logger, failure, @event, connectionId, attempt, status is { } code ? (int)code : null);
                return;
            }

            await Task.Delay(delay);
            delay *= 2;
        }
    }

    [LoggerMessage(LogLevel.Warning, "Upstream {Event} event of connection {ConnectionId} was not delivered after {Attempts} attempt(s), last status {Status}")]
    private static partial void LogUndelivered(ILogger logger, Exception? error, string @event, string connectionId, int attempts, int? status);
}
