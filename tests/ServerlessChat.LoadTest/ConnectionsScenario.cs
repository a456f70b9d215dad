using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.Options;
using ServerlessChat.Core.Auth;
using ServerlessChat.Tests.Infrastructure;

namespace ServerlessChat.LoadTest;

/// <summary>
/// <c>--scenario connections</c>: N browser-like clients connect to one standalone host at once, each with its own
/// sockets (its own negotiate on <c>/api</c>, the hub's negotiate, then its WebSocket), a bounded number at a time;
/// a client refused with 503 retries after its Retry-After, as the official clients do. Then every user sends one
/// direct message and every group one message, and each delivery is counted: exactly once, or it is reported.
/// </summary>
internal static class ConnectionsScenario
{
    public static async Task<int> RunAsync(
        int userCount, int groupSize, int concurrency, int hostOpenFiles, int holdSeconds, IReadOnlyDictionary<string, string?> extraSettings)
    {
        LoadClients.RaiseOwnOpenFilesLimit(userCount * 2 + 1024);
        var data = Directory.CreateTempSubdirectory("serverlesschat-connections-").FullName;
        Console.WriteLine($"{Environment.ProcessorCount} cores; load average before start: {File.ReadAllText("/proc/loadavg").Trim()}; seeding {userCount:N0} users");
        List<Core.Domain.UserRecord> seeded;
        using (var seed = await SeedStore.OpenAsync(Path.Combine(data, "chat.db")))
        {
            seeded = await seed.CreateUsersAsync("c", userCount, "connections-password");
        }

        var settings = new Dictionary<string, string?>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["Auth__AccessTokenMinutes"] = "120",
            ["RateLimiting__AuthPermitsPerMinute"] = "1000000",
            ["RateLimiting__PermitsPerMinute"] = "1000000",
            ["Logging__LogLevel__Microsoft.AspNetCore.HttpLogging.HttpLoggingMiddleware"] = "Warning",
            ["Logging__LogLevel__ServerlessChat.Standalone.Limits"] = "Information",
        };
        foreach (var (key, value) in extraSettings)
        {
            settings[key] = value;
        }

        var tokens = new AccessTokens(Options.Create(new AuthOptions { JwtSigningKey = StandaloneHost.TestSigningKey, AccessTokenMinutes = 120 }), TimeProvider.System);
        var users = seeded.Select((u, i) => new LoadUser(i, u.Id, u.Username, tokens.Issue(u.Id, u.Username))).ToList();

