// HTTP benchmark of the standalone host with SQLite: sends/s and history pages/s beside /api/health, measured
// with wrk over loopback. Run by hand (not part of the tests):
//   dotnet run -c Release --project tests/ServerlessChat.Benchmarks -- [--messages 1000000] [--seconds 15] [--connections 64] [--rounds 1]
//     [--baseline OTHER_BUILD/functions/ServerlessChat.Standalone/bin/Release/net10.0]  (both builds in turn, each round)
//   dotnet run -c Release --project tests/ServerlessChat.Benchmarks -- --history-scale 0,10000,10000000 [--seconds 10] [--rounds 3] [--starts 3]
// Search, reactions and the cost of replies and mentions (see ConversationsBenchmark):
//   dotnet run -c Release --project tests/ServerlessChat.Benchmarks -- --conversations [--messages 1000000] [--requests 2000] [--concurrency 8] [--seed-cache DIR] [--search-conversations 500]
// Attachments (see AttachmentsBenchmark): slot, upload, send of a 1 MiB JPEG, thumbnail download, send to thumbnail:
//   dotnet run -c Release --project tests/ServerlessChat.Benchmarks -- --attachments [--requests 200] [--concurrency 8] [--stores both|filesystem|azurite]
// 12 MP photos: one send to thumbnail p50, and a burst sent at once against the same photos one after another:
//   dotnet run -c Release --project tests/ServerlessChat.Benchmarks -- --photos [--singles 10] [--burst 16] [--baseline OTHER_BUILD/functions/ServerlessChat.Standalone/bin/Release/net10.0]
// Catch-up sync, Web Push throughput and what a push subscription adds to a send (see PushSyncBenchmark):
//   dotnet run -c Release --project tests/ServerlessChat.Benchmarks -- --push-sync [--changes 10000] [--sync-conversations 200] [--push-messages 200] [--push-recipients 20] [--latency-sends 300]
//   dotnet run -c Release --project tests/ServerlessChat.Benchmarks -- --sync-catchup [--changes 10000] [--sync-conversations 200] [--limit 500] [--rounds 3]
// What the content filter adds to a send with 10,000 blocked terms (see ContentFilterBenchmark), in process:
//   dotnet run -c Release --project tests/ServerlessChat.Benchmarks -- --content-filter [--terms 10000] [--rounds 7] [--calls 20000]
//   dotnet run -c Release --project tests/ServerlessChat.Benchmarks -- --export [--messages 10000] [--attachment-mib 100]
// A connect storm (see StormBenchmark): N clients at once, each negotiating on its own sockets and retrying as the JS SDK does:
//   dotnet run -c Release --project tests/ServerlessChat.Benchmarks -- --storm 2000 [--host-open-files 4096] [--storm-seconds 120] [--baseline OTHER_BUILD/functions/ServerlessChat.Standalone/bin/Release/net10.0]
// It builds the standalone host in Release first when given --build.
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ServerlessChat.Core.Domain;
using ServerlessChat.LoadTest;
using ServerlessChat.Tests.Infrastructure;

var messageCount = IntArg("--messages", 1_000_000);
if (args.Contains("--conversations"))
{
    return await ConversationsBenchmark.RunAsync(messageCount, IntArg("--requests", 2000), IntArg("--concurrency", 8), StringArg("--seed-cache"), IntArg("--search-conversations", 500));
}

if (args.Contains("--attachments"))
{
    return await AttachmentsBenchmark.RunAsync(IntArg("--requests", 200), IntArg("--concurrency", 8), StringArg("--stores") ?? "both");
}

if (args.Contains("--photos"))
{
    return await AttachmentsBenchmark.PhotosAsync(IntArg("--singles", 10), IntArg("--burst", 16), StringArg("--baseline"));
}

if (args.Contains("--sync-catchup"))
{
    return await SyncCatchUpBenchmark.RunAsync(IntArg("--changes", 10_000), IntArg("--sync-conversations", 200), IntArg("--limit", 500), IntArg("--rounds", 3));
}

if (args.Contains("--content-filter"))
{
    return ContentFilterBenchmark.Run(IntArg("--terms", 10_000), IntArg("--rounds", 7), IntArg("--calls", 20_000));
}

if (args.Contains("--export"))
{
    return await ExportBenchmark.RunAsync(IntArg("--messages", 10_000), IntArg("--attachment-mib", 100));
}

