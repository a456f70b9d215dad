using System.Globalization;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.Options;
using ServerlessChat.Core.Auth;
using ServerlessChat.Tests.Infrastructure;

namespace ServerlessChat.LoadTest;

/// <summary>
/// <c>--scenario fanout</c>: N users connected over SignalR WebSockets (each negotiating on its own sockets), and
/// one sender per group posting to its group of G members (256, the most a group may have) while the others
/// only listen. Every (message, member) delivery is counted: missing, duplicated and misdelivered ones are
/// reported, latency is send to arrival at every member. The same users, groups and messages go to the
/// standalone host (POST /api/messages, stored, then pushed to the group) and to the bare relay floor that takes
/// the message as an HTTP POST and fans it out over a plain ASP.NET Core SignalR hub ("relay-http"); optionally
/// also to the relay that takes it as a hub invocation ("relay", the floor of the default scenario). Each target
/// ramps its rate in short steps (after one unmeasured warm-up step) and is measured for the full duration at its
/// best; the relays are then also measured at the app's best rate, where CPU per delivery compares like with like.
/// With <c>--rounds N</c> the whole comparison runs N times on fresh processes (the load client stays warm after the
/// first), since the best rate of either target can double or halve from one run to the next on a shared 2-core box.
/// </summary>
internal static class FanoutScenario
{
    public sealed record Settings(
        int Users, int GroupSize, int Groups, int ConnectConcurrency, int HostOpenFiles, int StartRate, int P99Limit,
        int StepSeconds, int MaxSteps, int Seconds, int MaxInFlight, IReadOnlyList<string> Relays, int IdleSeconds,
        IReadOnlyDictionary<string, string?> HostSettings, int WarmupSeconds, int? WarmupRate, int Rounds);

