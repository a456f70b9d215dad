using System.Security.Cryptography;
using System.Text;

namespace ServerlessChat.Core.AzureSignalR;

/// <summary>
/// The <c>X-ASRS-Signature</c> header of the service's upstream calls: <c>sha256=</c> + hex HMAC-SHA256 of the
/// connection id, keyed with each access key the service holds (primary and secondary), comma-separated. A
/// request is genuine when any entry matches any key we hold, so a key rotation never locks the service out.
/// </summary>
public static class UpstreamSignature
{
    public const string Header = "X-ASRS-Signature";
    private const string Prefix = "sha256=";

    public static string Compute(string accessKey, string connectionId) =>
        Prefix + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(accessKey), Encoding.UTF8.GetBytes(connectionId)));

    public static bool IsValid(string? connectionId, string? header, IEnumerable<string> accessKeys)
    {
        if (string.IsNullOrEmpty(connectionId) || string.IsNullOrEmpty(header) || header.Length > 4096)
        {
            return false;
        }

        var presented = new List<byte[]>();
        foreach (var entry in header.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (entry.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase) && TryHex(entry[Prefix.Length..], out var bytes))
            {
                presented.Add(bytes);
            }
        }

        var valid = false;
        foreach (var key in accessKeys)
        {
            var expected = HMACSHA256.HashData(Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(connectionId));
            foreach (var candidate in presented)
            {
                // Constant time: the comparison must not tell an attacker how many leading bytes were right.
                valid |= CryptographicOperations.FixedTimeEquals(candidate, expected);
            }
        }

        return valid;
    }

    private static bool TryHex(string text, out byte[] bytes)
    {
        bytes = [];
        if (text.Length != 64)
        {
            return false;
        }

        try
        {
            bytes = Convert.FromHexString(text);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
