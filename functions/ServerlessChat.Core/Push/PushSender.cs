using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Lib.Net.Http.WebPush;
using Lib.Net.Http.WebPush.Authentication;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ServerlessChat.Core.Storage;
using ServerlessChat.Core.Telemetry;

namespace ServerlessChat.Core.Push;

/// <summary>What one attempt at a push came to; <see cref="RetryAfter"/> only with <see cref="PushAttemptResult.RetryLater"/>.</summary>
public readonly record struct PushAttempt(PushAttemptResult Result, TimeSpan? RetryAfter = null, string Reason = "");

public enum PushAttemptResult
{
    Delivered,
    /// <summary>The push service said the subscription is gone (404/410); it was removed.</summary>
    Ended,
    /// <summary>Refused for good (another 4xx, or an endpoint that is no longer acceptable).</summary>
    Refused,
    /// <summary>429, 5xx or a network failure: worth another attempt, after <see cref="PushAttempt.RetryAfter"/> when the service said.</summary>
    RetryLater,
}

/// <summary>
/// Makes one attempt at one encrypted push (RFC 8291 aes128gcm, VAPID per RFC 8292) through Lib.Net.Http.WebPush;
/// <see cref="PushDelivery"/> decides when, and whether to try again. The HTTP connection goes only to the
/// addresses <see cref="PushEndpointGuard"/> checked, within a short connect timeout, and connections are kept
/// per origin up to <see cref="PushOptions.MaxConcurrentPerOrigin"/>. A 404 or 410 ends the subscription.
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
            ConnectTimeout = TimeSpan.FromSeconds(_options.ConnectTimeoutSeconds),
            MaxConnectionsPerServer = _options.MaxConcurrentPerOrigin,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
            UseProxy = false,
            AllowAutoRedirect = false,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        })
        { Timeout = TimeSpan.FromSeconds(_options.RequestTimeoutSeconds) };
        _client = new PushServiceClient(_http)
        {
            AutoRetryAfter = false,
            DefaultAuthenticationScheme = VapidAuthenticationScheme.Vapid,
        };
        if (_options.Enabled)
        {
            // The token cache signs one VAPID token per push service origin rather than one per push.
            _vapid = new VapidAuthentication(_options.VapidPublicKey, _options.VapidPrivateKey)
            {
                Subject = _options.VapidSubject,
                TokenCache = new VapidTokenCache(time),
            };
        }
    }

    /// <summary>The Topic header for a conversation: base64url of 24 bytes of its SHA-256, 32 URL-safe characters.</summary>
    public static string Topic(string conversationId) =>
        WebEncoders.Base64UrlEncode(SHA256.HashData(Encoding.UTF8.GetBytes(conversationId)).AsSpan(0, 24));

    /// <summary>One attempt; never throws for a push service's answer or a network failure.</summary>
    public async Task<PushAttempt> TrySendAsync(PushSubscriptionRecord subscription, string body, string topic, CancellationToken ct)
    {
        if (_vapid is null || _guard.ParseEndpoint(subscription.Endpoint) is not { } endpoint)
        {
            return new(PushAttemptResult.Refused, Reason: "endpoint");
        }

        var target = new PushSubscription { Endpoint = subscription.Endpoint };
        target.SetKey(PushEncryptionKeyName.P256DH, subscription.P256dh);
        target.SetKey(PushEncryptionKeyName.Auth, subscription.Auth);
        try
        {
            var message = new PushMessage(body)
            {
                Topic = topic,
                Urgency = PushMessageUrgency.High,
                TimeToLive = _options.TimeToLiveSeconds,
            };
            await _client.RequestPushMessageDeliveryAsync(target, message, _vapid, VapidAuthenticationScheme.Vapid, ct);
            ChatTelemetry.WebPushes.Add(1);
            return new(PushAttemptResult.Delivered);
        }
        catch (PushServiceClientException e) when (e.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Gone)
        {
            await _store.DeleteEndpointAsync(subscription.Endpoint, ct);
            LogGone(_logger, endpoint.Host, (int)e.StatusCode);
            ChatTelemetry.WebPushFailures.Add(1, new KeyValuePair<string, object?>("reason", "gone"));
            return new(PushAttemptResult.Ended);
        }
        catch (PushServiceClientException e) when (e.StatusCode == HttpStatusCode.TooManyRequests || (int)e.StatusCode >= 500)
        {
            return new(PushAttemptResult.RetryLater, RetryAfter(e.Headers?.RetryAfter), ((int)e.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        catch (PushServiceClientException e)
        {
            LogRefused(_logger, endpoint.Host, (int)e.StatusCode);
            ChatTelemetry.WebPushFailures.Add(1, new KeyValuePair<string, object?>("reason", "refused"));
            return new(PushAttemptResult.Refused, Reason: "refused");
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException && !ct.IsCancellationRequested)
        {
            return new(PushAttemptResult.RetryLater, Reason: "network");
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

    /// <summary>VAPID tokens by audience (a push service origin), used until a minute before they expire.</summary>
    private sealed class VapidTokenCache(TimeProvider time) : IVapidTokenCache
    {
        private readonly ConcurrentDictionary<string, (DateTimeOffset Expires, string Token)> _tokens = new(StringComparer.Ordinal);

        public string? Get(string audience) =>
            _tokens.TryGetValue(audience, out var entry) && entry.Expires - TimeSpan.FromMinutes(1) > time.GetUtcNow() ? entry.Token : null;

        public void Put(string audience, DateTimeOffset expiration, string token)
        {
            // Audiences are push services, a handful in practice; a flood of made-up origins only refills the cache.
            if (_tokens.Count >= 10_000)
            {
                _tokens.Clear();
            }
            _tokens[audience] = (expiration, token);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "The push service {Host} answered {Status}: the subscription is removed")]
    private static partial void LogGone(ILogger logger, string host, int status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The push service {Host} refused a push with {Status}")]
    private static partial void LogRefused(ILogger logger, string host, int status);
}
