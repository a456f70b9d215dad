using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ServerlessChat.Core.Domain;
using ServerlessChat.Core.Moderation;

/// <summary>
/// What the content filter adds to a send (API.md: with 10,000 terms at most 50 µs more than with none): the
/// filter's Apply on a typical message, in process, with no terms and with 10,000 terms (words and phrases), in
/// both actions. Medians of rounds of many calls, on one thread.
/// </summary>
internal static class ContentFilterBenchmark
{
    private static readonly string[] Messages =
    [
        "Hey, are we still on for lunch tomorrow? I was thinking about the new place near the station, around 12:30.",
        "Thanks! I'll send the slides tonight. Could you check the numbers on page 4 before the call?",
        "Café au lait for me 😊 — see you at the Straße corner in 5",
    ];

    public static int Run(int terms, int rounds, int calls)
    {
        var random = new Random(42);
        var termList = Enumerable.Range(0, terms).Select(i => i % 10 == 0
            ? $"{Word(random)} {Word(random)}"
            : Word(random)).ToList();
        Console.WriteLine($"Content filter: {terms:N0} blocked terms (one in ten a two-word phrase) against none; {rounds} rounds of {calls:N0} calls per message; {Messages.Length} messages of {string.Join(", ", Messages.Select(m => m.Length))} characters");

        var built = Stopwatch.StartNew();
        var full = Build(termList, FilterAction.Reject);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"built the {terms:N0}-term matcher in {built.Elapsed.TotalMilliseconds:N0} ms"));
        var masking = Build(termList, FilterAction.Mask);
        var empty = Build([], FilterAction.Reject);

        Console.WriteLine("| filter | µs per call (median of rounds) |");
        Console.WriteLine("| --- | ---: |");
        var none = Measure(empty, rounds, calls);
        var reject = Measure(full, rounds, calls);
        var mask = Measure(masking, rounds, calls);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| no terms | {none:N2} |"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {terms:N0} terms, Reject | {reject:N2} |"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {terms:N0} terms, Mask | {mask:N2} |"));
        var added = Math.Max(reject, mask) - none;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"added per send: {added:N2} µs (target at most 50)"));
        return added <= 50 ? 0 : 1;
    }

    private static ContentFilter Build(List<string> terms, FilterAction action) =>
        new(Options.Create(new ContentFilterOptions { BlockedTerms = terms, FilterAction = action }), NullLogger<ContentFilter>.Instance);

    private static double Measure(ContentFilter filter, int rounds, int calls)
    {
        var perCall = new List<double>();
        for (var round = 0; round < rounds + 1; round++)
        {
            var watch = Stopwatch.StartNew();
            for (var i = 0; i < calls; i++)
            {
                foreach (var message in Messages)
                {
                    var rules = new InputRules();
                    if (filter.Apply(rules, "content", message) is null)
                    {
                        throw new InvalidOperationException("A benchmark message was refused; the random terms should not match it.");
                    }
                }
            }

            // The first round warms the JIT up and is left out.
            if (round > 0)
            {
                perCall.Add(watch.Elapsed.TotalMicroseconds / (calls * Messages.Length));
            }
        }

        return perCall.Order().ElementAt(perCall.Count / 2);
    }

    /// <summary>A random 5 to 9 letter word of q, x, z and vowels, so none is a word of the messages.</summary>
    private static string Word(Random random)
    {
        const string letters = "qxzjkvwy";
        var length = random.Next(5, 10);
        return string.Create(length, random, (span, r) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = letters[r.Next(letters.Length)];
            }
        });
    }
}
