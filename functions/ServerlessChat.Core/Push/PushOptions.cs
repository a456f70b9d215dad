using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.WebUtilities;

namespace ServerlessChat.Core.Push;

/// <summary>
/// Web Push (RFC 8030 / 8291 / 8292). Without VAPID keys push is off and its routes answer 404, except in
/// Development, where a key pair is generated into the data folder (<see cref="DevelopmentVapidKeys"/>).
/// </summary>
public sealed class PushOptions : IValidatableObject
{
    public const string Section = "Push";

    /// <summary>The contact the push services see in the VAPID token: a mailto: or https: URL.</summary>
    [Required, StringLength(500, MinimumLength = 1)]
    public string VapidSubject { get; set; } = "mailto:admin@serverlesschat.invalid";

    /// <summary>The application server key: an uncompressed P-256 point, base64url (65 bytes), as web-push tools print it.</summary>
    public string? VapidPublicKey { get; set; }

    /// <summary>The private scalar, base64url (32 bytes). A secret: Key Vault in Azure.</summary>
    public string? VapidPrivateKey { get; set; }

    /// <summary>Whether a push carries the start of the message; off, it says only who wrote.</summary>
    public bool IncludePreview { get; set; }

    /// <summary>Accepts http endpoints and non-public addresses: for tests and local push services only.</summary>
    public bool AllowInsecureEndpoints { get; set; }

    /// <summary>How long a push service keeps a message for a device that is offline (the TTL header).</summary>
    [Range(0, 2_419_200)]
    public int TimeToLiveSeconds { get; set; } = 86_400;

    /// <summary>Attempts per push, the first included; 429 and 5xx are retried with backoff and Retry-After.</summary>
    [Range(1, 10)]
    public int MaxAttempts { get; set; } = 4;

    /// <summary>The longest wait between attempts, whatever Retry-After says.</summary>
    [Range(1, 300)]
    public int MaxRetryDelaySeconds { get; set; } = 30;

    /// <summary>How long opening a connection to a push service may take: a host that does not answer costs only this.</summary>
    [Range(1, 60)]
    public int ConnectTimeoutSeconds { get; set; } = 5;

    /// <summary>How long one push request may take, connection included, before it counts as failed (and is retried).</summary>
    [Range(1, 120)]
    public int RequestTimeoutSeconds { get; set; } = 15;

    /// <summary>
    /// Pushes in flight to one push service origin (scheme, host, port), and so its connections kept open: a slow
    /// or hostile push service ties up at most this many, and every other origin has its own.
    /// </summary>
    [Range(1, 1024)]
    public int MaxConcurrentPerOrigin { get; set; } = 32;

    /// <summary>Pushes waiting for one origin; beyond that a push to it is dropped (and counted), so a stalled origin cannot grow memory.</summary>
    [Range(1, 1_000_000)]
    public int MaxQueuedPerOrigin { get; set; } = 10_000;

    public bool Enabled => !string.IsNullOrEmpty(VapidPublicKey) && !string.IsNullOrEmpty(VapidPrivateKey);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (string.IsNullOrEmpty(VapidPublicKey) != string.IsNullOrEmpty(VapidPrivateKey))
        {
            yield return new ValidationResult("Push:VapidPublicKey and Push:VapidPrivateKey go together.", [nameof(VapidPublicKey), nameof(VapidPrivateKey)]);
        }
        else if (Enabled && !VapidKeys.IsPair(VapidPublicKey!, VapidPrivateKey!))
        {
            yield return new ValidationResult("Push:VapidPublicKey and Push:VapidPrivateKey must be a base64url P-256 key pair.", [nameof(VapidPublicKey), nameof(VapidPrivateKey)]);
        }

        if (RequestTimeoutSeconds < ConnectTimeoutSeconds)
        {
            yield return new ValidationResult("Push:RequestTimeoutSeconds must be at least Push:ConnectTimeoutSeconds.", [nameof(RequestTimeoutSeconds), nameof(ConnectTimeoutSeconds)]);
        }

        if (!Uri.TryCreate(VapidSubject, UriKind.Absolute, out var subject) || (subject.Scheme != "mailto" && subject.Scheme != Uri.UriSchemeHttps))
        {
            yield return new ValidationResult("Push:VapidSubject must be a mailto: or https: URL.", [nameof(VapidSubject)]);
        }
    }
}

/// <summary>VAPID keys in the form browsers and web-push tools use: base64url, no padding.</summary>
public static class VapidKeys
{
    public static (string PublicKey, string PrivateKey) Generate()
    {
        using var key = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        var parameters = key.ExportParameters(includePrivateParameters: true);
        return (WebEncoders.Base64UrlEncode([0x04, .. parameters.Q.X!, .. parameters.Q.Y!]), WebEncoders.Base64UrlEncode(parameters.D!));
    }

    /// <summary>True when the private scalar's public point is the given public key.</summary>
    public static bool IsPair(string publicKey, string privateKey)
    {
        try
        {
            var point = WebEncoders.Base64UrlDecode(publicKey);
            var scalar = WebEncoders.Base64UrlDecode(privateKey);
            if (point.Length != 65 || point[0] != 0x04 || scalar.Length != 32)
            {
                return false;
            }
            using var key = System.Security.Cryptography.ECDsa.Create(new System.Security.Cryptography.ECParameters
            {
                Curve = System.Security.Cryptography.ECCurve.NamedCurves.nistP256,
                D = scalar,
            });
            var derived = key.ExportParameters(includePrivateParameters: false).Q;
            return derived.X!.AsSpan().SequenceEqual(point.AsSpan(1, 32)) && derived.Y!.AsSpan().SequenceEqual(point.AsSpan(33, 32));
        }
        catch (Exception e) when (e is FormatException or System.Security.Cryptography.CryptographicException)
        {
            return false;
        }
    }
}