        // The host gets its own limit (the machine's default here), not the one this process raised for its clients.
        await using var host = await StandaloneHost.StartAsync(settings, data, hostOpenFiles);
        Console.WriteLine(host.Output.Split('\n').FirstOrDefault(l => l.Contains("Limits:", StringComparison.Ordinal))?.Trim());
        using var api = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 32 }) { BaseAddress = host.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        (await api.GetAsync("api/health")).EnsureSuccessStatusCode();
        var rssBefore = ProcStats.ResidentMegabytes(host.ProcessId);

        // 1. Everyone connects.
        var received = new Inbox(userCount);
        var outcome = await LoadClients.ConnectAsync(
            users,
            concurrency,
            user => new HubConnectionBuilder().WithUrl(new Uri(host.BaseAddress, "api"), options =>
            {
                options.AccessTokenProvider = () => Task.FromResult<string?>(user.AccessToken);
                options.Transports = HttpTransportType.WebSockets;
            }).Build(),
            connection => connection.InvokeAsync("Heartbeat"),
            received.Arrive);
        var connections = outcome.Connections;
        var refused = outcome.Refused;
        var failed = outcome.Failed;
        var clock = Stopwatch.StartNew();
        var connectSeconds = outcome.Seconds;
        var connected = connections.Count(c => c is not null);
        var rssConnected = ProcStats.ResidentMegabytes(host.ProcessId);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"-- {connected:N0} of {userCount:N0} connected in {connectSeconds:N1} s ({refused} refused with 503 and retried, {failed} other failures); host RSS {rssBefore:N0} -> {rssConnected:N0} MB"));

        if (holdSeconds > 0)
        {
            // Time to look inside, e.g. dotnet-gcdump collect -p <pid>.
            Console.WriteLine($"   holding {holdSeconds} s with everyone connected; host pid {host.ProcessId}");
            await Task.Delay(TimeSpan.FromSeconds(holdSeconds));
        }

        // After the hold, idle keep-alive sockets of the negotiates have been closed: one WebSocket a client is left.
        var rssHeld = ProcStats.ResidentMegabytes(host.ProcessId);

        // 2. Direct: user i writes to user i+1; each must get exactly the one addressed to it (its own echo is not counted).
        clock.Restart();
        var directErrors = 0;
        await Parallel.ForEachAsync(users, new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (user, ct) =>
        {
            var receiver = (user.Index + 1) % userCount;
            if (!await PostAsync(api, user, $$"""{"receiverId":"{{users[receiver].Id}}","content":"d:{{receiver}}"}""", ct))
            {
                Interlocked.Increment(ref directErrors);
            }
        });
        var directExpected = users.Where(u => connections[u.Index] is not null).Select(u => (u.Index, $"d:{u.Index}")).ToList();
        var directDelivered = await received.WaitForAsync(directExpected, TimeSpan.FromSeconds(60));
        var directSeconds = clock.Elapsed.TotalSeconds;

        // 3. Groups of groupSize consecutive users, created while everyone is connected; one message each from its first member.
        clock.Restart();
        var groups = new List<(string Id, int[] Members)>();
        foreach (var members in LoadClients.GroupMembers(userCount, groupSize))
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "api/groups")
            {
                Content = JsonContent.Create(new { name = $"c {groups.Count}", memberIds = members.Skip(1).Select(m => users[m].Id).ToArray() }),
            };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", users[members[0]].AccessToken);
            using var response = await api.SendAsync(request);
            response.EnsureSuccessStatusCode();
            groups.Add(((string)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["id"]!, members));
        }

        var groupErrors = 0;
        await Parallel.ForEachAsync(groups.Select((g, i) => (g, i)), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (item, ct) =>
        {
            if (!await PostAsync(api, users[item.g.Members[0]], $$"""{"groupId":"{{item.g.Id}}","content":"g:{{item.i}}"}""", ct))
            {
                Interlocked.Increment(ref groupErrors);
            }
        });
        var groupExpected = groups.SelectMany((g, i) => g.Members.Skip(1).Where(m => connections[m] is not null).Select(m => (m, $"g:{i}"))).ToList();
        var groupDelivered = await received.WaitForAsync(groupExpected, TimeSpan.FromSeconds(60));
        var groupSeconds = clock.Elapsed.TotalSeconds;
        var rssAfter = ProcStats.ResidentMegabytes(host.ProcessId);
        var peak = ProcStats.PeakMegabytes(host.ProcessId);
        var alive = !Process.GetProcessById(host.ProcessId).HasExited;

        Console.WriteLine();
        Console.WriteLine($"{userCount:N0} browser-like clients (own sockets each: /api negotiate, hub negotiate, WebSocket), {concurrency} connecting at a time; groups of {groupSize}; {Environment.ProcessorCount} cores shared with the load client and anything else running.");
        Console.WriteLine();
        Console.WriteLine("| connected | connect s | refused (503, retried) | other failures | host RSS before / connected / held / after MB | peak RSS MB | bytes per connection (connected, held) | direct delivered / expected (dup, errors) | direct s | group delivered / expected (dup, errors) | group s | host alive |");
        Console.WriteLine("| ---: | ---: | ---: | ---: | --- | ---: | ---: | --- | ---: | --- | ---: | --- |");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {connected:N0} / {userCount:N0} | {connectSeconds:N1} | {refused} | {failed} | {rssBefore:N0} / {rssConnected:N0} / {rssHeld:N0} / {rssAfter:N0} | {peak:N0} | {(rssConnected - rssBefore) * 1024 * 1024 / Math.Max(1, connected):N0}, {(rssHeld - rssBefore) * 1024 * 1024 / Math.Max(1, connected):N0} | {directDelivered:N0} / {directExpected.Count:N0} ({received.Duplicates}, {directErrors}) | {directSeconds:N1} | {groupDelivered:N0} / {groupExpected.Count:N0} ({received.Duplicates}, {groupErrors}) | {groupSeconds:N1} | {(alive ? "yes" : "no")} |"));

        await LoadClients.DisposeAllAsync(connections.OfType<HubConnection>());
        var ok = connected == userCount && directDelivered == directExpected.Count && groupDelivered == groupExpected.Count
            && received.Duplicates == 0 && directErrors + groupErrors == 0 && alive;
        return ok ? 0 : 1;
    }

    private static async Task<bool> PostAsync(HttpClient api, LoadUser sender, string json, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/messages") { Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", sender.AccessToken);
        using var response = await api.SendAsync(request, ct);
        return response.StatusCode == HttpStatusCode.Created;
    }

    /// <summary>Counts each (receiver, content) pair once; a second arrival is a duplicate.</summary>
    private sealed class Inbox(int users)
    {
        private readonly HashSet<string>[] _byReceiver = Enumerable.Range(0, users).Select(_ => new HashSet<string>(StringComparer.Ordinal)).ToArray();
        private long _duplicates;
        private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public long Duplicates => Interlocked.Read(ref _duplicates);

        public void Arrive(int receiver, string content)
        {
            var set = _byReceiver[receiver];
            lock (set)
            {
                if (!set.Add(content))
                {
                    Interlocked.Increment(ref _duplicates);
                }
            }

            Interlocked.Exchange(ref _changed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        }

        /// <summary>How many of the expected deliveries arrived, waiting until all have or nothing arrived for the timeout.</summary>
        public async Task<int> WaitForAsync(IReadOnlyList<(int Receiver, string Content)> expected, TimeSpan quiet)
        {
            while (true)
            {
                var changed = Volatile.Read(ref _changed).Task;
                var count = expected.Count(e =>
                {
                    var set = _byReceiver[e.Receiver];
                    lock (set)
                    {
                        return set.Contains(e.Content);
                    }
                });
                if (count == expected.Count)
                {
                    return count;
                }

                if (await Task.WhenAny(changed, Task.Delay(quiet)) != changed)
                {
                    return count;
                }

                // Recount in batches of arrivals, not after each one.
                await Task.Delay(100);
            }
        }
    }
}
