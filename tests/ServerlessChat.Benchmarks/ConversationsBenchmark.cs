using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using MongoDB.Bson;
using ServerlessChat.Core.Domain;
using ServerlessChat.Tests.Infrastructure;

/// <summary>
/// --conversations: search latency over a large store (within one conversation, and across all the
/// conversations of one user: 500, or <c>--search-conversations N</c>), reactions per second on one hot message, and what a reply and mentions add to a
/// send. Requests go over loopback HTTP to the standalone host with SQLite; latencies are per request, measured
/// by the client at a fixed concurrency. With <c>--seed-cache DIR</c> the seeded database is kept in DIR and
/// reused by later runs of the same size (each run works on a copy, so its sends never change the cache).
/// </summary>
internal static class ConversationsBenchmark
{
    private const string Password = "benchmark-password";

    public static async Task<int> RunAsync(int messageCount, int requests, int concurrency, string? seedCache, int conversations)
    {
        var data = Directory.CreateTempSubdirectory("serverlesschat-bench-conv-").FullName;
        Console.WriteLine($"data: {data}");
        var vocabulary = Vocabulary(2000);
        var (users, hotId) = await SeededAsync(seedCache ?? data, messageCount, conversations, vocabulary);
        if (seedCache is not null)
        {
            foreach (var file in Directory.EnumerateFiles(seedCache, "chat.db*"))
            {
                File.Copy(file, Path.Combine(data, Path.GetFileName(file)));
            }
        }

        await using var host = await StandaloneHost.StartAsync(new Dictionary<string, string?>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["RateLimiting__AuthPermitsPerMinute"] = "1000000",
            ["RateLimiting__PermitsPerMinute"] = "1000000",
        }, data);
        var clients = new List<HttpClient>();
        foreach (var user in users.Take(65))
        {
            var response = await host.Client.PostAsJsonAsync("api/auth/login", new { username = user.Username, password = Password });
            response.EnsureSuccessStatusCode();
            var token = (string)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["accessToken"]!;
            var client = new HttpClient { BaseAddress = host.BaseAddress };
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            clients.Add(client);
        }

        var owner = clients[0];
        var random = new Random(11);
        string Word() => vocabulary[random.Next(vocabulary.Length)];
        var rows = new List<(string Name, Stats Stats)>
        {
            ($"search, one conversation ({messageCount / 2:N0} messages), one word prefix", await MeasureAsync(requests, concurrency, _ =>
                owner.GetAsync($"api/search/messages?q={Word()[..4]}&with={users[1].Id}"))),
            ($"search, one conversation, two words", await MeasureAsync(requests, concurrency, _ =>
                owner.GetAsync($"api/search/messages?q={Word()}+{Word()[..3]}&with={users[1].Id}"))),
            ($"search, all {conversations} conversations ({messageCount:N0} messages), one word prefix", await MeasureAsync(requests, concurrency, _ =>
                owner.GetAsync($"api/search/messages?q={Word()[..4]}"))),
            ($"search, all {conversations} conversations, two words", await MeasureAsync(requests, concurrency, _ =>
                owner.GetAsync($"api/search/messages?q={Word()}+{Word()[..3]}"))),
        };

        // One group of 64 members; each member toggles its reaction on the same message.
        var groupResponse = await owner.PostAsJsonAsync("api/groups", new { name = "hot", memberIds = users.Skip(1).Take(64).Select(u => u.Id) });
        var groupId = (string)JsonNode.Parse(await groupResponse.Content.ReadAsStringAsync())!["id"]!;
        var hot = (string)JsonNode.Parse(await (await owner.PostAsJsonAsync("api/messages", new { groupId, content = "hot message" })).Content.ReadAsStringAsync())!["id"]!;
        var reacted = new bool[clients.Count];
        var reactions = await MeasureAsync(requests, clients.Count, i =>
        {
            var slot = i % clients.Count;
            reacted[slot] = !reacted[slot];
            return reacted[slot]
                ? clients[slot].PutAsJsonAsync($"api/messages/{hot}/reactions", new { emoji = "🔥" })
                : clients[slot].DeleteAsync($"api/messages/{hot}/reactions/{Uri.EscapeDataString("🔥")}");
        });
        rows.Add(($"reactions on one hot message, {clients.Count} users adding and removing", reactions));

        var mentionNames = string.Join(' ', users.Skip(1).Take(3).Select(u => "@" + u.Username));
        rows.Add(("send, direct, plain", await MeasureAsync(requests, concurrency, i =>
            owner.PostAsJsonAsync("api/messages", new { receiverId = users[1 + i % 64].Id, content = $"plain {i}" }))));
        rows.Add(("send, direct, replying", await MeasureAsync(requests, concurrency, i =>
            owner.PostAsJsonAsync("api/messages", new { receiverId = users[1].Id, content = $"reply {i}", replyToId = hotId }))));
        rows.Add(("send, group of 65, plain", await MeasureAsync(requests, concurrency, i =>
            owner.PostAsJsonAsync("api/messages", new { groupId, content = $"plain {i}" }))));
        rows.Add(("send, group of 65, three mentions", await MeasureAsync(requests, concurrency, i =>
            owner.PostAsJsonAsync("api/messages", new { groupId, content = $"{mentionNames} {i}" }))));

