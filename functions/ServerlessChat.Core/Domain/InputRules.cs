using System.Text;
using System.Text.RegularExpressions;
using ServerlessChat.Core.Http;

namespace ServerlessChat.Core.Domain;

/// <summary>The input rules of API.md, each written once. Collect errors per field, then <see cref="ThrowIfAny"/>.</summary>
public sealed partial class InputRules
{
    public const int MaxContentLength = 4000;
    public const int MaxMembers = 256;

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

    /// <summary>Display and group names: trimmed, NFC, no control characters.</summary>
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

        return name;
    }

    /// <summary>
    /// Message content: CRLF as LF, NFC, trimmed, 1 to 4000 characters, no control characters but newline and tab.
    /// With <paramref name="allowEmpty"/> (a message that carries attachments) missing or blank content is "".
    /// </summary>
    public string? Content(string field, string? value, bool allowEmpty = false)
    {
        if (allowEmpty && string.IsNullOrWhiteSpace(value))
        {
            return "";
        }

        if (!Present(field, value, required: true))
        {
            return null;
        }

        // Windows line endings become plain newlines rather than a refused control character.
        var content = value!.Replace("\r\n", "\n", StringComparison.Ordinal).Normalize(NormalizationForm.FormC).Trim();
        if (content.Length < 1 || content.Length > MaxContentLength)
        {
            Add(field, $"Use 1 to {MaxContentLength} characters.");
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
