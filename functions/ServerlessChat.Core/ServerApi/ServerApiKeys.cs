using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace ServerlessChat.Core.ServerApi;

/// <summary>
/// Checks an <c>X-Api-Key</c> against the configured hashes. Every hash is compared in constant time and none
/// ends the loop early, so the answer's timing says nothing about which key, or how much of one, matched.
/// </summary>
public sealed class ServerApiKeys(IOptions<ServerApiOptions> options)
{
    // Longer than any key worth having; bounds the hashing an anonymous caller can ask for.
    private const int MaxKeyLength = 512;

    private readonly (string Name, byte[] Hash)[] _keys =
        options.Value.ApiKeys.Select(k => (k.Name, Convert.FromHexString(k.Sha256))).ToArray();

    /// <summary>The name of the key, or null when it is none of them.</summary>
    public string? Authenticate(string? key)
    {
        if (string.IsNullOrEmpty(key) || key.Length > MaxKeyLength || _keys.Length == 0)
        {
            return null;
        }

        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(key));
        string? match = null;
        foreach (var (name, expected) in _keys)
        {
            if (CryptographicOperations.FixedTimeEquals(hash, expected))
            {
                match = name;
            }
        }
        return match;
    }
}
