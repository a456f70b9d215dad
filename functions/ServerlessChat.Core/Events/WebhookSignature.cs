using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;

namespace ServerlessChat.Core.Events;

/// <summary>
/// Signing per the Standard Webhooks specification, so a receiver can verify with any of its libraries:
/// <c>webhook-id</c>, <c>webhook-timestamp</c> (Unix seconds) and <c>webhook-signature: v1,&lt;base64 of
/// HMAC-SHA256 over "id.timestamp.body"&gt;</c>, keyed with the secret's bytes (<c>whsec_</c> + base64).
/// </summary>
public static class WebhookSignature
{
    private const string Prefix = "whsec_";

    public static bool TryParseSecret(string? secret, out byte[] key)
    {
        key = [];
        if (secret is null || !secret.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }
        var buffer = new byte[secret.Length];
        if (!Convert.TryFromBase64String(secret[Prefix.Length..], buffer, out var length) || length is < 24 or > 64)
        {
            return false;
        }
        key = buffer[..length];
        return true;
    }

    public static string Sign(byte[] key, string id, long timestamp, ReadOnlySpan<byte> body)
    {
        var head = Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{id}.{timestamp}."));
        var signed = new byte[head.Length + body.Length];
        head.CopyTo(signed, 0);
        body.CopyTo(signed.AsSpan(head.Length));
        return "v1," + Convert.ToBase64String(HMACSHA256.HashData(key, signed));
    }

    /// <summary>A POST of <paramref name="body"/> with the three signature headers.</summary>
    public static HttpRequestMessage SignedPost(Uri url, byte[] key, string id, DateTimeOffset now, byte[] body, string contentType)
    {
        var timestamp = now.ToUnixTimeSeconds();
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        request.Headers.TryAddWithoutValidation("webhook-id", id);
        request.Headers.TryAddWithoutValidation("webhook-timestamp", timestamp.ToString(CultureInfo.InvariantCulture));
        request.Headers.TryAddWithoutValidation("webhook-signature", Sign(key, id, timestamp, body));
        return request;
    }
}
