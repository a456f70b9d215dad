using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ServerlessChat.Core.Push;
using ServerlessChat.Tests.Infrastructure;
using ServerlessChat.Tests.Push;

/// <summary>
/// --push-sync: what catching up costs a client that was away (GET /api/sync over many changes in many
/// conversations: requests and time), Web Push throughput to a local push service (the tests' double, which also
/// verifies the VAPID token and decrypts every push, on the same machine), and what a push subscription adds to
/// a send whose recipient is offline. Standalone host with SQLite, loopback HTTP, each user on its own client.
/// </summary>
internal static class PushSyncBenchmark
{
    private const string Password = "benchmark-password";
    private const int SettleSeconds = 1;

    public static async Task<int> RunAsync(int changes, int conversations, int pushMessages, int recipients, int latencySends)
    {
        await using var pushService = await LocalPushService.StartAsync();
        var (publicKey, privateKey) = VapidKeys.Generate();
        await using var host = await StandaloneHost.StartAsync(new Dictionary<string, string?>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["RateLimiting__AuthPermitsPerMinute"] = "1000000",
            ["RateLimiting__PermitsPerMinute"] = "1000000",
            ["Push__VapidPublicKey"] = publicKey,
            ["Push__VapidPrivateKey"] = privateKey,
            ["Push__AllowInsecureEndpoints"] = "true",
            // The watermark of a sync answer trails now by this; the benchmark waits it out once before catching up.
            ["Sync__SettleSeconds"] = SettleSeconds.ToString(CultureInfo.InvariantCulture),
        });
        Console.WriteLine($"host: {host.BaseAddress}; local push service: {pushService.BaseAddress}");
        var failures = 0;

        // 1. Catch-up sync: a reader away while a writer sends `changes` messages over `conversations` groups.
        var reader = await RegisterAsync(host, "syncr");
        var writer = await RegisterAsync(host, "syncw");
        var groups = new List<string>();
        for (var i = 0; i < conversations; i++)
        {
            var group = await ReadAsync(await reader.Http.PostAsJsonAsync("api/groups", new { name = $"sync {i}", memberIds = new[] { writer.Id } }), HttpStatusCode.Created);
            groups.Add((string)group["id"]!);
        }
        var since = (string)(await ReadAsync(await reader.Http.GetAsync("api/sync"), HttpStatusCode.OK))["cursor"]!;
        var seedClock = Stopwatch.StartNew();
        await ForEachAsync(changes, 16, i => SendAsync(writer, new { groupId = groups[i % groups.Count], content = $"change {i}" }));
        Console.WriteLine($"sent {changes:N0} messages over {conversations} groups in {seedClock.Elapsed.TotalSeconds:N1} s");
        await Task.Delay(TimeSpan.FromSeconds(SettleSeconds + 0.5));

        var syncRows = new List<string>();
        // Each page size twice: the first pass also competes with the push jobs of the sends still draining.
        foreach (var limit in new[] { 200, 500, 200, 500 })
        {
            var (requests, received, messages, seconds, _) = await CatchUpAsync(reader, since, limit);
            failures += messages == changes ? 0 : 1;
            syncRows.Add(string.Create(CultureInfo.InvariantCulture,
                $"| {changes:N0} messages, {conversations} conversations, limit={limit} | {requests} | {received:N0} ({messages:N0} newMessage) | {seconds * 1000:N0} | {received / seconds:N0} |"));
        }

