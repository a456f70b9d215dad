using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using ServerlessChat.Core.Auth;

namespace ServerlessChat.Core.Attachments;

/// <summary>
/// Signs the FileSystem store's upload and download URLs with HMAC-SHA256. The key is derived from the JWT
/// signing key (no second secret to manage) under its own label, so a URL signature can never pass as a token's.
/// </summary>
public sealed class BlobUrlSigner(IOptions<AuthOptions> auth)
{
    private readonly Lazy<byte[]> _key = new(() =>
        HMACSHA256.HashData(Encoding.UTF8.GetBytes(auth.Value.JwtSigningKey!), "serverlesschat attachment urls v1"u8));

    public string Sign(params ReadOnlySpan<string> parts)
    {
        var payload = Encoding.UTF8.GetBytes(string.Join('\n', parts.ToArray()));
        return Base64Url.EncodeToString(HMACSHA256.HashData(_key.Value, payload));
    }

    public bool Verify(string? signature, params ReadOnlySpan<string> parts)
    {
        if (string.IsNullOrEmpty(signature))
        {
            return false;
        }
        var expected = Encoding.ASCII.GetBytes(Sign(parts));
        var given = Encoding.ASCII.GetBytes(signature);
        return CryptographicOperations.FixedTimeEquals(expected, given);
    }

    public static string Seconds(DateTimeOffset at) => at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
}
