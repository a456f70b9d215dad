using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using ServerlessChat.Tests.Infrastructure;
using static PushSyncBenchmark;

/// <summary>
/// --sync-catchup: a client catching up the same number of changes spread over many conversations and all in one
/// (GET /api/sync paged until hasMore is false, from the cursor taken before the sends), on one standalone host
/// with SQLite, the two taking turns for a few rounds so that both see the same machine. A page's cost should
/// follow the changes it carries, not the conversations the caller has.
/// </summary>
internal static class SyncCatchUpBenchmark
{
    private const int SettleSeconds = 1;

    public static async Task<int> RunAsync(int changes, int conversations, int limit, int rounds)
    {
        await using var host = await StandaloneHost.StartAsync(new Dictionary<string, string?>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["RateLimiting__AuthPermitsPerMinute"] = "1000000",
            ["RateLimiting__PermitsPerMinute"] = "1000000",
            // The watermark of a sync answer trails now by this; the benchmark waits it out once before catching up.
            ["Sync__SettleSeconds"] = SettleSeconds.ToString(CultureInfo.InvariantCulture),
        });
        Console.WriteLine($"host: {host.BaseAddress}");

        var spread = await SeedAsync(host, "many", changes, conversations);
        var single = await SeedAsync(host, "one", changes, 1);
        await Task.Delay(TimeSpan.FromSeconds(SettleSeconds + 0.5));

        var failures = 0;
        var rows = new List<string>();
        var totals = new Dictionary<int, List<double>> { [conversations] = [], [1] = [] };
        for (var round = 1; round <= rounds; round++)
        {
            foreach (var (reader, since, count) in new[] { spread, single })
            {
                var (requests, received, messages, seconds, slowest) = await CatchUpAsync(reader, since, limit);
                failures += messages == changes ? 0 : 1;
                totals[count].Add(seconds);
                rows.Add(string.Create(CultureInfo.InvariantCulture,
                    $"| {changes:N0} over {count} | {round} | {requests} | {received:N0} ({messages:N0} newMessage) | {seconds * 1000:N0} | {seconds * 1000 / requests:N0} | {slowest:N0} |"));
            }
        }

        Console.WriteLine();
        Console.WriteLine($"load average at the end: {LoadAverage()} on {Environment.ProcessorCount} cores");
        Console.WriteLine();
        Console.WriteLine($"Catch-up sync, limit={limit} (GET /api/sync from the cursor taken before the sends until hasMore is false; standalone host, SQLite, loopback; round 1 is cold)");
        Console.WriteLine("| changes over conversations | round | requests | changes received | ms to catch up | ms per page | slowest page ms |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
        rows.ForEach(Console.WriteLine);
        // Warm rounds only, when there are any.
        double Median(List<double> values)
        {
            var warm = (values.Count > 1 ? values.Skip(1) : values).Order().ToList();
            return warm[warm.Count / 2];
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {conversations} conversations against 1, median of warm rounds | | | | {Median(totals[conversations]) / Median(totals[1]):N2}x | | |"));
        return failures == 0 ? 0 : 1;
    }

    /// <summary>A reader and a writer sharing <paramref name="conversations"/> groups, the writer sending <paramref name="changes"/> messages over them.</summary>
    private static async Task<(User Reader, string Since, int Conversations)> SeedAsync(StandaloneHost host, string prefix, int changes, int conversations)
    {
        var reader = await RegisterAsync(host, $"{prefix}r");
        var writer = await RegisterAsync(host, $"{prefix}w");
        var groups = new List<string>();
        for (var i = 0; i < conversations; i++)
        {
            var group = await ReadAsync(await reader.Http.PostAsJsonAsync("api/groups", new { name = $"sync {i}", memberIds = new[] { writer.Id } }), HttpStatusCode.Created);
            groups.Add((string)group["id"]!);
        }
        var since = (string)(await ReadAsync(await reader.Http.GetAsync("api/sync"), HttpStatusCode.OK))["cursor"]!;
        var clock = Stopwatch.StartNew();
        await ForEachAsync(changes, 16, i => SendAsync(writer, new { groupId = groups[i % groups.Count], content = $"change {i}" }));
        Console.WriteLine($"sent {changes:N0} messages over {conversations} groups in {clock.Elapsed.TotalSeconds:N1} s");
        return (reader, since, conversations);
    }
}