        // 2. Pushes per second: a group of `recipients` offline members, each with one subscription, and one sender.
        var sender = await RegisterAsync(host, "pushs");
        var phones = new List<TestSubscription>();
        var members = new List<string>();
        for (var i = 0; i < recipients; i++)
        {
            var member = await RegisterAsync(host, "pushr");
            var phone = pushService.NewSubscription();
            await ReadAsync(await member.Http.PostAsJsonAsync("api/push/subscriptions", phone.Body), HttpStatusCode.Created);
            phones.Add(phone);
            members.Add(member.Id);
        }
        var pushGroup = (string)(await ReadAsync(await sender.Http.PostAsJsonAsync("api/groups", new { name = "push", memberIds = members }), HttpStatusCode.Created))["id"]!;
        var expectedPushes = pushMessages * recipients;
        var pushClock = Stopwatch.StartNew();
        await ForEachAsync(pushMessages, 4, i => SendAsync(sender, new { groupId = pushGroup, content = $"push {i}" }));
        var sendSeconds = pushClock.Elapsed.TotalSeconds;
        var pushErrors = 0;
        foreach (var phone in phones)
        {
            for (var n = 0; n < pushMessages; n++)
            {
                var push = await phone.Received.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(120));
                pushErrors += push.Error is null && push.Answered == 201 ? 0 : 1;
            }
        }
        var pushSeconds = pushClock.Elapsed.TotalSeconds;
        failures += pushErrors;

        // 3. A send to an offline user without any subscription, and to one with a subscription, alternately.
        var alice = await RegisterAsync(host, "lata");
        var plain = await RegisterAsync(host, "latb");
        var subscribed = await RegisterAsync(host, "latc");
        var latencyPhone = pushService.NewSubscription();
        await ReadAsync(await subscribed.Http.PostAsJsonAsync("api/push/subscriptions", latencyPhone.Body), HttpStatusCode.Created);
        var withoutPush = new List<double>();
        var withPush = new List<double>();
        var sentAt = new Dictionary<string, DateTimeOffset>();
        for (var i = 0; i < latencySends + 20; i++)
        {
            foreach (var (to, into) in new[] { (plain, withoutPush), (subscribed, withPush) })
            {
                var started = DateTimeOffset.UtcNow;
                var clock = Stopwatch.StartNew();
                var message = await SendAsync(alice, new { receiverId = to.Id, content = $"latency {i}" });
                var elapsed = clock.Elapsed.TotalMilliseconds;
                // The first 20 of each warm up the connections and the JIT.
                if (i >= 20)
                {
                    into.Add(elapsed);
                    if (to == subscribed)
                    {
                        sentAt[(string)message["id"]!] = started;
                    }
                }
            }
        }
        var deliveries = new List<double>();
        for (var i = 0; i < latencySends + 20; i++)
        {
            var push = await latencyPhone.Received.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(60));
            if (push.Payload?["messageId"]?.GetValue<string>() is { } id && sentAt.TryGetValue(id, out var at))
            {
                deliveries.Add((push.At - at).TotalMilliseconds);
            }
        }

        Console.WriteLine();
        Console.WriteLine($"load average at the end: {LoadAverage()} on {Environment.ProcessorCount} cores");
        Console.WriteLine();
        Console.WriteLine("Catch-up sync (GET /api/sync from the cursor taken before the sends, paged until hasMore is false; standalone host, SQLite, 2-core machine shared with other work)");
        Console.WriteLine("| scenario | requests | changes received | ms to catch up | changes/s |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: |");
        syncRows.ForEach(Console.WriteLine);
        Console.WriteLine();
        Console.WriteLine("Web Push to the local push service (VAPID checked and aes128gcm decrypted there, on the same machine)");
        Console.WriteLine("| scenario | pushes | errors | s from first send to last push | pushes/s | sends took s |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: |");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {pushMessages} group messages x {recipients} offline subscribed members | {expectedPushes:N0} | {pushErrors} | {pushSeconds:N2} | {expectedPushes / pushSeconds:N0} | {sendSeconds:N2} |"));
        Console.WriteLine();
        Console.WriteLine($"POST /api/messages to an offline recipient, one at a time, alternating, {latencySends} each after 20 warm-up");
        Console.WriteLine("| recipient | p50 ms | p99 ms | mean ms |");
        Console.WriteLine("| --- | ---: | ---: | ---: |");
        Console.WriteLine(Row("offline, no subscription", withoutPush));
        Console.WriteLine(Row("offline, one push subscription", withPush));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| added by the subscription | {Percentile(withPush, 50) - Percentile(withoutPush, 50):N2} | {Percentile(withPush, 99) - Percentile(withoutPush, 99):N2} | {withPush.Average() - withoutPush.Average():N2} |"));
        Console.WriteLine(Row("send start to push received (background)", deliveries));
        return failures == 0 ? 0 : 1;
    }

    internal sealed record User(string Id, HttpClient Http);

    internal static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    internal static async Task<User> RegisterAsync(StandaloneHost host, string prefix)
    {
        var username = $"{prefix}_{Guid.NewGuid():N}"[..24];
        var session = await ReadAsync(await host.Client.PostAsJsonAsync("api/auth/register", new { username, email = $"{username}@example.test", password = Password }), HttpStatusCode.Created);
        var http = new HttpClient { BaseAddress = host.BaseAddress };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", (string)session["accessToken"]!);
        return new User((string)session["user"]!["id"]!, http);
    }

    internal static async Task<JsonNode> SendAsync(User from, object body) =>
        await ReadAsync(await from.Http.PostAsJsonAsync("api/messages", body), HttpStatusCode.Created);

    internal static async Task<JsonNode> ReadAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        var text = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != expected)
        {
            throw new InvalidOperationException($"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri} answered {(int)response.StatusCode}: {text}");
        }
        return text.Length == 0 ? new JsonObject() : JsonNode.Parse(text)!;
    }

    /// <summary>Pages GET /api/sync from <paramref name="since"/> until hasMore is false; also the slowest page.</summary>
    internal static async Task<(int Requests, int Changes, int Messages, double Seconds, double SlowestPageMs)> CatchUpAsync(User reader, string since, int limit)
    {
        var clock = Stopwatch.StartNew();
        var (requests, changes, messages, cursor, slowest) = (0, 0, 0, since, 0.0);
        while (true)
        {
            var pageClock = Stopwatch.StartNew();
            var page = await ReadAsync(await reader.Http.GetAsync($"api/sync?since={Uri.EscapeDataString(cursor)}&limit={limit}"), HttpStatusCode.OK);
            slowest = Math.Max(slowest, pageClock.Elapsed.TotalMilliseconds);
            requests++;
            var items = page["changes"]!.AsArray();
            changes += items.Count;
            messages += items.Count(c => (string)c!["type"]! == "newMessage");
            cursor = (string)page["cursor"]!;
            if (!(bool)page["hasMore"]!)
            {
                return (requests, changes, messages, clock.Elapsed.TotalSeconds, slowest);
            }
        }
    }

    internal static Task ForEachAsync(int count, int concurrency, Func<int, Task> body)
    {
        var next = -1;
        return Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                await body(i);
            }
        }));
    }

    private static double Percentile(List<double> values, double percentile)
    {
        var sorted = values.Order().ToList();
        return sorted[Math.Clamp((int)Math.Ceiling(percentile / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];
    }

    private static string Row(string name, List<double> values) =>
        string.Create(CultureInfo.InvariantCulture, $"| {name} | {Percentile(values, 50):N2} | {Percentile(values, 99):N2} | {values.Average():N2} |");
}