        Console.WriteLine();
        Console.WriteLine($"{messageCount:N0} seeded messages; {requests} requests a row at concurrency {concurrency} (reactions: {clients.Count}); one shared 2-core machine");
        Console.WriteLine("| load | requests/s | p50 ms | p95 ms | p99 ms | failed |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: |");
        foreach (var (name, stats) in rows)
        {
            Console.WriteLine($"| {name} | {stats.PerSecond:N0} | {stats.P50:N2} | {stats.P95:N2} | {stats.P99:N2} | {stats.Failed} |");
        }

        return rows.Sum(r => r.Stats.Failed) == 0 ? 0 : 1;
    }

    /// <summary>The seed in <paramref name="folder"/> when one of this size is there, else a new one written there.</summary>
    private static async Task<(List<UserRecord> Users, string ReplyTarget)> SeededAsync(string folder, int messageCount, int conversations, string[] vocabulary)
    {
        Directory.CreateDirectory(folder);
        var manifest = Path.Combine(folder, conversations == 500 ? $"seed-{messageCount}.json" : $"seed-{messageCount}-{conversations}.json");
        if (File.Exists(manifest) && File.Exists(Path.Combine(folder, "chat.db")))
        {
            var kept = JsonSerializer.Deserialize<Seed>(File.ReadAllText(manifest))!;
            Console.WriteLine($"reusing the {messageCount:N0}-message seed in {folder}");
            return (kept.Users, kept.ReplyTarget);
        }

        foreach (var stale in Directory.EnumerateFiles(folder, "chat.db*").Concat(Directory.EnumerateFiles(folder, "seed-*.json")))
        {
            File.Delete(stale);
        }

        var (users, replyTarget) = await SeedAsync(Path.Combine(folder, "chat.db"), messageCount, conversations, vocabulary);
        File.WriteAllText(manifest, JsonSerializer.Serialize(new Seed(users, replyTarget)));
        return (users, replyTarget);
    }

    private static async Task<(List<UserRecord> Users, string ReplyTarget)> SeedAsync(string dbPath, int messageCount, int conversations, string[] vocabulary)
    {
        using var store = await SeedStore.OpenAsync(dbPath);
        var users = await store.CreateUsersAsync("conv", conversations + 1, Password);
        var watch = Stopwatch.StartNew();
        var next = -1;
        var latest = new string?[conversations];
        // As many writers as the SQLite writer takes into one transaction (group commit): the fewest commits.
        const int writers = 256;
        await Task.WhenAll(Enumerable.Range(0, writers).Select(async worker =>
        {
            var random = new Random(worker);
            int index;
            while ((index = Interlocked.Increment(ref next)) < messageCount)
            {
                // Half of everything in the conversation with user 1; the other half spread over the other 499.
                var peer = index % 2 == 0 ? 1 : 2 + (index / 2) % (conversations - 1);
                var words = string.Join(' ', Enumerable.Range(0, 8).Select(_ => vocabulary[random.Next(vocabulary.Length)]));
                var (from, to) = index % 4 < 2 ? (users[0], users[peer]) : (users[peer], users[0]);
                var message = new MessageRecord(ObjectId.GenerateNewId().ToString(), ConversationIds.Direct(from.Id, to.Id), from.Id, to.Id, null,
                    $"{words} {index}", DateTimeOffset.UtcNow, null, false, null);
                latest[peer - 1] = (await store.Messages.InsertAsync(message, CancellationToken.None)).Message.Id;
            }
        }));
        // Each insert has made its message the latest of its conversation; no touch of their own.

        Console.WriteLine($"seeded {messageCount:N0} messages in {watch.Elapsed.TotalSeconds:N1} s ({messageCount / watch.Elapsed.TotalSeconds:N0}/s, {writers} writers, search index included)");
        return (users, latest[0]!);
    }

    private static async Task<Stats> MeasureAsync(int requests, int concurrency, Func<int, Task<HttpResponseMessage>> send)
    {
        // Unmeasured first: JIT, the connections and the pages the query touches, so p99 is not the first request.
        for (var i = 0; i < concurrency * 4; i++)
        {
            using var warm = await send(requests + i);
        }

        var latencies = new double[requests];
        var failed = 0;
        var next = -1;
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < requests)
            {
                var start = Stopwatch.GetTimestamp();
                using var response = await send(i);
                await response.Content.ReadAsByteArrayAsync();
                latencies[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                if (!response.IsSuccessStatusCode)
                {
                    Interlocked.Increment(ref failed);
                }
            }
        }));
        var elapsed = watch.Elapsed.TotalSeconds;
        Array.Sort(latencies);
        double At(double quantile) => latencies[Math.Min(requests - 1, (int)(requests * quantile))];
        return new Stats(requests / elapsed, At(0.5), At(0.95), At(0.99), failed);
    }

    /// <summary>Pronounceable pseudo-words, fixed by the seed, so queries have realistic selectivity.</summary>
    private static string[] Vocabulary(int size)
    {
        var random = new Random(3);
        const string consonants = "bcdfghjklmnprstvz";
        const string vowels = "aeiou";
        return Enumerable.Range(0, size).Select(_ => string.Concat(Enumerable.Range(0, 3).Select(_ => $"{consonants[random.Next(consonants.Length)]}{vowels[random.Next(vowels.Length)]}"))).Distinct().ToArray();
    }

    private sealed record Stats(double PerSecond, double P50, double P95, double P99, int Failed);

    private sealed record Seed(List<UserRecord> Users, string ReplyTarget);
}
