using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Logging;

namespace ServerlessChat.Tests.Push;

/// <summary>One push request as the local push service received it: checked, and decrypted when it was accepted.</summary>
public sealed record ReceivedPush(int Answered, JsonNode? Payload, string? Topic, string? Urgency, string? Ttl, string? Error, DateTimeOffset At);

/// <summary>A browser's side of a subscription: the key pair and auth secret only the browser knows.</summary>
public sealed class TestSubscription(string endpoint, ECDiffieHellman key, byte[] auth)
{
    public string Endpoint { get; } = endpoint;
    public ECDiffieHellman Key { get; } = key;
    public byte[] AuthSecret { get; } = auth;
    public string P256dh => WebEncoders.Base64UrlEncode(PublicPoint(Key));
    public string Auth => WebEncoders.Base64UrlEncode(AuthSecret);
    public Channel<ReceivedPush> Received { get; } = Channel.CreateUnbounded<ReceivedPush>();
    public ConcurrentQueue<(int Status, int? RetryAfterSeconds)> Script { get; } = new();

    public object Body => new { endpoint = Endpoint, keys = new { p256dh = P256dh, auth = Auth } };

    public async Task<ReceivedPush> NextAsync() => await Received.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(20));

    public static byte[] PublicPoint(ECDiffieHellman key)
    {
        var q = key.ExportParameters(false).Q;
        return [0x04, .. q.X!, .. q.Y!];
    }
}

