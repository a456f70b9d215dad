using System.ComponentModel.DataAnnotations;
using System.Text.RegularExpressions;

namespace ServerlessChat.Core.Moderation;

public enum FilterAction
{
    /// <summary>Text with a blocked term or pattern is refused with 400.</summary>
    Reject,

    /// <summary>Each user-perceived character of the matched text is stored as one <c>*</c> (usernames are still refused).</summary>
    Mask,
}

/// <summary>The operator's content filter (API.md "Trust and safety"), section <c>Moderation</c>.</summary>
public sealed class ContentFilterOptions : IValidatableObject
{
    public const string Section = "Moderation";

    /// <summary>Words and phrases, each matching whole words after folding (<see cref="FilterText"/>).</summary>
    public List<string> BlockedTerms { get; set; } = [];

    /// <summary>A UTF-8 file of more terms, one a line (blank lines and lines starting with # skipped).</summary>
    public string? BlockedTermsFile { get; set; }

    /// <summary>.NET regular expressions, matched against the folded text, each bounded by <see cref="PatternTimeoutMilliseconds"/>.</summary>
    public List<string> BlockedPatterns { get; set; } = [];

    public FilterAction FilterAction { get; set; } = FilterAction.Reject;

    /// <summary>How long one pattern may run on one text; a pattern that runs out of time rejects the text.</summary>
    [Range(1, 1000)]
    public int PatternTimeoutMilliseconds { get; set; } = 50;

    /// <summary>The terms of <see cref="BlockedTerms"/> and <see cref="BlockedTermsFile"/>, as written.</summary>
    public IEnumerable<(string Setting, string Term)> AllTerms()
    {
        for (var i = 0; i < BlockedTerms.Count; i++)
        {
            yield return ($"{Section}:{nameof(BlockedTerms)}:{i}", BlockedTerms[i]);
        }

        if (!string.IsNullOrWhiteSpace(BlockedTermsFile) && File.Exists(BlockedTermsFile))
        {
            var line = 0;
            foreach (var text in File.ReadLines(BlockedTermsFile))
            {
                line++;
                if (!string.IsNullOrWhiteSpace(text) && !text.TrimStart().StartsWith('#'))
                {
                    yield return ($"{Section}:{nameof(BlockedTermsFile)} line {line}", text);
                }
            }
        }
    }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!string.IsNullOrWhiteSpace(BlockedTermsFile) && !File.Exists(BlockedTermsFile))
        {
            yield return new ValidationResult($"{Section}:{nameof(BlockedTermsFile)}: no file at {BlockedTermsFile}.", [nameof(BlockedTermsFile)]);
        }

        foreach (var (setting, term) in AllTerms())
        {
            if (FilterText.Fold(term).Length == 0)
            {
                yield return new ValidationResult($"{setting} has no letter or digit, so it could never match a word.", [nameof(BlockedTerms)]);
            }
        }

        for (var i = 0; i < BlockedPatterns.Count; i++)
        {
            var problem = PatternProblem(BlockedPatterns[i]);
            if (problem is not null)
            {
                yield return new ValidationResult($"{Section}:{nameof(BlockedPatterns)}:{i} is not a valid .NET regular expression: {problem}", [nameof(BlockedPatterns)]);
            }
        }
    }

    private static string? PatternProblem(string pattern)
    {
        if (string.IsNullOrEmpty(pattern))
        {
            return "it is empty.";
        }

        try
        {
            _ = new Regex(pattern, RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(50));
            return null;
        }
        catch (ArgumentException error)
        {
            return error.Message;
        }
    }
}
