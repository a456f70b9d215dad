using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using ServerlessChat.Tests.Infrastructure;
using static PushSyncBenchmark;

/// <summary>
/// --events: webhook delivery rate to a loopback receiver (Kestrel in this process; it answers 204 without
/// verifying, so the figure is the sender's), and a send's p50 with a webhook and a before-send hook configured
/// against one without, both hosts up, taking turns.
/// </summary>
internal static class EventsBenchmark
{
    public static async Task<int> RunAsync(int events, int subjects, int latencySends, int rounds)
    {
        var secret = "whsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var accepted = 0;
        var refusing = true;
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        await using var receiver = builder.Build();
        receiver.MapPost("/hook", (HttpContext _) =>
        {
            if (Volatile.Read(ref refusing))
            {
                return Results.StatusCode(StatusCodes.Status503ServiceUnavailable);
            }
            Interlocked.Increment(ref accepted);
            return Results.NoContent();
        });
        receiver.MapPost("/check", () => Results.Json(new { action = "allow" }));
        await receiver.StartAsync();
        var baseUrl = receiver.Urls.Single();
        Console.WriteLine($"load average {LoadAverage()} (a shared 2-core machine: other work runs alongside)");

        // 1. Delivery rate: the events queue up while the receiver refuses, then drain once it accepts.
        var webhook = new Dictionary<string, string?>
        {
            ["Events__Webhooks__0__Url"] = baseUrl + "/hook",
            ["Events__Webhooks__0__Secret"] = secret,
            ["Events__Webhooks__0__Types__0"] = "message.created",
            ["Events__RetryBaseMilliseconds"] = "200",
        };
        await using (var host = await StandaloneHost.StartAsync(webhook))
        {
            var sender = await RegisterAsync(host, "evsend");
            var peers = new List<User>();
            for (var i = 0; i < subjects; i++)
            {
                peers.Add(await RegisterAsync(host, "evpeer"));
            }
            await ForEachAsync(events, 16, i => SendAsync(sender, new { receiverId = peers[i % subjects].Id, content = $"event {i}" }));
            // Every subject has been tried and refused once: the backlog is known to the dispatcher.
            await Task.Delay(TimeSpan.FromSeconds(2));
            var clock = Stopwatch.StartNew();
            Volatile.Write(ref refusing, false);
            while (Volatile.Read(ref accepted) < events && clock.Elapsed < TimeSpan.FromMinutes(5))
            {
                await Task.Delay(20);
            }
            var seconds = clock.Elapsed.TotalSeconds;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"delivery: {accepted} of {events} message.created events over {subjects} subjects in {seconds:N2} s after the receiver came back: {accepted / seconds:N0} events/s (target >= 500)"));
        }

        // 2. Send p50 with a webhook and the hook against without, both hosts up, taking turns.
        Volatile.Write(ref refusing, false);
        var withEvents = new Dictionary<string, string?>(webhook)
        {
            ["Events__Webhooks__0__Types__0"] = null,
            ["Events__BeforeSend__Url"] = baseUrl + "/check",
            ["Events__BeforeSend__Secret"] = secret,
        };
        var webhookOnly = new Dictionary<string, string?>(webhook) { ["Events__Webhooks__0__Types__0"] = null };
        await using var plain = await StandaloneHost.StartAsync();
        await using var hooked = await StandaloneHost.StartAsync(webhookOnly);
        await using var configured = await StandaloneHost.StartAsync(withEvents);
        string[] names = ["without events", "with a webhook", "with a webhook and the hook"];
        var pairs = new List<(User From, string To)>();
        foreach (var host in new[] { plain, hooked, configured })
        {
            var from = await RegisterAsync(host, "evlat");
            pairs.Add((from, (await RegisterAsync(host, "evlat")).Id));
        }
        var p50s = new List<double[]>();
        for (var round = 0; round <= rounds; round++)
        {
            var figures = new double[pairs.Count];
            for (var h = 0; h < pairs.Count; h++)
            {
                var times = new List<double>(latencySends);
                for (var i = 0; i < latencySends; i++)
                {
                    var watch = Stopwatch.StartNew();
                    await SendAsync(pairs[h].From, new { receiverId = pairs[h].To, content = $"latency {round} {i}" });
                    times.Add(watch.Elapsed.TotalMilliseconds);
                }
                times.Sort();
                figures[h] = times[times.Count / 2];
            }
            if (round == 0)
            {
                continue; // warm-up
            }
            p50s.Add(figures);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"round {round}: send p50 {string.Join(", ", figures.Select((f, h) => $"{f:N3} ms {names[h]}"))}"));
        }
        var medians = Enumerable.Range(0, pairs.Count).Select(h => p50s.Select(p => p[h]).Order().ElementAt(p50s.Count / 2)).ToArray();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"send p50 (median of {rounds} rounds of {latencySends} sequential sends, load average {LoadAverage()}): {medians[0]:N3} ms without, {medians[1]:N3} ms with a webhook (+{medians[1] - medians[0]:N3}), {medians[2]:N3} ms with a webhook and the hook (+{medians[2] - medians[0]:N3}; target within 1.5 ms)"));
        return 0;
    }
}
