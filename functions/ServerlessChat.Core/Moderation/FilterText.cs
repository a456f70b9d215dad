using System.Globalization;
using System.Text;

namespace ServerlessChat.Core.Moderation;

/// <summary>
/// Text as the content filter reads it: compatibility forms folded (NFKC: fullwidth, ligatures, circled
/// letters), accents removed, case folded, characters that hide a word removed (zero-width and other format
/// characters), every run of other non-letters between words one space, and letters written apart
/// (<c>b a d</c>, <c>b.a.d</c>) joined. Each character of <see cref="Text"/> remembers the range of the
/// original text it came from, so a match can be masked there.
/// </summary>
public sealed class FilterText
{
    /// <summary>The longest gap between two single letters that still reads as a word spelt apart ("b . a").</summary>
    private const int MaxSpacedLetterGap = 3;

    private FilterText(string text, int[] starts, int[] ends, bool[] joints)
    {
        Text = text;
        Starts = starts;
        Ends = ends;
        Joints = joints;
    }

    /// <summary>Letters and digits, folded; words separated by one space; letters spelt apart joined.</summary>
    public string Text { get; }

    /// <summary>For each character of <see cref="Text"/>, where its source starts in the original text.</summary>
    public int[] Starts { get; }

    /// <summary>For each character of <see cref="Text"/>, where its source ends in the original text (exclusive).</summary>
    public int[] Ends { get; }

    /// <summary>Positions between two letters that were spelt apart: word boundaries although no space is there.</summary>
    private bool[] Joints { get; }

    /// <summary>Whether a whole word or phrase may start or end at <paramref name="index"/> of <see cref="Text"/>.</summary>
    public bool IsBoundary(int index) =>
        index <= 0 || index >= Text.Length || Text[index - 1] == ' ' || Text[index] == ' ' || Joints[index];

    /// <summary>The original range [start, end) that the characters [from, to) of <see cref="Text"/> came from.</summary>
    public (int Start, int End) Source(int from, int to) => (Starts[from], Ends[to - 1]);

    public static FilterText Of(string original)
    {
        var words = ReadWords(original);
        var length = 0;
        foreach (var word in words)
        {
            length += word.Chars.Length + 1;
        }

        var text = new StringBuilder(length);
        var starts = new List<int>(length);
        var ends = new List<int>(length);
        var joints = new List<bool>(length + 1);
        for (var w = 0; w < words.Count; w++)
        {
            var word = words[w];
            if (w > 0)
            {
                var previous = words[w - 1];
                if (SpeltApart(original, previous, word))
                {
                    joints.Add(true);
                }
                else
                {
                    // The space stands for the gap between the two words.
                    text.Append(' ');
                    starts.Add(previous.End);
                    ends.Add(word.Start);
                    joints.Add(false);
                    joints.Add(false);
                }
            }
            else
            {
                joints.Add(false);
            }

            for (var i = 0; i < word.Chars.Length; i++)
            {
                text.Append(word.Chars[i]);
                starts.Add(word.Starts[i]);
                ends.Add(word.Ends[i]);
                if (i > 0)
                {
                    joints.Add(false);
                }
            }
        }

        joints.Add(false);
        return new FilterText(text.ToString(), [.. starts], [.. ends], [.. joints]);
    }

    /// <summary>Folds a blocked term or phrase the way message text is folded (NFKC, case, accents, separators).</summary>
    public static string Fold(string term) => Of(term).Text;

    /// <summary>Two single letters in a row, close together on one line, belong to a word spelt apart.</summary>
    private static bool SpeltApart(string original, Word previous, Word word)
    {
        if (!previous.IsSingle || !word.IsSingle)
        {
            return false;
        }

        var gap = original.AsSpan(previous.End, word.Start - previous.End);
        return gap.Length <= MaxSpacedLetterGap && gap.IndexOfAny('\n', '\r') < 0;
    }

    private static List<Word> ReadWords(string original)
    {
        var words = new List<Word>();
        var chars = new List<char>();
        var starts = new List<int>();
        var ends = new List<int>();
        var wordStart = -1;
        var wordRunes = 0;
        Span<char> one = stackalloc char[2];

        void Close()
        {
            if (chars.Count > 0)
            {
                words.Add(new Word([.. chars], [.. starts], [.. ends], wordStart, ends[^1], wordRunes == 1));
                chars.Clear();
                starts.Clear();
                ends.Clear();
            }

            wordStart = -1;
            wordRunes = 0;
        }

        for (var p = 0; p < original.Length;)
        {
            if (Rune.DecodeFromUtf16(original.AsSpan(p), out var rune, out var used) != System.Buffers.OperationStatus.Done)
            {
                rune = Rune.ReplacementChar;
                used = 1;
            }

            var c = original[p];
            if (c < 0x80)
            {
                // ASCII, by far the most text: no normalisation needed.
                if (char.IsAsciiLetterOrDigit(c))
                {
                    Add(char.ToLowerInvariant(c), p, p + 1);
                }
                else
                {
                    Close();
                }
            }
            else if (IsHidden(rune))
            {
                // Leaves the word it sits in whole: "b\u200Bad" reads "bad".
            }
            else
            {
                foreach (var f in FoldRune(rune, one))
                {
                    if (char.IsLetterOrDigit(f) || CharUnicodeInfo.GetUnicodeCategory(f) == UnicodeCategory.SpacingCombiningMark)
                    {
                        Add(f, p, p + used);
                    }
                    else
                    {
                        Close();
                    }
                }
            }

            p += used;
        }

        Close();
        return words;

        void Add(char folded, int start, int end)
        {
            if (wordStart < 0)
            {
                wordStart = start;
            }

            // Count runes, not characters: "ﬁ" folds to two letters but is one letter written.
            if (starts.Count == 0 || starts[^1] != start)
            {
                wordRunes++;
            }

            chars.Add(folded);
            starts.Add(start);
            ends.Add(end);
        }
    }

    /// <summary>NFKD (compatibility decomposition), combining marks (accents) dropped, lower case.</summary>
    private static ReadOnlySpan<char> FoldRune(Rune rune, Span<char> buffer)
    {
        var length = rune.EncodeToUtf16(buffer);
        var source = new string(buffer[..length]);
        var decomposed = source.IsNormalized(NormalizationForm.FormKD) ? source : source.Normalize(NormalizationForm.FormKD);
        var result = new StringBuilder(decomposed.Length);
        foreach (var d in decomposed)
        {
            var category = CharUnicodeInfo.GetUnicodeCategory(d);
            if (category is UnicodeCategory.NonSpacingMark or UnicodeCategory.EnclosingMark)
            {
                continue;
            }

            // Full case folding where the simple one falls short.
            switch (d)
            {
                case 'ß' or 'ẞ':
                    result.Append("ss");
                    continue;
                case 'ς':
                    result.Append('σ');
                    continue;
            }

            result.Append(char.ToLowerInvariant(d));
        }

        return result.ToString();
    }

    /// <summary>Format characters (zero-width space, joiners, soft hyphen, BOM, bidi controls) and fillers that show nothing.</summary>
    private static bool IsHidden(Rune rune) =>
        Rune.GetUnicodeCategory(rune) == UnicodeCategory.Format || rune.Value is 0x115F or 0x1160 or 0x3164 or 0xFFA0 or 0x180E or 0x034F
        || rune.Value is >= 0xFE00 and <= 0xFE0F || rune.Value is >= 0xE0100 and <= 0xE01EF;

    private sealed record Word(char[] Chars, int[] Starts, int[] Ends, int Start, int End, bool IsSingle);
}
