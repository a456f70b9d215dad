// Realtime load of the standalone host against a bare SignalR relay (the floor), both over loopback on this
// machine: N users connected over WebSockets, direct messages to random peers and messages to groups, sent open
// loop at a fixed rate. For each scenario it ramps the rate in short steps, keeps the highest whose p99 stays
// under the limit with nothing lost, and measures that rate for the full duration. Run by hand:
//   dotnet run -c Release --project tests/ServerlessChat.LoadTest -- [--users 1000] [--seconds 20] [--step-seconds 5]
// or N browser-like clients connecting at once, then direct and group messages counted exactly once:
//   dotnet run -c Release --project tests/ServerlessChat.LoadTest -- --scenario connections [--users 10000] [--group-size 50]
//     [--connect-concurrency 64] [--host-open-files 20000] [--hold-seconds 0] [--host-setting KEY=VALUE ...]
// or one sender a group posting to 256-member groups while N users listen, every delivery counted, against the bare
// relay that takes the message as an HTTP POST (and, with --relays http,hub, the one that takes a hub invocation):
//   dotnet run -c Release --project tests/ServerlessChat.LoadTest -- --scenario fanout [--users 2048] [--group-size 256] [--groups 1]
//     [--start-rate 20] [--p99-ms 250] [--seconds 10] [--step-seconds 5] [--max-steps 8] [--relays http] [--connect-concurrency 64]
//     [--host-open-files 20000] [--idle-seconds 10] [--host-setting KEY=VALUE ...] [--ramp-factor 1.5]
//     [--warmup-seconds <step seconds>] [--warmup-rate <start rate>] [--rounds 1]
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ServerlessChat.LoadTest;
using ServerlessChat.Tests.Infrastructure;

if (args.Contains(RelayServer.Argument))
{
    await RelayServer.RunAsync();
    return 0;
}

RateRamp.Factor = StringArg("--ramp-factor") is { } factor ? double.Parse(factor, CultureInfo.InvariantCulture) : RateRamp.Factor;
if (RateRamp.Factor <= 1)
{
    Console.Error.WriteLine("--ramp-factor must be above 1.");
    return 2;
}

// Settings for the host process as KEY=VALUE (environment variables), e.g. --host-setting DOTNET_gcServer=0.
var hostSettings = args.Select((a, i) => (a, i)).Where(x => x.a == "--host-setting" && x.i + 1 < args.Length)
    .Select(x => args[x.i + 1].Split('=', 2)).ToDictionary(kv => kv[0], kv => (string?)kv[1]);

if (StringArg("--scenario") == "connections")
{
    return await ConnectionsScenario.RunAsync(IntArg("--users", 10_000), IntArg("--group-size", 50), IntArg("--connect-concurrency", 64),
        IntArg("--host-open-files", 20_000), IntArg("--hold-seconds", 0), hostSettings);
}

if (StringArg("--scenario") == "fanout")
{
    return await FanoutScenario.RunAsync(new FanoutScenario.Settings(
        IntArg("--users", 2048), IntArg("--group-size", 256), IntArg("--groups", 1), IntArg("--connect-concurrency", 64),
        IntArg("--host-open-files", 20_000), IntArg("--start-rate", 20), IntArg("--p99-ms", 250), IntArg("--step-seconds", 5),
        IntArg("--max-steps", 8), IntArg("--seconds", 10), IntArg("--max-in-flight", 400),
        (StringArg("--relays") ?? "http").Split(',', StringSplitOptions.RemoveEmptyEntries), IntArg("--idle-seconds", 10), hostSettings,
        IntArg("--warmup-seconds", IntArg("--step-seconds", 5)), StringArg("--warmup-rate") is { } warmupRate ? int.Parse(warmupRate, CultureInfo.InvariantCulture) : null,
        IntArg("--rounds", 1)));
}

var userCount = IntArg("--users", 1000);
var seconds = IntArg("--seconds", 20);
var stepSeconds = IntArg("--step-seconds", 5);
var groupSize = IntArg("--group-size", 50);
var maxInFlight = IntArg("--max-in-flight", 400);
var directLimit = IntArg("--p99-ms", 50);
var groupLimit = IntArg("--group-p99-ms", 100);
var directStart = IntArg("--direct-start", 500);
var groupStart = IntArg("--group-start", 100);
var maxSteps = IntArg("--max-steps", 8);
var grace = TimeSpan.FromSeconds(IntArg("--grace-seconds", 5));
const int Pacers = 4;
const string Password = "load-test-password";

// 1,000 connections' receive loops and the send tasks share two cores; don't let the pool start small.
ThreadPool.SetMinThreads(64, 64);
Console.WriteLine($"{Environment.ProcessorCount} cores; load average before start: {File.ReadAllText("/proc/loadavg").Trim()}");

