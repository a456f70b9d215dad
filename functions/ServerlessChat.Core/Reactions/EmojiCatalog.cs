using System.Globalization;
using System.Text;

namespace ServerlessChat.Core.Reactions;

/// <summary>
/// The fully-qualified emoji of Unicode's emoji-test.txt (embedded; see Reactions/Data/README.md), read once.
/// Flags, skin tones, ZWJ sequences and keycaps are in it; a bare digit, '#' or '*' is not.
/// </summary>
public static class EmojiCatalog
{
    private static readonly Lazy<(HashSet<string> Set, int MaxLength)> Data = new(Load);

    /// <summary>UTF-16 length of the longest emoji; anything longer is refused before any lookup.</summary>
    public static int MaxLength => Data.Value.MaxLength;

    public static int Count => Data.Value.Set.Count;

    public static bool IsEmoji(string? value) =>
        value is { Length: > 0 } && value.Length <= Data.Value.MaxLength && Data.Value.Set.Contains(value);

    private static (HashSet<string>, int) Load()
    {
        using var stream = typeof(EmojiCatalog).Assembly.GetManifestResourceStream("ServerlessChat.Core.emoji-test.txt")
            ?? throw new InvalidOperationException("The embedded emoji-test.txt is missing.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var set = new HashSet<string>(StringComparer.Ordinal);
        var maxLength = 0;
        while (reader.ReadLine() is { } line)
        {
            // "1F44D 1F3FD ; fully-qualified # 👍🏽 E1.0 thumbs up: medium skin tone"
            var semicolon = line.IndexOf(';');
            if (line.StartsWith('#') || semicolon < 0)
            {
                continue;
            }

            var status = line[(semicolon + 1)..];
            var hash = status.IndexOf('#');
            if ((hash < 0 ? status : status[..hash]).Trim() != "fully-qualified")
            {
                continue;
            }

            var builder = new StringBuilder();
            foreach (var codePoint in line[..semicolon].Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                builder.Append(char.ConvertFromUtf32(int.Parse(codePoint, NumberStyles.HexNumber, CultureInfo.InvariantCulture)));
            }

            var emoji = builder.ToString();
            set.Add(emoji);
            maxLength = Math.Max(maxLength, emoji.Length);
        }

        return (set, maxLength);
    }
}
