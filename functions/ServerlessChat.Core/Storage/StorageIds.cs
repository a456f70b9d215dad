using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using MongoDB.Bson;

namespace ServerlessChat.Core.Storage;

/// <summary>
/// Both adapters treat ids the same way so that the contract tests hold for each: a lookup with a string that is
/// not an ObjectId finds nothing (ids reach the stores from URLs and bodies), while a write with one is a bug in
/// the caller and throws.
/// </summary>
internal static class StorageIds
{
    public static bool TryParse([NotNullWhen(true)] string? id, out ObjectId objectId)
    {
        objectId = default;
        return id is { Length: 24 } && ObjectId.TryParse(id, out objectId);
    }

    private static readonly SearchValues<char> LowercaseHex = SearchValues.Create("0123456789abcdef");

    /// <summary>The canonical (lowercase) hex form; SQLite compares ids as text, so case matters there.</summary>
    public static bool TryNormalize([NotNullWhen(true)] string? id, [NotNullWhen(true)] out string? normalized)
    {
        // Almost every id is canonical already (read from the store, or written by a client from one): kept as it
        // is, without parsing and formatting it again (a few percent of a history page's CPU).
        if (IsCanonical(id))
        {
            normalized = id;
            return true;
        }
        normalized = TryParse(id, out var objectId) ? objectId.ToString() : null;
        return normalized is not null;
    }

    public static ObjectId RequireObjectId(string? id, [CallerArgumentExpression(nameof(id))] string? parameter = null) =>
        TryParse(id, out var objectId)
            ? objectId
            : throw new ArgumentException($"'{id}' is not an ObjectId in hex.", parameter);

    public static string Require(string? id, [CallerArgumentExpression(nameof(id))] string? parameter = null) =>
        IsCanonical(id) ? id : RequireObjectId(id, parameter).ToString();

    /// <summary>24 lowercase hex digits: an ObjectId in the form <see cref="ObjectId.ToString"/> gives.</summary>
    private static bool IsCanonical([NotNullWhen(true)] string? id) => id is { Length: 24 } && !id.AsSpan().ContainsAnyExcept(LowercaseHex);

    public static string? RequireOptional(string? id, [CallerArgumentExpression(nameof(id))] string? parameter = null) =>
        id is null ? null : Require(id, parameter);

    /// <summary>The valid ids among <paramref name="ids"/>, canonical and without duplicates.</summary>
    public static List<string> NormalizeAll(IEnumerable<string> ids)
    {
        var result = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var id in ids)
        {
            if (TryNormalize(id, out var normalized) && seen.Add(normalized))
            {
                result.Add(normalized);
            }
        }
        return result;
    }

    /// <summary>
    /// Upper bound of a prefix range: every string that starts with <paramref name="prefix"/> sorts below it, both
    /// as UTF-8 bytes (SQLite BINARY, MongoDB simple collation) and as UTF-16. U+10FFFF is the largest code point.
    /// </summary>
    public static string PrefixUpperBound(string prefix) => prefix + "\U0010FFFF";
}