    public static async Task<int> RunAsync(Settings settings)
    {
        if (settings.Rounds < 1)
        {
            Console.Error.WriteLine("--rounds must be at least 1.");
            return 2;
        }

        if (settings.Groups * settings.GroupSize > settings.Users)
        {
            Console.Error.WriteLine($"{settings.Groups} groups of {settings.GroupSize} need at least {settings.Groups * settings.GroupSize} users.");
            return 2;
        }

        LoadClients.RaiseOwnOpenFilesLimit(settings.Users * 2 + 1024);
        ThreadPool.SetMinThreads(64, 64);
        Console.WriteLine($"{Environment.ProcessorCount} cores; load average before start: {File.ReadAllText("/proc/loadavg").Trim()}; {settings.Users:N0} users seeded for each round");

        var tokens = new AccessTokens(Options.Create(new AuthOptions { JwtSigningKey = StandaloneHost.TestSigningKey, AccessTokenMinutes = 120 }), TimeProvider.System);

        // A fresh store for every round: the host removes its data directory when it stops.
        async Task<(string Data, List<LoadUser> Users)> SeedAsync()
        {
            var data = Directory.CreateTempSubdirectory("serverlesschat-fanout-").FullName;
            using var seed = await SeedStore.OpenAsync(Path.Combine(data, "chat.db"));
            var seeded = await seed.CreateUsersAsync("f", settings.Users, "fanout-password");
            return (data, seeded.Select((u, i) => new LoadUser(i, u.Id, u.Username, tokens.Issue(u.Id, u.Username))).ToList());
        }

        // Groups of consecutive users; the first member of each is its sender. Message seq goes to group seq % G.
        var members = LoadClients.GroupMembers(settings.Users, settings.GroupSize).Take(settings.Groups).ToArray();
        var groupOf = Enumerable.Repeat(-1, settings.Users).ToArray();
        var slotOf = Enumerable.Repeat(-1, settings.Users).ToArray();
        for (var g = 0; g < members.Length; g++)
        {
            for (var position = 1; position < members[g].Length; position++)
            {
                groupOf[members[g][position]] = g;
                slotOf[members[g][position]] = position - 1;
            }
        }

        int Slot(int seq, int receiver) => groupOf[receiver] == seq % members.Length ? slotOf[receiver] : -1;
        var fanout = settings.GroupSize - 1;
        var rows = new List<FanoutRow>();

        Task<RunResult> RunAsync(IChatTarget target, double rate, int seconds) =>
            new LoadRun(rate, TimeSpan.FromSeconds(seconds), fanout, settings.MaxInFlight, (run, seq) =>
            {
                var group = target.Groups[seq % target.Groups.Count];
                return target.SendGroupAsync(group.Members[0], group, run.Content(seq, group.Members[0]));
            }, Slot).ExecuteAsync(4, TimeSpan.FromSeconds(5), [target.ProcessId, Environment.ProcessId]);

        async Task<double> MeasureAsync(int round, IChatTarget target, int start, double? compareAt)
        {
            // Long enough for the hot paths to reach their final tier: a fresh process compiles them again while it
            // serves, on the same two cores, and the app has more of them than a relay.
            // At a rate the cold process can take (--warmup-rate): an overload leaves a backlog in every member's
            // buffer that the first measured steps would still be paying for.
            var warmUp = await RunAsync(target, Math.Min(settings.WarmupRate ?? start, start), settings.WarmupSeconds);
            Console.WriteLine($"-- {target.Name} warm-up {settings.WarmupSeconds} s (not counted): {Describe(warmUp)}");

            // What the server spends with everyone connected and nothing sent (keep-alives, presence sweeps,
            // checkpoints): part of each run's CPU, which "above idle" takes out again.
            var idleBefore = ProcStats.CpuTicks(target.ProcessId);
            var idleClock = System.Diagnostics.Stopwatch.StartNew();
            await Task.Delay(TimeSpan.FromSeconds(settings.IdleSeconds));
            var idle = ProcStats.Seconds(ProcStats.CpuTicks(target.ProcessId) - idleBefore) / idleClock.Elapsed.TotalSeconds * 100;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"-- {target.Name} idle {settings.IdleSeconds} s: server CPU {idle:N1}%"));
            Console.WriteLine($"-- {target.Name}: ramp from {start}/s x{RateRamp.Factor}, {settings.StepSeconds} s steps, holds = p99 <= {settings.P99Limit} ms, every delivery exactly once, nothing refused");
            var best = await RateRamp.FindAsync(start, settings.MaxSteps, async rate =>
            {
                var result = await RunAsync(target, rate, settings.StepSeconds);
                var holds = result.Holds(settings.P99Limit);
                Console.WriteLine($"   {Describe(result)} -> {(holds ? "holds" : "does not hold")}");
                return holds;
            });
            var final = await RunAsync(target, best, settings.Seconds);
            var finalHolds = final.Holds(settings.P99Limit);
            Console.WriteLine($"   full {settings.Seconds} s: {Describe(final)} -> {(finalHolds ? "holds" : "does not hold")}");
            rows.Add(new FanoutRow(round, target.Name, "best rate", final, finalHolds, ProcStats.PeakMegabytes(target.ProcessId), idle));

            // After the ramp, when the process is as warm as the app was at its best rate: a fresh process spends
            // its first tens of seconds compiling hot paths again at a higher tier, on the same two cores.
            if (compareAt is { } same)
            {
                var atSame = await RunAsync(target, same, settings.Seconds);
                Console.WriteLine($"-- {target.Name} at the app's rate: {Describe(atSame)}");
                rows.Add(new FanoutRow(round, target.Name, "at the app's best rate", atSame, null, ProcStats.PeakMegabytes(target.ProcessId), idle));
            }