if (args.Contains("--events"))
{
    return await EventsBenchmark.RunAsync(IntArg("--event-count", 3000), IntArg("--subjects", 50), IntArg("--latency-sends", 300), IntArg("--rounds", 3));
}

if (args.Contains("--storm"))
{
    var clients = IntArg("--storm", 2000);
    return await StormBenchmark.RunAsync(clients, IntArg("--host-open-files", Math.Max(4096, 2 * clients)), IntArg("--storm-seconds", 120), StringArg("--baseline"));
}

if (args.Contains("--push-sync"))
{
    return await PushSyncBenchmark.RunAsync(IntArg("--changes", 10_000), IntArg("--sync-conversations", 200), IntArg("--push-messages", 200), IntArg("--push-recipients", 20), IntArg("--latency-sends", 300));
}

var seconds = IntArg("--seconds", 15);
var connections = IntArg("--connections", 64);
const int userCount = 64;
const string password = "benchmark-password";

if (!File.Exists("/usr/bin/wrk"))
{
    Console.Error.WriteLine("wrk is required: apt-get install -y wrk");
    return 2;
}

// --history-scale 0,10000,10000000: one fresh store per size (seeded, then its host started on it; all hosts stay
// up), then --rounds rounds of sends and pages on each host in turn, so that every size sees the same machine (it
// is shared: a load spike during one size's only run would otherwise read as a cost of that size). Printed as
// one table with each figure the median of the rounds: start-up time (median of --starts starts), database bytes
// per message, sends/s and page p99 at each size against the first.
var scaleSizes = StringArg("--history-scale")?.Split(',').Select(v => int.Parse(v, CultureInfo.InvariantCulture)).ToList();
if (scaleSizes is not null)
{
    var rounds = IntArg("--rounds", 3);
    var stores = new List<BenchStore>();
    try
    {
        foreach (var size in scaleSizes)
        {
            stores.Add(await PrepareAsync(size, IntArg("--starts", 3)));
        }

        var sends = stores.Select(_ => new List<WrkResult>()).ToArray();
        var pages = stores.Select(_ => new List<WrkResult>()).ToArray();
        for (var round = 1; round <= rounds; round++)
        {
            Console.WriteLine($"-- round {round} of {rounds}; load average {File.ReadAllText("/proc/loadavg").Trim()}");
            for (var i = 0; i < stores.Count; i++)
            {
                sends[i].Add(Wrk(stores[i].Host.BaseAddress + "api/messages", stores[i].SendScript, seconds, connections));
                if (stores[i].Messages > 0)
                {
                    pages[i].Add(Wrk(stores[i].Host.BaseAddress + "api/messages", stores[i].HistoryScript, seconds, connections));
                }
            }
        }

        var scaleRows = stores.Select((store, i) => new ScaleRow(store.Messages, store.SeedSeconds, store.DatabaseBytes, store.StartSeconds,
            Median(sends[i]), store.Messages == 0 ? WrkResult.None : Median(pages[i]),
            ProcStats.PeakMegabytes(store.Host.ProcessId))).ToList();
        var baseline = scaleRows[0];
        var pagesBaseline = scaleRows.FirstOrDefault(r => r.Messages > 0);
        Console.WriteLine();
        Console.WriteLine($"History at scale: one conversation holding the messages; {connections} connections, {seconds} s a run, wrk -t2 on the same 2-core machine (shared); medians of {rounds} rounds, sizes taking turns; start: median of {IntArg("--starts", 3)} starts");
        Console.WriteLine("| messages | seed s | db MB | bytes/message | host start s | POST /api/messages /s | vs first | send p99 ms | page p50 ms | page p99 ms | p99 vs first non-empty | pages/s | host peak RSS MB | non-2xx |");
        Console.WriteLine("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var r in scaleRows)
        {
            var pageCells = r.Messages == 0 ? "| | | | " : string.Create(CultureInfo.InvariantCulture, $"| {r.Pages.P50:N2} | {r.Pages.P99:N2} | {r.Pages.P99 / pagesBaseline!.Pages.P99:P0} | {r.Pages.RequestsPerSecond:N0} ");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {r.Messages:N0} | {r.SeedSeconds:N1} | {r.DatabaseBytes / 1048576.0:N1} | {(r.Messages == 0 ? "" : (r.DatabaseBytes / (double)r.Messages).ToString("N0", CultureInfo.InvariantCulture))} | {r.StartSeconds:N2} | {r.Sends.RequestsPerSecond:N0} | {r.Sends.RequestsPerSecond / baseline.Sends.RequestsPerSecond:P0} | {r.Sends.P99:N1} {pageCells}| {r.HostPeakMegabytes:N0} | {r.Sends.Errors + r.Pages.Errors} |"));
        }

        Console.WriteLine($"load average at the end: {File.ReadAllText("/proc/loadavg").Trim()}");
        return sends.Concat(pages).SelectMany(r => r).All(r => r.Errors == 0) ? 0 : 1;
    }
    finally
    {
        foreach (var store in stores)
        {
            await store.Host.DisposeAsync();
        }
    }
}

// --baseline DIR: a second host, another build's output folder (e.g. an older commit's
// functions/ServerlessChat.Standalone/bin/Release/net10.0), on a store seeded the same way; each round runs every
// load on this build and then on the baseline, back to back, so that both see the same moment of a shared machine.
var baselineOutput = StringArg("--baseline");
if (baselineOutput is not null)
{
    var current = await PrepareAsync(messageCount, 1);
    var baseline = await PrepareAsync(messageCount, 1, baselineOutput);
    await using (current.Host)
    await using (baseline.Host)
    {
        var rounds = IntArg("--rounds", 3);
        var loads = new (string Name, Func<BenchStore, string> Url, Func<BenchStore, string?> Script)[]
        {
            ("GET /api/health (floor)", s => s.Host.BaseAddress + "api/health", _ => null),
            ("POST /api/messages", s => s.Host.BaseAddress + "api/messages", s => s.SendScript),
            ("GET /api/messages, 50 a page", s => s.Host.BaseAddress + "api/messages", s => s.HistoryScript),
        };
        var results = new Dictionary<(string Build, string Load), List<WrkResult>>();
        for (var round = 1; round <= rounds; round++)
        {
            Console.WriteLine($"-- round {round} of {rounds}; load average {File.ReadAllText("/proc/loadavg").Trim()}");
            foreach (var load in loads)
            {
                foreach (var (build, store) in new[] { ("this build", current), ("baseline", baseline) })
                {
                    var result = Wrk(load.Url(store), load.Script(store), seconds, connections, store.Host.ProcessId);
                    (results.TryGetValue((build, load.Name), out var list) ? list : results[(build, load.Name)] = []).Add(result);
                }
            }
        }

        Console.WriteLine();
        Console.WriteLine($"{messageCount:N0} messages stored in each; {connections} connections, {seconds} s each, wrk -t2 on the same 2-core machine (shared); medians of {rounds} rounds, the two builds back to back in each; of health: the median of each round's ratio to that build's health run of the round");
        Console.WriteLine("| build | load | requests/s | p50 ms | p99 ms | host CPU µs/request | non-2xx | of health |");
        Console.WriteLine("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var build in new[] { "this build", "baseline" })
        {
            var health = results[(build, loads[0].Name)];
            foreach (var load in loads)
            {
                var runs = results[(build, load.Name)];
                var median = Median(runs);
                var ratio = runs.Select((r, i) => r.RequestsPerSecond / health[i].RequestsPerSecond).Order().ElementAt(runs.Count / 2);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {build} | {load.Name} | {median.RequestsPerSecond:N0} | {median.P50:N2} | {median.P99:N2} | {median.CpuMicrosPerRequest:N0} | {median.Errors} | {ratio:P0} |"));
            }
        }

        Console.WriteLine($"load average at the end {File.ReadAllText("/proc/loadavg").Trim()}");
        return 0;
    }
}

var single = await PrepareAsync(messageCount, 1);
await using (single.Host)
{
    // --rounds N: health, sends and pages in turn N times on the same host, so that each ratio to health is taken
    // a few seconds apart from its health run (the machine is shared); the table shows each round and the medians.
    var rounds = IntArg("--rounds", 1);
    var runs = new List<(WrkResult Health, WrkResult Sent, WrkResult Paged)>();
    for (var round = 1; round <= rounds; round++)
    {
        Console.WriteLine($"-- round {round} of {rounds}; load average {File.ReadAllText("/proc/loadavg").Trim()}");
        var pid = single.Host.ProcessId;
        var health = Wrk(single.Host.BaseAddress + "api/health", null, seconds, connections, pid);
        var sent = Wrk(single.Host.BaseAddress + "api/messages", single.SendScript, seconds, connections, pid);
        var paged = messageCount == 0 ? WrkResult.None : Wrk(single.Host.BaseAddress + "api/messages", single.HistoryScript, seconds, connections, pid);
        runs.Add((health, sent, paged));
    }

    Console.WriteLine();
    Console.WriteLine($"{messageCount:N0} messages stored; {connections} connections, {seconds} s each, wrk -t2 on the same 2-core machine (shared); {rounds} round(s); host CPU per request from /proc (utime + stime)");
    Console.WriteLine("| round | load | requests/s | p50 ms | p99 ms | host CPU µs/request | non-2xx | of health |");
    Console.WriteLine("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |");
    void Row(string round, string name, WrkResult result, double healthRate) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {round} | {name} | {result.RequestsPerSecond:N0} | {result.P50:N2} | {result.P99:N2} | {result.CpuMicrosPerRequest:N0} | {result.Errors} | {result.RequestsPerSecond / healthRate:P0} |"));
    for (var i = 0; i < runs.Count; i++)
    {
        Row($"{i + 1}", "GET /api/health (floor)", runs[i].Health, runs[i].Health.RequestsPerSecond);
        Row($"{i + 1}", "POST /api/messages", runs[i].Sent, runs[i].Health.RequestsPerSecond);
        Row($"{i + 1}", "GET /api/messages, 50 a page", runs[i].Paged, runs[i].Health.RequestsPerSecond);
    }

    if (runs.Count > 1)
    {
        // Each ratio's median over the rounds (each round's ratio against its own health run), beside the median figures.
        static double MedianOf(IEnumerable<double> values) => values.Order().ElementAt(values.Count() / 2);
        foreach (var (name, pick) in new (string, Func<(WrkResult Health, WrkResult Sent, WrkResult Paged), WrkResult>)[]
            { ("GET /api/health (floor)", r => r.Health), ("POST /api/messages", r => r.Sent), ("GET /api/messages, 50 a page", r => r.Paged) })
        {
            var median = Median(runs.Select(pick).ToList());
            var ratio = MedianOf(runs.Select(r => pick(r).RequestsPerSecond / r.Health.RequestsPerSecond));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| median | {name} | {median.RequestsPerSecond:N0} | {median.P50:N2} | {median.P99:N2} | {median.CpuMicrosPerRequest:N0} | {median.Errors} | {ratio:P0} |"));
        }
    }

    Console.WriteLine($"host peak RSS {ProcStats.PeakMegabytes(single.Host.ProcessId):N0} MB; load average at the end {File.ReadAllText("/proc/loadavg").Trim()}");
    return runs.All(r => r.Sent.Errors + r.Paged.Errors == 0) ? 0 : 1;
}

// A store of messageCount messages and a host on it, started `starts` times (stopped cleanly in between; the
// start-up time is the median), its users logged in and the wrk scripts written.
async Task<BenchStore> PrepareAsync(int messageCount, int starts, string? hostOutput = null)
{
    var data = Directory.CreateTempSubdirectory("serverlesschat-bench-").FullName;
    var dbPath = Path.Combine(data, "chat.db");
    Console.WriteLine($"data: {data}; load average {File.ReadAllText("/proc/loadavg").Trim()}");

    // 1. Seed: users through the storage adapter, the history of one conversation in bulk on the file (HistorySeeder).
    var seedClock = Stopwatch.StartNew();
    var (users, historyIds) = TestStorage.MongoConnectionString is null
        ? await SeedAsync(dbPath, userCount, messageCount)
        : await SeedThroughStoreAsync(data, userCount, messageCount);
    var seedSeconds = seedClock.Elapsed.TotalSeconds;
    var databaseBytes = Directory.EnumerateFiles(data, "chat.db*").Sum(f => new FileInfo(f).Length);

    // 2. The host on that data, as a separate process, with limits out of the way.
    var startTimes = new List<double>();
    StandaloneHost? host = null;
    for (var start = 0; start < Math.Max(1, starts); start++)
    {
        var startClock = Stopwatch.StartNew();
        var next = host is null
            ? await StandaloneHost.StartAsync(new Dictionary<string, string?>
            {
                ["ASPNETCORE_ENVIRONMENT"] = "Production",
                // All hosts stay up while the largest store is seeded: their tokens must outlive that.
                ["Auth__AccessTokenMinutes"] = "240",
                ["RateLimiting__AuthPermitsPerMinute"] = "1000000",
                ["RateLimiting__PermitsPerMinute"] = "1000000",
                ["Logging__LogLevel__Microsoft.AspNetCore.HttpLogging.HttpLoggingMiddleware"] = "Warning",
            }, data, hostOutput: hostOutput)
            : await RestartAsync(host, startClock);
        startTimes.Add(startClock.Elapsed.TotalSeconds);
        host = next;
    }

    startTimes.Sort();
    var startSeconds = startTimes[startTimes.Count / 2];
    Console.WriteLine($"host: {host!.BaseAddress}, listening {string.Join(" / ", startTimes.Select(t => t.ToString("N2", CultureInfo.InvariantCulture)))} s after its process started on {messageCount:N0} messages");

    var tokens = new List<string>();
    foreach (var user in users)
    {
        var response = await host.Client.PostAsJsonAsync("api/auth/login", new { username = user.Username, password });
        response.EnsureSuccessStatusCode();
        tokens.Add((string)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["accessToken"]!);
    }

    // Senders i message receivers (i + 1) % n; the history reader is user 0 reading its conversation with user 1.
    var sendScript = WriteScript(data, "send.lua", $$"""
        local tokens = {{{LuaList(tokens)}}}
        local receivers = {{{LuaList(users.Select((_, i) => users[(i + 1) % users.Count].Id))}}}
        local n = 0
        request = function()
          n = n + 1
          local i = (n % #tokens) + 1
          local body = '{"receiverId":"' .. receivers[i] .. '","content":"benchmark message ' .. n .. '"}'
          return wrk.format("POST", "/api/messages", { ["Authorization"] = "Bearer " .. tokens[i], ["Content-Type"] = "application/json" }, body)
        end
        """);
    var historyScript = WriteScript(data, "history.lua", $$"""
        local cursors = {{{LuaList(historyIds)}}}
        local token = "{{tokens[0]}}"
        math.randomseed(42)
        request = function()
          local before = cursors[math.random(#cursors)]
          return wrk.format("GET", "/api/messages?with={{users[1].Id}}&limit=50&before=" .. before, { ["Authorization"] = "Bearer " .. token })
        end
        """);
    return new BenchStore(messageCount, host, seedSeconds, databaseBytes, startSeconds, sendScript, historyScript);
}

// Stops the host cleanly (SIGTERM), then starts a new one on the same data; the clock restarts at the new process.
static async Task<StandaloneHost> RestartAsync(StandaloneHost host, Stopwatch clock)
{
    await host.StopAsync();
    clock.Restart();
    var next = await host.StartAgainAsync();
    await host.DisposeAsync();
    return next;
}

// Each figure's median over the rounds (errors summed).
static WrkResult Median(List<WrkResult> runs)
{
    static double Of(IEnumerable<double> values) => values.Order().ElementAt(values.Count() / 2);
    return new WrkResult(Of(runs.Select(r => r.RequestsPerSecond)), Of(runs.Select(r => r.P50)), Of(runs.Select(r => r.P99)), runs.Sum(r => r.Errors),
        Of(runs.Select(r => r.CpuMicrosPerRequest)));
}

static async Task<(List<UserRecord> Users, List<string> HistoryIds)> SeedAsync(string dbPath, int userCount, int messageCount)
{
    List<UserRecord> users;
    using (var store = await SeedStore.OpenAsync(dbPath))
    {
        users = await store.CreateUsersAsync("bench", userCount, password);
    }

    if (messageCount == 0)
    {
        return (users, []);
    }

    var watch = Stopwatch.StartNew();
    var (cursors, last) = HistorySeeder.Seed(dbPath, ConversationIds.Direct(users[0].Id, users[1].Id), users[0].Id, users[1].Id, messageCount, 5000);
    Console.WriteLine($"seeded {messageCount:N0} messages in {watch.Elapsed.TotalSeconds:N1} s ({messageCount / watch.Elapsed.TotalSeconds:N0}/s, in bulk on the SQLite file: rows, search index and change log as the store writes them)");

    using (var store = await SeedStore.OpenAsync(dbPath))
    {
        var conversationId = ConversationIds.Direct(users[0].Id, users[1].Id);
        await store.Conversations.TouchAsync(new ConversationRecord(conversationId, [users[0].Id, users[1].Id], null, last, DateTimeOffset.UtcNow), CancellationToken.None);
    }

    return (users, cursors);
}

// With CHAT_TEST_MONGODB set the hosts run on MongoDB (one database per data folder, as for the tests): the users and
// the history go in through the storage adapter, 32 messages at a time (no bulk path there), every 20th id kept as a cursor.
static async Task<(List<UserRecord> Users, List<string> HistoryIds)> SeedThroughStoreAsync(string data, int userCount, int messageCount)
{
    using var store = await SeedStore.OpenForHostAsync(data);
    var users = await store.CreateUsersAsync("bench", userCount, password);
    var conversationId = ConversationIds.Direct(users[0].Id, users[1].Id);
    var watch = Stopwatch.StartNew();
    var ids = new string[messageCount];
    await Parallel.ForEachAsync(Enumerable.Range(0, messageCount), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, ct) =>
    {
        var sender = i % 2 == 0 ? users[0] : users[1];
        var receiver = i % 2 == 0 ? users[1] : users[0];
        var (stored, _, _) = await store.Messages.InsertAsync(new MessageRecord(MongoDB.Bson.ObjectId.GenerateNewId().ToString(), conversationId, sender.Id, receiver.Id,
            null, $"history message {i}", DateTimeOffset.UtcNow, null, false, null, null, []), ct);
        ids[i] = stored.Id;
    });
    Console.WriteLine($"seeded {messageCount:N0} messages in {watch.Elapsed.TotalSeconds:N1} s ({messageCount / Math.Max(0.001, watch.Elapsed.TotalSeconds):N0}/s, through the MongoDB adapter)");
    var sorted = ids.Order(StringComparer.Ordinal).ToList();
    if (sorted.Count > 0)
    {
        await store.Conversations.TouchAsync(new ConversationRecord(conversationId, [users[0].Id, users[1].Id], null, sorted[^1], DateTimeOffset.UtcNow), CancellationToken.None);
    }

    return (users, sorted.Where((_, i) => i % 20 == 0).ToList());
}

// With hostPid, the host's CPU time (utime + stime) over the run divided by the requests wrk completed.
static WrkResult Wrk(string url, string? script, int seconds, int connections, int? hostPid = null)
{
    var start = new ProcessStartInfo("wrk") { RedirectStandardOutput = true, RedirectStandardError = true };
    foreach (var argument in new[] { "-t2", $"-c{connections}", $"-d{seconds}s", "--latency", "--timeout", "5s" })
    {
        start.ArgumentList.Add(argument);
    }

    if (script is not null)
    {
        start.ArgumentList.Add("-s");
        start.ArgumentList.Add(script);
    }

    start.ArgumentList.Add(url);
    var cpuBefore = hostPid is { } before ? ProcStats.CpuTicks(before) : 0;
    using var process = Process.Start(start)!;
    var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
    process.WaitForExit();
    Console.WriteLine(output);

    double Number(string pattern) =>
        Regex.Match(output, pattern) is { Success: true } m ? double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
    double Millis(string percentile)
    {
        var m = Regex.Match(output, $@"\s{percentile}%\s+([\d.]+)(us|ms|s)\b");
        if (!m.Success)
        {
            return double.NaN;
        }

        var value = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        return m.Groups[2].Value switch { "us" => value / 1000, "s" => value * 1000, _ => value };
    }

    var requests = Number(@"(\d+) requests in");
    var cpuMicros = hostPid is { } after && requests > 0 ? ProcStats.Seconds(ProcStats.CpuTicks(after) - cpuBefore) * 1e6 / requests : double.NaN;
    return new WrkResult(Number(@"Requests/sec:\s+([\d.]+)"), Millis("50"), Millis("99"), (long)Number(@"Non-2xx or 3xx responses:\s+(\d+)") + (long)Number(@"Socket errors:.*?timeout (\d+)"), cpuMicros);
}

static string WriteScript(string folder, string name, string text)
{
    var path = Path.Combine(folder, name);
    File.WriteAllText(path, text, new UTF8Encoding(false));
    return path;
}

static string LuaList(IEnumerable<string> values) => string.Join(",", values.Select(v => $"\"{v}\""));

string? StringArg(string name)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
}

int IntArg(string name, int fallback)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? int.Parse(args[index + 1], CultureInfo.InvariantCulture) : fallback;
}

internal sealed record WrkResult(double RequestsPerSecond, double P50, double P99, long Errors, double CpuMicrosPerRequest = double.NaN)
{
    public static WrkResult None { get; } = new(0, double.NaN, double.NaN, 0);
}

internal sealed record BenchStore(int Messages, StandaloneHost Host, double SeedSeconds, long DatabaseBytes, double StartSeconds, string SendScript, string HistoryScript);

internal sealed record ScaleRow(int Messages, double SeedSeconds, long DatabaseBytes, double StartSeconds, WrkResult Sends, WrkResult Pages, double HostPeakMegabytes);
