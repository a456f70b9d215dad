using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ServerlessChat.Core.Domain;
using ServerlessChat.Core.Http;
using ServerlessChat.Core.Moderation;

namespace ServerlessChat.Tests.Moderation;

/// <summary>The content filter's folding and matching, without a host: evasions, whole words, overlaps, masking.</summary>
public sealed class ContentFilterTests
{
    private static ContentFilter Filter(FilterAction action, string[] terms, string[]? patterns = null, int timeoutMs = 50) =>
        new(Options.Create(new ContentFilterOptions
        {
            BlockedTerms = [.. terms],
            BlockedPatterns = [.. patterns ?? []],
            FilterAction = action,
            PatternTimeoutMilliseconds = timeoutMs,
        }), NullLogger<ContentFilter>.Instance);

    private static string? Apply(ContentFilter filter, string text, out string? error)
    {
        var rules = new InputRules();
        var result = filter.Apply(rules, "content", text);
        try
        {
            rules.ThrowIfAny();
            error = null;
        }
        catch (ProblemException problem)
        {
            error = problem.Errors!["content"][0];
        }

        return result;
    }

    [Theory]
    [InlineData("this is badword here")]
    [InlineData("BadWord!")]
    [InlineData("ＢＡＤＷＯＲＤ")]                  // fullwidth
    [InlineData("bad\u200bword")]                   // zero-width space inside
    [InlineData("b\u00adad\u2060wo\ufeffrd")]        // soft hyphen, word joiner, BOM
    [InlineData("bádwörd")]                          // accents, precomposed
    [InlineData("bad\u0301wo\u0308rd")]              // accents, combining
    [InlineData("b a d w o r d")]                    // spaced letters
    [InlineData("b.a.d.w.o.r.d")]
    [InlineData("b-a-d-w-o-r-d and more")]
    [InlineData("ⓑⓐⓓⓦⓞⓡⓓ")]                      // circled letters fold to ASCII under NFKC
    public void EvasionsOfABlockedTermAreCaught(string text)
    {
        var filter = Filter(FilterAction.Reject, ["badword"]);

        Assert.Equal(FilterVerdict.BlockedTerm, filter.Check(text));
    }

    [Theory]
    [InlineData("badwords are fine")]      // a longer word
    [InlineData("notbadword")]
    [InlineData("bad word")]               // two words are not the one-word term
    [InlineData("b a d  w o\nr d")]        // letters apart across a line break
    [InlineData("good words only")]
    public void OnlyWholeWordsMatch(string text)
    {
        var filter = Filter(FilterAction.Reject, ["badword"]);

        Assert.Equal(FilterVerdict.Clean, filter.Check(text));
    }

    [Fact]
    public void SpacedLettersMatchATermInsideTheRunButNotAcrossARealWord()
    {
        var filter = Filter(FilterAction.Reject, ["bad"]);

        Assert.Equal(FilterVerdict.BlockedTerm, filter.Check("you are a b a d guy"));
        Assert.Equal(FilterVerdict.Clean, filter.Check("a badge"));
    }

    [Fact]
    public void PhrasesMatchAcrossAnySeparatorsButNotInsideWords()
    {
        var filter = Filter(FilterAction.Reject, ["very  Bad  thing"]);

        Assert.Equal(FilterVerdict.BlockedTerm, filter.Check("a VERY, bad... thing"));
        Assert.Equal(FilterVerdict.BlockedTerm, filter.Check("very\u200b bad\tthing!"));
        Assert.Equal(FilterVerdict.Clean, filter.Check("very bad things"));
        Assert.Equal(FilterVerdict.Clean, filter.Check("very bad"));
    }

    [Fact]
    public void MaskingReplacesEachMatchedCharacterWithOneStarAndKeepsTheRest()
    {
        var filter = Filter(FilterAction.Mask, ["badword", "evil"]);

        Assert.Equal("so ******* and **** ok", Apply(filter, "so BadWord and evil ok", out var error));
        Assert.Null(error);
        Assert.Equal("x ************* y", Apply(filter, "x b a d w o r d y", out _));
        Assert.Equal("[*******]", Apply(filter, "[ＢＡＤＷＯＲＤ]", out _));
        // A zero-width character inside the word is masked with it; an accent combined with its letter is one star.
        Assert.Equal("********!", Apply(filter, "bad\u200bword!", out _));
        Assert.Equal("**** 👍", Apply(filter, "e\u0301vil 👍", out _));
        Assert.Equal("badwords stay", Apply(filter, "badwords stay", out _));
    }