/// <summary>
/// A Web Push service (RFC 8030) on loopback, as far as an application server sees one: it checks the VAPID
/// token (RFC 8292: ES256 signature with the key of the header, audience, expiry, subject) and decrypts the
/// aes128gcm body (RFC 8291 / 8188) with the subscription's private key and auth secret, so a push that is not
/// encrypted for the subscription is refused. Browsers here cannot reach their vendors' push services.
/// </summary>
public sealed class LocalPushService : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, TestSubscription> _subscriptions = new();

    private LocalPushService(WebApplication app) => _app = app;

    public Uri BaseAddress { get; private set; } = null!;

    public static async Task<LocalPushService> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var service = new LocalPushService(app);
        app.MapPost("/push/{id}", (Func<HttpContext, string, Task>)service.HandleAsync);
        await app.StartAsync();
        service.BaseAddress = new Uri(app.Urls.Single() + "/");
        return service;
    }

    public TestSubscription NewSubscription()
    {
        var id = Guid.NewGuid().ToString("N");
        var subscription = new TestSubscription(new Uri(BaseAddress, $"push/{id}").ToString(), ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256), RandomNumberGenerator.GetBytes(16));
        _subscriptions[id] = subscription;
        return subscription;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context, string id)
    {
        if (!_subscriptions.TryGetValue(id, out var subscription))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body);
        var request = context.Request;
        string? error = null;
        JsonNode? payload = null;
        try
        {
            // Lib.Net.Http.WebPush 3.3.1 writes the audience as scheme://host, without the port: the origin itself
            // for the default https port every real push service uses, but not for this service's free port.
            CheckVapid(request.Headers.Authorization.ToString(), $"{request.Scheme}://{request.Host.Host}");
            if (request.Headers.ContentEncoding.ToString() != "aes128gcm")
            {
                throw new InvalidDataException($"Content-Encoding is '{request.Headers.ContentEncoding}'.");
            }
            payload = JsonNode.Parse(Decrypt(body.ToArray(), subscription));
        }
        catch (Exception e) when (e is InvalidDataException or CryptographicException or JsonException or FormatException)
        {
            error = e.Message;
        }

        var status = error is not null ? StatusCodes.Status400BadRequest : StatusCodes.Status201Created;
        int? retryAfter = null;
        if (error is null && subscription.Script.TryDequeue(out var step))
        {
            (status, retryAfter) = step;
        }
        if (retryAfter is { } seconds)
        {
            context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        subscription.Received.Writer.TryWrite(new ReceivedPush(status, payload, request.Headers["Topic"], request.Headers["Urgency"], request.Headers["TTL"], error, DateTimeOffset.UtcNow));
        context.Response.StatusCode = status;
    }

    /// <summary>RFC 8292: <c>vapid t=JWT, k=public key</c>, the JWT ES256-signed with that key, for this origin.</summary>
    private static void CheckVapid(string authorization, string origin)
    {
        if (!authorization.StartsWith("vapid ", StringComparison.Ordinal))
        {
            throw new InvalidDataException("No vapid authorization.");
        }
        var parameters = authorization["vapid ".Length..].Split(',', StringSplitOptions.TrimEntries)
            .Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
        var jwt = parameters["t"].Split('.');
        var point = WebEncoders.Base64UrlDecode(parameters["k"]);
        if (jwt.Length != 3 || point.Length != 65 || point[0] != 0x04)
        {
            throw new InvalidDataException("Malformed vapid token or key.");
        }
        using var key = ECDsa.Create(new ECParameters { Curve = ECCurve.NamedCurves.nistP256, Q = new ECPoint { X = point[1..33], Y = point[33..] } });
        if (!key.VerifyData(Encoding.ASCII.GetBytes($"{jwt[0]}.{jwt[1]}"), WebEncoders.Base64UrlDecode(jwt[2]), HashAlgorithmName.SHA256))
        {
            throw new InvalidDataException("The vapid signature does not verify.");
        }
        var header = JsonNode.Parse(WebEncoders.Base64UrlDecode(jwt[0]))!;
        var claims = JsonNode.Parse(WebEncoders.Base64UrlDecode(jwt[1]))!;
        var expires = DateTimeOffset.FromUnixTimeSeconds((long)claims["exp"]!);
        if ((string?)header["alg"] != "ES256" || (string?)claims["aud"] != origin || string.IsNullOrEmpty((string?)claims["sub"])
            || expires <= DateTimeOffset.UtcNow || expires > DateTimeOffset.UtcNow.AddHours(24))
        {
            throw new InvalidDataException($"Bad vapid claims: {claims.ToJsonString()}");
        }
    }

    /// <summary>RFC 8188 aes128gcm with the keys of RFC 8291; one record, padded with 0x02 then zeros.</summary>
    private static string Decrypt(byte[] body, TestSubscription subscription)
    {
        var salt = body[..16];
        var idLength = body[20];
        var senderPoint = body[21..(21 + idLength)];
        var record = body[(21 + idLength)..];
        if (idLength != 65 || record.Length < 17)
        {
            throw new InvalidDataException("Malformed aes128gcm header.");
        }

        using var sender = ECDiffieHellman.Create(new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            Q = new ECPoint { X = senderPoint[1..33], Y = senderPoint[33..] },
        });
        var shared = subscription.Key.DeriveRawSecretAgreement(sender.PublicKey);
        byte[] keyInfo = [.. "WebPush: info\0"u8, .. TestSubscription.PublicPoint(subscription.Key), .. senderPoint];
        var ikm = HKDF.DeriveKey(HashAlgorithmName.SHA256, shared, 32, subscription.AuthSecret, keyInfo);
        var prk = HKDF.Extract(HashAlgorithmName.SHA256, ikm, salt);
        var cek = HKDF.Expand(HashAlgorithmName.SHA256, prk, 16, "Content-Encoding: aes128gcm\0"u8.ToArray());
        var nonce = HKDF.Expand(HashAlgorithmName.SHA256, prk, 12, "Content-Encoding: nonce\0"u8.ToArray());

        var plain = new byte[record.Length - 16];
        using (var aes = new AesGcm(cek, 16))
        {
            aes.Decrypt(nonce, record[..^16], record[^16..], plain);
        }
        var end = plain.Length - 1;
        while (end >= 0 && plain[end] == 0)
        {
            end--;
        }
        if (end < 0 || plain[end] != 0x02)
        {
            throw new InvalidDataException("No last-record padding delimiter.");
        }
        return Encoding.UTF8.GetString(plain, 0, end);
    }
}