var data = Directory.CreateTempSubdirectory("serverlesschat-load-").FullName;
var users = await SeedAsync(Path.Combine(data, "chat.db"), userCount);
var rows = new List<Row>();

// 1. The standalone host, as a separate process, limits out of the way.
await using (var host = await StandaloneHost.StartAsync(new Dictionary<string, string?>
{
    ["ASPNETCORE_ENVIRONMENT"] = "Production",
    ["RateLimiting__AuthPermitsPerMinute"] = "1000000",
    ["RateLimiting__PermitsPerMinute"] = "1000000",
    ["Logging__LogLevel__Microsoft.AspNetCore.HttpLogging.HttpLoggingMiddleware"] = "Warning",
}, data))
{
    Console.WriteLine($"host: {host.BaseAddress} (pid {host.ProcessId}); data {data}");
    users = await LoginAsync(host.Client, users);
    var started = DateTime.UtcNow;
    await using (var app = await AppTarget.StartAsync(host.BaseAddress, host.ProcessId, users, LoadClients.GroupMembers(users.Count, groupSize), maxInFlight))
    {
        Console.WriteLine($"app: {users.Count} users connected, {app.Groups.Count} groups of {groupSize} in {(DateTime.UtcNow - started).TotalSeconds:N1} s; host RSS {ProcStats.ResidentMegabytes(host.ProcessId):N0} MB");
        await WarmUpAsync(app);
        rows.Add(await MeasureAsync(app, Kind.Direct, directStart, directLimit));
        rows.Add(await MeasureAsync(app, Kind.Group, groupStart, groupLimit));
    }
}

// 2. The floor: the same users, groups and load through the bare relay; first at the app's rates, then ramped.
await using (var relay = await RelayTarget.StartAsync(users, LoadClients.GroupMembers(users.Count, groupSize)))
{
    Console.WriteLine($"relay: pid {relay.ProcessId}, {users.Count} users connected, {relay.Groups.Count} groups");
    await WarmUpAsync(relay);
    var appDirect = rows[0];
    var appGroup = rows[1];
    rows.Add(await MeasureAtAsync(relay, Kind.Direct, appDirect.Result.Rate, "at the app's rate"));
    rows.Add(await MeasureAtAsync(relay, Kind.Group, appGroup.Result.Rate, "at the app's rate"));
    rows.Add(await MeasureAsync(relay, Kind.Direct, (int)appDirect.Result.Rate, directLimit));
    rows.Add(await MeasureAsync(relay, Kind.Group, (int)appGroup.Result.Rate, groupLimit));
}

PrintTable();
return rows.Take(2).All(r => r.Result.Lost == 0 && r.Result.Errors == 0) ? 0 : 1;

// A first, unmeasured step of each kind: right after 1,000 connections open, the server is still compiling hot
// paths and announcing presence, and a ramp that started then would settle on a rate set by the warm-up.
async Task WarmUpAsync(IChatTarget target)
{
    foreach (var (kind, rate) in new[] { (Kind.Direct, 200.0), (Kind.Group, 50.0) })
    {
        var result = await RunAsync(target, kind, rate, stepSeconds);
        Console.WriteLine($"-- {target.Name} {kind} warm-up (not counted): {Describe(result)}");
    }
}

// Ramps from the start rate (up while it holds, down if it does not hold at once), then measures the best rate
// for the full duration.
async Task<Row> MeasureAsync(IChatTarget target, Kind kind, int start, int p99Limit)
{
    Console.WriteLine($"-- {target.Name} {kind}: ramp from {start}/s x{RateRamp.Factor}, {stepSeconds} s steps, holds = p99 <= {p99Limit} ms, nothing lost or refused");
    var best = await RateRamp.FindAsync(start, maxSteps, async rate =>
    {
        var result = await RunAsync(target, kind, rate, stepSeconds);
        var holds = result.Holds(p99Limit);
        Console.WriteLine($"   {Describe(result)} -> {(holds ? "holds" : "does not hold")}");
        return holds;
    });

    var final = await RunAsync(target, kind, best, seconds);
    Console.WriteLine($"   full {seconds} s: {Describe(final)} -> {(final.Holds(p99Limit) ? "holds" : "does not hold")}");
    return new Row($"{target.Name} {kind}, best rate", final, ProcStats.PeakMegabytes(target.ProcessId), kind, target.Name, final.Holds(p99Limit));
}

async Task<Row> MeasureAtAsync(IChatTarget target, Kind kind, double rate, string note)
{
    var result = await RunAsync(target, kind, rate, seconds);
    Console.WriteLine($"-- {target.Name} {kind} {note}: {Describe(result)}");
    return new Row($"{target.Name} {kind}, {note}", result, ProcStats.PeakMegabytes(target.ProcessId), kind, target.Name, null);
}