    [Fact]
    public void OverlappingTermsAreAllFoundAndMaskedTogether()
    {
        var filter = Filter(FilterAction.Mask, ["she", "he", "hers", "his", "she sells"]);

        // "she" and "she sells" overlap; "he" inside "she" is not a whole word, "he" in "he's" is.
        Assert.Equal("*********, **'s fine", Apply(filter, "she sells, he's fine", out _));
        Assert.Equal("**** and ***", Apply(filter, "hers and his", out _));
    }

    [Fact]
    public void RejectNamesTheKindOfRuleAndNeverTheTerm()
    {
        var filter = Filter(FilterAction.Reject, ["badword"], [@"\bfree\s+money\b"]);

        Assert.Null(Apply(filter, "a badword", out var termError));
        Assert.Contains("blocked term", termError, StringComparison.Ordinal);
        Assert.DoesNotContain("badword", termError, StringComparison.OrdinalIgnoreCase);

        Assert.Null(Apply(filter, "get FREE  money now", out var patternError));
        Assert.Contains("blocked pattern", patternError, StringComparison.Ordinal);
        Assert.Equal("clean text", Apply(filter, "clean text", out _));
    }

    [Fact]
    public void ACatastrophicPatternIsBoundedByItsTimeoutAndRejectsTheText()
    {
        // Nested quantifiers on a text that almost matches: exponential backtracking, bounded by the timeout.
        var filter = Filter(FilterAction.Mask, [], [@"^(\w+\s?)+\d$"], timeoutMs: 20);
        var evil = string.Concat(Enumerable.Repeat("ab ", 40)) + "x";

        var started = System.Diagnostics.Stopwatch.StartNew();
        Assert.Equal(FilterVerdict.PatternTimedOut, filter.Check(evil));
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(10), $"took {started.Elapsed}");
        Assert.Null(Apply(filter, evil, out var error));
        Assert.Contains("in time", error, StringComparison.Ordinal);
    }

    [Fact]
    public void UsernamesAreRefusedEvenWhenTheActionIsMask()
    {
        var filter = Filter(FilterAction.Mask, ["badword"]);
        var rules = new InputRules();

        Assert.Null(filter.Apply(rules, "username", "the.badword", maskable: false));
        Assert.True(rules.HasErrors);
    }

    [Fact]
    public void TenThousandTermsAreFoundInOnePass()
    {
        var terms = Enumerable.Range(0, 10_000).Select(i => $"term{i:x5}").ToArray();
        var filter = Filter(FilterAction.Reject, terms);

        Assert.Equal(FilterVerdict.BlockedTerm, filter.Check("hello TERM0270f world"));
        Assert.Equal(FilterVerdict.BlockedTerm, filter.Check("hello t e r m 0 0 0 0 0"));
        Assert.Equal(FilterVerdict.Clean, filter.Check("hello term0270g world"));
    }

    [Theory]
    [InlineData("(unclosed")]
    [InlineData("[z-a]")]
    public void AnInvalidPatternFailsValidationNamingTheSetting(string pattern)
    {
        var options = new ContentFilterOptions { BlockedPatterns = ["ok", pattern] };

        var results = options.Validate(new ValidationContext(options)).ToList();

        var result = Assert.Single(results);
        Assert.Contains("Moderation:BlockedPatterns:1", result.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void ATermWithNoLetterFailsValidation()
    {
        var options = new ContentFilterOptions { BlockedTerms = ["fine", "!!!"] };

        var result = Assert.Single(options.Validate(new ValidationContext(options)));

        Assert.Contains("Moderation:BlockedTerms:1", result.ErrorMessage, StringComparison.Ordinal);
    }
}
