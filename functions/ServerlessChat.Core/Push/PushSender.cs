using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Lib.Net.Http.WebPush;
using Lib.Net.Http.WebPush.Authentication;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ServerlessChat.Core.Http;
using ServerlessChat.Core.Storage;
using ServerlessChat.Core.Telemetry;

namespace ServerlessChat.Core.Push;

/// <summary>
/// Sends one encrypted push (RFC 8291 aes128gcm, VAPID per RFC 8292) through Lib.Net.Http.WebPush. The HTTP
/// connection goes only to the addresses <see cref="PushEndpointGuard"/> checked; a 404 or 410 ends the
/// subscription; 429 and 5xx are retried with backoff, honouring Retry-After, a bounded number of times.
/// </summary>
public sealed partial class PushSender : IDisposable
{
    private readonly PushServiceClient _client;
    private readonly HttpClient _http;
    private readonly VapidAuthentication? _vapid;
    private readonly PushEndpointGuard _guard;
    private readonly IPushStore _store;
    private readonly PushOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<PushSender> _logger;

    public PushSender(PushEndpointGuard guard, IPushStore store, IOptions<PushOptions> options, TimeProvider time, ILogger<PushSender> logger)
    {
        (_guard, _store, _options, _time, _logger) = (guard, store, options.Value, time, logger);
        _http = new HttpClient(new SocketsHttpHandler
        {
            ConnectCallback = guard.ConnectAsync,
            UseProxy = false,
            AllowAutoRedirect = false,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        })
        { Timeout = TimeSpan.FromSeconds(30) };
        _client = new PushServiceClient(_http)
        {
            AutoRetryAfter = false,
            DefaultAuthenticationScheme = VapidAuthenticationScheme.Vapid,
        };
        if (_options.Enabled)
        {
            _vapid = new VapidAuthentication(_options.VapidPublicKey, _options.VapidPrivateKey) { Subject = _options.VapidSubject };
        }
    }

    /// <summary>The Topic header for a conversation: base64url of 24 bytes of its SHA-256, 32 URL-safe characters.</summary>
    public static string Topic(string conversationId) =>
        WebEncoders.Base64UrlEncode(SHA256.HashData(Encoding.UTF8.GetBytes(conversationId)).AsSpan(0, 24));

    /// <summary>True when the push service accepted the message. Never throws for a push service's answer.</summary>
    public async Task<bool> SendAsync(PushSubscriptionRecord subscription, PushPayload payload, CancellationToken ct)
    {
        if (_vapid is null || _guard.ParseEndpoint(subscription.Endpoint) is not { } endpoint)
        {
            ChatTelemetry.WebPushFailures.Add(1, new KeyValuePair<string, object?>("reason", "endpoint"));
            return false;
        }

        var target = new PushSubscription { Endpoint = subscription.Endpoint };
        target.SetKey(PushEncryptionKeyName.P256DH, subscription.P256dh);
        target.SetKey(PushEncryptionKeyName.Auth, subscription.Auth);
        var body = JsonSerializer.Serialize(payload, ChatJson.Options);

        for (var attempt = 1; ; attempt++)
        {
            TimeSpan? retryAfter;
            string reason;
            try
            {
                var message = new PushMessage(body)
                {
                    Topic = Topic(payload.ConversationId),
                    Urgency = PushMessageUrgency.High,
                    TimeToLive = _options.TimeToLiveSeconds,
                };
                await _client.RequestPushMessageDeliveryAsync(target, message, _vapid, VapidAuthenticationScheme.Vapid, ct);
                ChatTelemetry.WebPushes.Add(1);
                return true;
            }
            catch (PushServiceClientException e) when (e.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Gone)
            {
                await _store.DeleteEndpointAsync(subscription.Endpoint, ct);
                LogGone(_logger, endpoint.Host, (int)e.StatusCode);
                ChatTelemetry.WebPushFailures.Add(1, new KeyValuePair<string, object?>("reason", "gone"));
                return false;
            }
            catch (PushServiceClientException e) when (e.StatusCode == HttpStatusCode.TooManyRequests || (int)e.StatusCode >= 500)
            {
                retryAfter = RetryAfter(e.Headers?.RetryAfter);
                reason = ((int)e.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
            catch (PushServiceClientException e)
            {
                LogRefused(_logger, endpoint.Host, (int)e.StatusCode);
                ChatTelemetry.WebPushFailures.Add(1, new KeyValuePair<string, object?>("reason", "refused"));
                return false;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
            {
                retryAfter = null;
                reason = "network";
            }

            if (attempt >= _options.MaxAttempts)
            {
                LogGaveUp(_logger, endpoint.Host, attempt, reason);
                ChatTelemetry.WebPushFailures.Add(1, new KeyValuePair<string, object?>("reason", reason));
                return false;
            }
            var backoff = retryAfter ?? TimeSpan.FromSeconds(Math.Pow(2, attempt - 1));
            await Task.Delay(TimeSpan.FromSeconds(Math.Min(backoff.TotalSeconds, _options.MaxRetryDelaySeconds)), _time, ct);
        }
    }

    private TimeSpan? RetryAfter(System.Net.Http.Headers.RetryConditionHeaderValue? header) => header switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date - _time.GetUtcNow() is var wait && wait > TimeSpan.Zero ? wait : TimeSpan.Zero,
        _ => null,
    };

    public void Dispose()
    {
        _vapid?.Dispose();
        _http.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "The push service {Host} answered {Status}: the subscription is removed")]
    private static partial void LogGone(ILogger logger, string host, int status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The push service {Host} refused a push with {Status}")]
    private static partial void LogRefused(ILogger logger, string host, int status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Gave up on a push to {Host} after {Attempts} attempts ({Reason})")]
    private static partial void LogGaveUp(ILogger logger, string host, int attempts, string reason);
}
