using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ServerlessChat.Core.Domain;

namespace ServerlessChat.Core.Moderation;

/// <summary>What the filter found in a text.</summary>
public enum FilterVerdict
{
    Clean,
    BlockedTerm,
    BlockedPattern,
    /// <summary>A pattern ran out of its time: the text is refused, as API.md says.</summary>
    PatternTimedOut,
}

/// <summary>
/// The operator's content filter (API.md "Trust and safety"), built once at start: the blocked terms folded into
/// one <see cref="TermMatcher"/>, the patterns compiled with their timeout. Every user-written text field passes
/// through <see cref="Apply"/> after its own input rule.
/// </summary>
public sealed partial class ContentFilter
{
    private readonly TermMatcher _terms;
    private readonly Regex[] _patterns;
    private readonly FilterAction _action;

    public ContentFilter(IOptions<ContentFilterOptions> options, ILogger<ContentFilter> logger)
    {
        var settings = options.Value;
        _terms = new TermMatcher(settings.AllTerms().Select(t => FilterText.Fold(t.Term)));
        var timeout = TimeSpan.FromMilliseconds(settings.PatternTimeoutMilliseconds);
        _patterns = [.. settings.BlockedPatterns.Select(p => new Regex(p, RegexOptions.CultureInvariant | RegexOptions.Compiled, timeout))];
        _action = settings.FilterAction;
        LogBuilt(logger, _terms.TermCount, _patterns.Length, _action);
    }

    public bool IsEmpty => _terms.TermCount == 0 && _patterns.Length == 0;

    /// <summary>
    /// Checks a field's text (already valid by its own rule; null passes through). Returns the text to store:
    /// unchanged, or masked when the operator chose <see cref="FilterAction.Mask"/> and <paramref name="maskable"/>
    /// (usernames are not). Otherwise adds an error for <paramref name="field"/> naming the kind of rule, never the
    /// term, and returns null.
    /// </summary>
    public string? Apply(InputRules rules, string field, string? text, bool maskable = true)
    {
        if (text is null || text.Length == 0 || IsEmpty)
        {
            return text;
        }

        var folded = FilterText.Of(text);
        var ranges = new List<(int Start, int End)>();
        var verdict = Find(folded, ranges, stopAtFirst: !(maskable && _action == FilterAction.Mask));
        if (verdict == FilterVerdict.Clean)
        {
            return text;
        }

        if (verdict != FilterVerdict.PatternTimedOut && maskable && _action == FilterAction.Mask)
        {
            return Mask(text, ranges);
        }

        rules.Add(field, verdict switch
        {
            FilterVerdict.BlockedTerm => "This text is not allowed: it contains a blocked term.",
            FilterVerdict.BlockedPattern => "This text is not allowed: it matches a blocked pattern.",
            _ => "This text is not allowed: it could not be checked against the blocked patterns in time.",
        });
        return null;
    }

    /// <summary>What the filter finds in the text, without masking (for tests and the benchmark).</summary>
    public FilterVerdict Check(string text) => IsEmpty ? FilterVerdict.Clean : Find(FilterText.Of(text), [], stopAtFirst: true);

    /// <summary>
    /// Finds the blocked terms (whole words only) and patterns in the folded text, adding the original ranges
    /// they cover to <paramref name="ranges"/>; the strongest verdict found.
    /// </summary>
    private FilterVerdict Find(FilterText folded, List<(int Start, int End)> ranges, bool stopAtFirst)
    {
        var verdict = FilterVerdict.Clean;
        var state = new Search(folded, ranges, stopAtFirst);
        _terms.FindAll(folded.Text, ref state, static (ref Search s, int start, int end) =>
        {
            if (!s.Text.IsBoundary(start) || !s.Text.IsBoundary(end))
            {
                return true;
            }

            s.Found = true;
            s.Ranges.Add(s.Text.Source(start, end));
            return !s.StopAtFirst;
        });
        if (state.Found)
        {
            verdict = FilterVerdict.BlockedTerm;
            if (stopAtFirst)
            {
                return verdict;
            }
        }

        foreach (var pattern in _patterns)
        {
            try
            {
                for (var match = pattern.Match(folded.Text); match.Success; match = match.NextMatch())
                {
                    if (match.Length == 0)
                    {
                        continue;
                    }

                    ranges.Add(folded.Source(match.Index, match.Index + match.Length));
                    verdict = verdict == FilterVerdict.Clean ? FilterVerdict.BlockedPattern : verdict;
                    if (stopAtFirst)
                    {
                        return verdict;
                    }
                }
            }
            catch (RegexMatchTimeoutException)
            {
                return FilterVerdict.PatternTimedOut;
            }
        }

        return verdict;
    }

    /// <summary>Each user-perceived character (text element) that overlaps a range becomes one <c>*</c>; the rest stays.</summary>
    public static string Mask(string text, IReadOnlyList<(int Start, int End)> ranges)
    {
        var sorted = ranges.OrderBy(r => r.Start).ToList();
        var result = new StringBuilder(text.Length);
        var next = 0;
        for (var at = 0; at < text.Length;)
        {
            var length = StringInfo.GetNextTextElementLength(text, at);
            while (next < sorted.Count && sorted[next].End <= at)
            {
                next++;
            }

            var masked = false;
            for (var r = next; r < sorted.Count && sorted[r].Start < at + length; r++)
            {
                if (sorted[r].End > at)
                {
                    masked = true;
                    break;
                }
            }

            if (masked)
            {
                result.Append('*');
            }
            else
            {
                result.Append(text, at, length);
            }

            at += length;
        }

        return result.ToString();
    }

    private struct Search(FilterText text, List<(int Start, int End)> ranges, bool stopAtFirst)
    {
        public readonly FilterText Text = text;
        public readonly List<(int Start, int End)> Ranges = ranges;
        public readonly bool StopAtFirst = stopAtFirst;
        public bool Found;
    }

    [LoggerMessage(LogLevel.Information, "Content filter built: {Terms} blocked term(s), {Patterns} pattern(s), action {Action}")]
    private static partial void LogBuilt(ILogger logger, int terms, int patterns, FilterAction action);
}