Task<RunResult> RunAsync(IChatTarget target, Kind kind, double rate, int runSeconds)
{
    var groups = target.Groups;
    var run = kind == Kind.Direct
        ? new LoadRun(rate, TimeSpan.FromSeconds(runSeconds), 1, maxInFlight, (run, seq) =>
        {
            var sender = Random.Shared.Next(users.Count);
            var receiver = (sender + 1 + Random.Shared.Next(users.Count - 1)) % users.Count;
            return target.SendDirectAsync(sender, receiver, run.Content(seq, sender));
        })
        : new LoadRun(rate, TimeSpan.FromSeconds(runSeconds), groupSize - 1, maxInFlight, (run, seq) =>
        {
            var group = groups[Random.Shared.Next(groups.Count)];
            var sender = group.Members[Random.Shared.Next(group.Members.Length)];
            return target.SendGroupAsync(sender, group, run.Content(seq, sender));
        });
    return run.ExecuteAsync(Pacers, grace, [target.ProcessId, Environment.ProcessId]);
}

static string Describe(RunResult r) => string.Create(CultureInfo.InvariantCulture,
    $"{r.Rate:N0} msg/s offered, {r.Sent:N0} sent, {r.Acknowledged:N0} acked, {r.DeliveriesPerSecond:N0} deliveries/s, p50 {r.P50:N1} ms, p99 {r.P99:N1} ms, max {r.Max:N0} ms (answer p50 {r.AnswerP50:N1} p99 {r.AnswerP99:N1} ms), lost {r.Lost}, errors {r.Errors}, skipped {r.Skipped}, dup {r.Duplicates}; CPU server {r.Cpu[0]:N0}% client {r.Cpu[1]:N0}% machine {r.MachineCpu:N0}% (of 1 core), server {r.ServerMicrosPerMessage:N0} us CPU a message");

void PrintTable()
{
    Console.WriteLine();
    Console.WriteLine($"{users.Count:N0} users over WebSockets, groups of {groupSize} ({groupSize - 1} deliveries a group message, the sender's own echo not counted); {Environment.ProcessorCount} cores shared by server, client and anything else running; full runs {seconds} s. Strays: {LoadRun.Strays}.");
    Console.WriteLine("CPU in % of one core (200 = the whole machine); 'others' = machine minus server and client.");
    Console.WriteLine();
    Console.WriteLine("| scenario | msg/s offered | sent | deliveries/s | p50 ms | p99 ms | answer p99 ms | lost | errors | server peak MB | CPU % server / client / others | server CPU us/msg | vs relay | holds |");
    Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | --- |");
    foreach (var row in rows)
    {
        var r = row.Result;
        var relayBest = rows.FirstOrDefault(x => x.Target == "relay" && x.Kind == row.Kind && x.Holds is not null);
        var ratio = row.Target == "app" && relayBest is not null ? (r.DeliveriesPerSecond / relayBest.Result.DeliveriesPerSecond).ToString("P0", CultureInfo.InvariantCulture) : "";
        var others = Math.Max(0, r.MachineCpu - r.Cpu[0] - r.Cpu[1]);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {row.Scenario} | {r.Rate:N0} | {r.Sent:N0} | {r.DeliveriesPerSecond:N0} | {r.P50:N1} | {r.P99:N1} | {r.AnswerP99:N1} | {r.Lost} | {r.Errors + r.Skipped} | {row.PeakMegabytes:N0} | {r.Cpu[0]:N0} / {r.Cpu[1]:N0} / {others:N0} | {r.ServerMicrosPerMessage:N0} | {ratio} | {(row.Holds is null ? "" : row.Holds.Value ? "yes" : "no")} |"));
    }
}

static async Task<List<LoadUser>> SeedAsync(string dbPath, int count)
{
    using var store = await SeedStore.OpenAsync(dbPath);
    var users = await store.CreateUsersAsync("load", count, Password);
    return users.Select((user, i) => new LoadUser(i, user.Id, user.Username, "")).ToList();
}

static async Task<List<LoadUser>> LoginAsync(HttpClient http, List<LoadUser> users)
{
    var tokens = new string[users.Count];
    await Parallel.ForEachAsync(users, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (user, ct) =>
    {
        using var response = await http.PostAsJsonAsync("api/auth/login", new { username = user.Username, password = Password }, ct);
        response.EnsureSuccessStatusCode();
        tokens[user.Index] = (string)JsonNode.Parse(await response.Content.ReadAsStringAsync(ct))!["accessToken"]!;
    });
    return users.Select(u => u with { AccessToken = tokens[u.Index] }).ToList();
}

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

internal enum Kind
{
    Direct,
    Group,
}

/// <summary><see cref="Holds"/> is null for a run at a fixed rate rather than a ramped one.</summary>
internal sealed record Row(string Scenario, RunResult Result, double PeakMegabytes, Kind Kind, string Target, bool? Holds);
