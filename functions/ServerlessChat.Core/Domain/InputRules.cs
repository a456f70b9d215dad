using System.Text;
using System.Text.RegularExpressions;
using ServerlessChat.Core.Http;

namespace ServerlessChat.Core.Domain;

/// <summary>The input rules of API.md, each written once. Collect errors per field, then <see cref="ThrowIfAny"/>.</summary>
public sealed partial class InputRules
{
    public const int MaxContentLength = 4000;
    public const int MaxMembers = 256;
    public const int MaxUsernameLength = 32;

    private readonly Dictionary<string, string[]> _errors = new(StringComparer.Ordinal);

    public bool HasErrors => _errors.Count > 0;

    public void Add(string field, string message) =>
        _errors[field] = _errors.TryGetValue(field, out var existing) ? [.. existing, message] : [message];

    public void ThrowIfAny()
    {
        if (_errors.Count > 0)
        {
            throw ProblemException.Validation(_errors);
        }
    }

    public string? Username(string field, string? value, bool required = true)
    {
        if (!Present(field, value, required))
        {
            return null;
        }

        if (!UsernamePattern().IsMatch(value!))
        {
            Add(field, "Use 3 to 32 of the characters A-Z a-z 0-9 _ . -");
            return null;
        }

        // Erased accounts show as deleted-<id>: nobody may take such a name first and stand in an erasure's way.
        if (value!.StartsWith("deleted-", StringComparison.OrdinalIgnoreCase))
        {
            Add(field, "Usernames starting with deleted- are reserved.");
            return null;
        }

        return value;
    }

    public string? Email(string field, string? value, bool required = true)
    {
        if (!Present(field, value, required))
        {
            return null;
        }

        var email = value!.Trim();
        if (email.Length > 254 || !EmailPattern().IsMatch(email))
        {
            Add(field, "Enter a valid email address.");
            return null;
        }

        return email;
    }

    public string? Password(string field, string? value)
    {
        if (!Present(field, value, required: true))
        {
            return null;
        }

        if (value!.Length is < 8 or > 128)
        {
            Add(field, "Use 8 to 128 characters.");
            return null;
        }

        return value;
    }

    /// <summary>Display and group names: trimmed, NFC, no control characters, nothing hidden (<see cref="HiddenCharacterProblem"/>).</summary>
    public string? Name(string field, string? value, int maxLength, bool required = true)
    {
        if (!Present(field, value, required))
        {
            return null;
        }

        var name = value!.Normalize(NormalizationForm.FormC).Trim();
        if (name.Length < 1 || name.Length > maxLength)
        {
            Add(field, $"Use 1 to {maxLength} characters.");
            return null;
        }

        if (name.Any(char.IsControl))
        {
            Add(field, "Control characters are not allowed.");
            return null;
        }

        if (HiddenCharacterProblem(name) is { } problem)
        {
            Add(field, problem);
            return null;
        }

        return name;
    }

