using System.Globalization;
using System.Text;

namespace ServerlessChat.Core.Search;

/// <summary>
/// The one definition of a searchable word, used when indexing (both stores) and when querying: a run of letters,
/// digits and combining marks, compared after NFKD, without nonspacing marks, in lower case. So "Déploiement",
/// "DEPLOIEMENT" and "deploiement" are the same word, and a query word matches the words that start with it.
/// </summary>
public static class SearchText
{
    /// <summary>A word of the text: where it is (UTF-16 offsets, end exclusive) and its normalized form.</summary>
    public readonly record struct Word(int Start, int End, string Normalized);

    public static List<Word> Words(string text)
    {
        var words = new List<Word>();
        var start = -1;
        for (var i = 0; i <= text.Length; i++)
        {
            var inWord = i < text.Length && IsWordChar(text, i);
            if (inWord && start < 0)
            {
                start = i;
            }
            else if (!inWord && start >= 0)
            {
                var normalized = Normalize(text.AsSpan(start, i - start));
                if (normalized.Length > 0)
                {
                    words.Add(new Word(start, i, normalized));
                }

                start = -1;
            }

            if (inWord && char.IsHighSurrogate(text[i]))
            {
                i++;
            }
        }

        return words;
    }

    /// <summary>True when <paramref name="term"/> is one normalized word, the only thing a stored word can start with.</summary>
    public static bool IsNormalizedWord(string term) => Words(term) is [var only] && only.Start == 0 && only.End == term.Length && only.Normalized == term;

    /// <summary>The distinct normalized words, in order: what the stores index.</summary>
    public static List<string> IndexWords(string text) => Words(text).Select(w => w.Normalized).Distinct(StringComparer.Ordinal).ToList();

    /// <summary>The normalized words joined by spaces: the document an FTS tokenizer sees.</summary>
    public static string IndexDocument(string text) => string.Join(' ', IndexWords(text));

    private static bool IsWordChar(string text, int index) => CharUnicodeInfo.GetUnicodeCategory(text, index) switch
    {
        UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
            or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter
            or UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber
            or UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark => true,
        _ => false,
    };

    private static string Normalize(ReadOnlySpan<char> word)
    {
        var decomposed = word.ToString().Normalize(NormalizationForm.FormKD);
        var builder = new StringBuilder(decomposed.Length);
        for (var i = 0; i < decomposed.Length; i++)
        {
            var category = CharUnicodeInfo.GetUnicodeCategory(decomposed, i);
            var length = char.IsHighSurrogate(decomposed[i]) && i + 1 < decomposed.Length ? 2 : 1;
            // Compatibility decomposition can bring in separators (1/2 -> "1⁄2"); only letters and digits stay, so
            // the stored word is one token for every tokenizer.
            if (category is not (UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark)
                && IsWordChar(decomposed, i))
            {
                builder.Append(decomposed, i, length);
            }

            i += length - 1;
        }

        return builder.ToString().ToLowerInvariant();
    }
}