            return best;
        }

        // 1. The standalone host, its own open-files limit, rate limits out of the way.
        var hostSettings = new Dictionary<string, string?>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["Auth__AccessTokenMinutes"] = "120",
            ["RateLimiting__AuthPermitsPerMinute"] = "1000000",
            ["RateLimiting__PermitsPerMinute"] = "1000000",
            ["Logging__LogLevel__Microsoft.AspNetCore.HttpLogging.HttpLoggingMiddleware"] = "Warning",
        };
        foreach (var (key, value) in settings.HostSettings)
        {
            hostSettings[key] = value;
        }

        for (var round = 1; round <= settings.Rounds; round++)
        {
            if (settings.Rounds > 1)
            {
                Console.WriteLine($"== round {round} of {settings.Rounds}");
            }

            var (data, users) = await SeedAsync();
            double appBest;
            string? appMessage;
            await using (var host = await StandaloneHost.StartAsync(hostSettings, data, settings.HostOpenFiles))
            {
                Console.WriteLine($"host: {host.BaseAddress} (pid {host.ProcessId}, open files {settings.HostOpenFiles}); connecting {settings.Users:N0} users, {settings.ConnectConcurrency} at a time");
                await using var app = await AppTarget.StartAsync(host.BaseAddress, host.ProcessId, users, members, settings.MaxInFlight, settings.ConnectConcurrency);
                Console.WriteLine($"app: {app.Groups.Count} group(s) of {settings.GroupSize}; host RSS {ProcStats.ResidentMegabytes(host.ProcessId):N0} MB");
                appBest = await MeasureAsync(round, app, settings.StartRate, null);
                appMessage = app.SampleMessage;
            }

            Console.WriteLine($"relay-http relays events shaped as the app's ({System.Text.Encoding.UTF8.GetByteCount(appMessage ?? "")} bytes before SignalR's framing): {appMessage}");

            // 2. The floors, on the same machine after the host has gone, from the app's best rate of this round.
            foreach (var relay in settings.Relays)
            {
                await using var target = await RelayTarget.StartAsync(users, members, httpIn: relay == "http", settings.MaxInFlight, settings.ConnectConcurrency, appMessage);
                Console.WriteLine($"{target.Name}: pid {target.ProcessId}, {target.Groups.Count} group(s)");
                await MeasureAsync(round, target, (int)appBest, appBest);
            }
        }

        PrintTable(settings, rows);
        Console.WriteLine($"load average at the end: {File.ReadAllText("/proc/loadavg").Trim()}");
        return rows.Where(r => r.Target == "app").All(r => r.Result is { Lost: 0, Duplicates: 0, Misdelivered: 0, Errors: 0 }) ? 0 : 1;
    }

    private static string Describe(RunResult r) => string.Create(CultureInfo.InvariantCulture,
        $"{r.Rate:N0} msg/s offered, {r.Acknowledged:N0}/{r.Sent:N0} acked, {r.DeliveriesPerSecond:N0} deliveries/s, p50 {r.P50:N1} p99 {r.P99:N1} max {r.Max:N0} ms, worst member p99 {r.WorstRecipientP99:N1} ms, answer p99 {r.AnswerP99:N1} ms, missing {r.Lost}, dup {r.Duplicates}, misdelivered {r.Misdelivered}, errors {r.Errors}, skipped {r.Skipped}; CPU server {r.Cpu[0]:N0}% client {r.Cpu[1]:N0}% machine {r.MachineCpu:N0}%, server {r.ServerMicrosPerDelivery:N1} us a delivery, client {r.ClientMicrosPerDelivery:N1}");

    private static void PrintTable(Settings settings, List<FanoutRow> rows)
    {
        // Within a round: the app against relay-http's best (deliveries/s) and relay-http at the app's rate (CPU).
        FanoutRow? FloorBest(int round) => rows.FirstOrDefault(r => r.Round == round && r.Target == "relay-http" && r.Holds is not null);
        FanoutRow? FloorSame(int round) => rows.FirstOrDefault(r => r.Round == round && r.Target == "relay-http" && r.Holds is null);
        double? Throughput(FanoutRow app) => FloorBest(app.Round) is { } floor ? app.Result.DeliveriesPerSecond / floor.Result.DeliveriesPerSecond : null;
        double? CpuRatio(FanoutRow app) => FloorSame(app.Round) is { } floor ? app.Result.ServerMicrosPerDelivery / floor.Result.ServerMicrosPerDelivery : null;

        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Fan-out: {settings.Users:N0} users connected over WebSockets, {settings.Groups} group(s) of {settings.GroupSize} ({settings.GroupSize - 1} deliveries a message, the sender's own echo not counted), one sender a group; full runs {settings.Seconds} s, ramp steps {settings.StepSeconds} s; {settings.Rounds} round(s) on fresh processes; {Environment.ProcessorCount} cores shared by server, client and anything else running."));
        Console.WriteLine("relay-http = bare ASP.NET Core SignalR hub taking each message as an HTTP POST and relaying it as it is (the floor for the app), in the app's message shape and size; relay = the same hub taking just the content as a hub invocation. CPU in % of one core.");
        Console.WriteLine("vs floor: deliveries/s against relay-http's best in the same round; CPU/delivery against relay-http at the app's rate in the same round.");
        Console.WriteLine();
        Console.WriteLine("| round | target | run | msg/s offered | acked / sent | deliveries/s | delivered / expected | missing | dup | misdelivered | p50 ms | p99 ms | max ms | worst member p99 ms | answer p99 ms | CPU % server / client / machine | server idle CPU % | server us/delivery (above idle) | client us/delivery | deliveries/s vs floor | CPU/delivery vs floor (above idle) | server peak MB | holds |");
        Console.WriteLine("| ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
        foreach (var row in rows)
        {
            var r = row.Result;
            var throughput = row.Target == "app" && Throughput(row) is { } t ? t.ToString("P0", CultureInfo.InvariantCulture) : "";
            var cpu = row.Target == "app" && CpuRatio(row) is { } c && FloorSame(row.Round) is { } same
                ? string.Create(CultureInfo.InvariantCulture, $"{c:N2}x ({row.MicrosPerDeliveryAboveIdle / same.MicrosPerDeliveryAboveIdle:N2}x)")
                : "";
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {row.Round} | {row.Target} | {row.Run} | {r.Rate:N0} | {r.Acknowledged:N0} / {r.Sent:N0} | {r.DeliveriesPerSecond:N0} | {r.Deliveries:N0} / {(long)r.Acknowledged * r.Fanout:N0} | {r.Lost} | {r.Duplicates} | {r.Misdelivered} | {r.P50:N1} | {r.P99:N1} | {r.Max:N0} | {r.WorstRecipientP99:N1} | {r.AnswerP99:N1} | {r.Cpu[0]:N0} / {r.Cpu[1]:N0} / {r.MachineCpu:N0} | {row.IdleCpu:N1} | {r.ServerMicrosPerDelivery:N1} ({row.MicrosPerDeliveryAboveIdle:N1}) | {r.ClientMicrosPerDelivery:N1} | {throughput} | {cpu} | {row.PeakMegabytes:N0} | {(row.Holds is null ? "" : row.Holds.Value ? "yes" : "no")} |"));
        }

        var apps = rows.Where(r => r.Target == "app").ToList();
        var ratios = apps.Select(Throughput).OfType<double>().Order().ToList();
        var cpus = apps.Select(CpuRatio).OfType<double>().Order().ToList();
        if (settings.Rounds > 1 && ratios.Count > 0)
        {
            Console.WriteLine();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Over {ratios.Count} round(s): app deliveries/s vs floor median {Median(ratios):P0} (lowest {ratios[0]:P0}, highest {ratios[^1]:P0}); CPU/delivery vs floor median {(cpus.Count > 0 ? Median(cpus) : double.NaN):N2}x (highest {(cpus.Count > 0 ? cpus[^1] : double.NaN):N2}x)."));
        }
    }

    private static double Median(List<double> sorted) =>
        sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;

    private sealed record FanoutRow(int Round, string Target, string Run, RunResult Result, bool? Holds, double PeakMegabytes, double IdleCpu)
    {
        /// <summary>Server CPU per delivery once the idle share (<see cref="IdleCpu"/>, % of a core) is taken out.</summary>
        public double MicrosPerDeliveryAboveIdle =>
            Result.Deliveries == 0 ? double.NaN : Math.Max(0, Result.CpuSeconds[0] - IdleCpu / 100 * Result.Wall) * 1e6 / Result.Deliveries;
    }
}