    /// <summary>
    /// The one rule for names people read to tell each other apart (display names, group names, file names):
    /// why the text is refused, or null. Refused: bidirectional overrides, embeddings and isolates (U+202A-202E,
    /// U+2066-2069), which reorder what follows ("invoice\u202Efdp.zip" shows as "invoicepdf.zip"); zero-width
    /// and other invisible characters (U+200B, U+2060-2064, U+206A-206F, U+FEFF, U+180E, U+00AD, the Hangul
    /// fillers, U+FFF9-FFFB), which make a twin of a name ("alice\u200b"). ZWNJ and ZWJ (U+200C, U+200D) are
    /// allowed between letters (Persian and Indic spelling need them) and inside emoji sequences (a family, a
    /// flag); LRM and RLM (U+200E, U+200F) are allowed: they only mark a direction.
    /// </summary>
    public static string? HiddenCharacterProblem(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (IsBidiControl(c))
            {
                return "Bidirectional override, embedding and isolate characters (U+202A-202E, U+2066-2069) are not allowed.";
            }
            if (IsInvisible(c))
            {
                return $"Invisible characters such as U+{(int)c:X4} are not allowed.";
            }
            if (c is '\u200C' or '\u200D' && !Joins(text, i))
            {
                return "A zero-width joiner or non-joiner is allowed only between letters or inside an emoji sequence.";
            }
        }
        return null;
    }

    /// <summary>
    /// Message text keeps every character but the bidirectional overrides, embeddings and isolates, which are
    /// removed: they could reverse how the text, or a name shown beside it, reads.
    /// </summary>
    public static string WithoutBidiControls(string text) =>
        text.AsSpan().IndexOfAny(BidiControls) < 0 ? text : string.Concat(text.Where(c => !IsBidiControl(c)));

    private static readonly System.Buffers.SearchValues<char> BidiControls =
        System.Buffers.SearchValues.Create("\u202A\u202B\u202C\u202D\u202E\u2066\u2067\u2068\u2069");

    private static bool IsBidiControl(char c) => c is >= '\u202A' and <= '\u202E' or >= '\u2066' and <= '\u2069';

    private static bool IsInvisible(char c) =>
        c is '\u200B' or '\uFEFF' or '\u180E' or '\u00AD' or '\u115F' or '\u1160' or '\u3164' or '\uFFA0'
            or >= '\u2060' and <= '\u2064' or >= '\u206A' and <= '\u206F' or >= '\uFFF9' and <= '\uFFFB';

    /// <summary>Whether the joiner at <paramref name="index"/> sits between two letters (with their marks) or two emoji.</summary>
    private static bool Joins(string text, int index)
    {
        if (index == 0 || index == text.Length - 1)
        {
            return false;
        }
        var before = Rune.GetRuneAt(text, char.IsLowSurrogate(text[index - 1]) && index >= 2 ? index - 2 : index - 1);
        var after = Rune.GetRuneAt(text, index + 1);
        return (IsLetterOrMark(before) && IsLetterOrMark(after)) || (IsEmojiPart(before) && IsEmojiPart(after));
    }

    private static bool IsLetterOrMark(Rune rune) => Rune.IsLetter(rune) || Rune.GetUnicodeCategory(rune)
        is System.Globalization.UnicodeCategory.NonSpacingMark or System.Globalization.UnicodeCategory.SpacingCombiningMark;

    /// <summary>Emoji, their variation selector and skin tones: what a ZWJ sequence is made of.</summary>
    private static bool IsEmojiPart(Rune rune) => rune.Value is >= 0x1F000 and <= 0x1FAFF or >= 0x2300 and <= 0x23FF
        or >= 0x2600 and <= 0x27BF or >= 0x2B00 and <= 0x2BFF or 0xFE0F or 0x20E3 or 0x2194 or 0x2195 or 0x2122 or 0x00A9 or 0x00AE;

    /// <summary>
    /// Message content: CRLF as LF, bidi overrides removed (<see cref="WithoutBidiControls"/>), NFC, trimmed, 1 to
    /// 4000 characters, no control characters but newline and tab.
    /// With <paramref name="allowEmpty"/> (a message that carries attachments) missing or blank content is "".
    /// </summary>
    public string? Content(string field, string? value, bool allowEmpty = false) => Text(field, value, MaxContentLength, allowEmpty);

    /// <summary>Free text (message content, a group's description): the rules of <see cref="Content"/>, up to <paramref name="maxLength"/>.</summary>
    public string? Text(string field, string? value, int maxLength, bool allowEmpty = false)
    {
        if (allowEmpty && string.IsNullOrWhiteSpace(value))
        {
            return "";
        }

        if (!Present(field, value, required: true))
        {
            return null;
        }

        // Windows line endings become plain newlines rather than a refused control character; bidi overrides go.
        var content = WithoutBidiControls(value!.Replace("\r\n", "\n", StringComparison.Ordinal)).Normalize(NormalizationForm.FormC).Trim();
        if (content.Length < 1 || content.Length > maxLength)
        {
            Add(field, $"Use 1 to {maxLength} characters.");
            return null;
        }

        if (content.Any(c => char.IsControl(c) && c is not '\n' and not '\t'))
        {
            Add(field, "Control characters other than newline and tab are not allowed.");
            return null;
        }

        return content;
    }

    public string? Id(string field, string? value, bool required = true)
    {
        if (!Present(field, value, required))
        {
            return null;
        }

        if (!IsId(value!))
        {
            Add(field, "Not a valid id.");
            return null;
        }

        return value;
    }

    public string? ClientMessageId(string field, string? value)
    {
        if (value is null)
        {
            return null;
        }

        if (!ClientMessageIdPattern().IsMatch(value))
        {
            Add(field, "Use 1 to 64 of the characters A-Z a-z 0-9 _ - . :");
            return null;
        }

        return value;
    }

    public int Limit(string field, string? value, int defaultValue, int max)
    {
        if (value is null)
        {
            return defaultValue;
        }

        if (!int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var limit) || limit < 1 || limit > max)
        {
            Add(field, $"Use a whole number from 1 to {max}.");
            return defaultValue;
        }

        return limit;
    }

    /// <summary>Exactly one of two alternative fields, e.g. receiverId or groupId.</summary>
    public void ExactlyOne(string first, string? firstValue, string second, string? secondValue)
    {
        if ((firstValue is null) == (secondValue is null))
        {
            Add(first, $"Give either {first} or {second}, not both or neither.");
        }
    }

    public static bool IsId(string value) => value.Length == 24 && value.All(char.IsAsciiHexDigitLower);

    private bool Present(string field, string? value, bool required)
    {
        if (value is not null)
        {
            return true;
        }

        if (required)
        {
            Add(field, "This field is required.");
        }

        return false;
    }

    [GeneratedRegex("^[A-Za-z0-9_.-]{3,32}$")]
    private static partial Regex UsernamePattern();

    // Deliberately plain: an unquoted (dot-atom) local part and a dotted domain. Quotes, commas, brackets and
    // the like would pass a looser pattern but make the mail library refuse the address when the reset email
    // is sent. Deliverability is what the reset email proves.
    [GeneratedRegex(@"^(?=[^@]{1,64}@)[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$")]
    private static partial Regex EmailPattern();

    [GeneratedRegex("^[A-Za-z0-9_.:-]{1,64}$")]
    private static partial Regex ClientMessageIdPattern();
}
