using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using ServerlessChat.Core.Realtime;
using ServerlessChat.Tests.Api;
using ServerlessChat.Tests.Infrastructure;

namespace ServerlessChat.Tests.Scale;

/// <summary>
/// The standalone host under a small open-files limit, stormed past the connection budget it derives from it:
/// clients beyond its HTTP connections wait to be accepted instead of being closed, refused clients are told so,
/// every accepted one works, the store answers throughout and the host lives on.
/// </summary>
public sealed partial class BoundedHostTests
{
    // The runtime alone holds about 230 descriptors at start (two per loaded assembly), and the host keeps 192
    // in reserve; this leaves it room for about 130 hub and 80 HTTP connections.
    private const int OpenFilesLimit = 640;

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task AHostUnderASmallOpenFilesLimitRefusesAStormBeyondItsBudgetCleanlyAndServesEveryoneItAccepted()
    {
        var data = Directory.CreateTempSubdirectory("serverlesschat-bounded-").FullName;
        const int Extra = 40;
        List<Core.Domain.UserRecord> users;
        using (var seed = await SeedStore.OpenForHostAsync(data))
        {
            // More than any budget this limit allows; the test uses the first hub budget + Extra of them.
            users = await seed.CreateUsersAsync("bh", 400, "bounded-host-password");
        }

        await using var host = await StandaloneHost.StartAsync(
            new Dictionary<string, string?> { ["Logging__LogLevel__ServerlessChat.Standalone.Limits"] = "Information" }, data, OpenFilesLimit);
        var budget = BudgetLine().Match(host.Output);
        Assert.True(budget.Success, "The host logs the budget it derived:\n" + host.Output);
        var httpBudget = int.Parse(budget.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        var hubBudget = int.Parse(budget.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(hubBudget + httpBudget, 50, OpenFilesLimit - 192);
        Assert.True(hubBudget + Extra <= users.Count);

        // One kept-alive connection, opened before the storm, watches the store the whole time.
        using var probe = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1 }) { BaseAddress = host.BaseAddress, Timeout = Timeout };
        Assert.Equal(HttpStatusCode.OK, (await probe.GetAsync("api/health")).StatusCode);
        using var stopWatching = new CancellationTokenSource();
        var health = WatchHealthAsync(probe, stopWatching.Token);

        // 1. More browsers than the hub takes, and more than the host's HTTP connections, negotiate all at once, each on
        // its own socket: those beyond the HTTP budget wait to be accepted, and every one gets an answer.
        var storm = users.Take(hubBudget + Extra).ToList();
        Assert.True(storm.Count > httpBudget, "the storm is larger than the HTTP budget");
        var answers = await Task.WhenAll(Enumerable.Range(0, storm.Count).Select(index => Task.Run(() => NegotiateAsync(index))));
        var accepted = answers.Where(a => a.Status == HttpStatusCode.OK).ToList();
        var refused = answers.Where(a => a.Status != HttpStatusCode.OK).ToList();
        Assert.Equal(hubBudget, accepted.Count);
        Assert.Equal(Extra, refused.Count);
        Assert.All(refused, r =>
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, r.Status);
            Assert.Equal("application/problem+json", r.ContentType);
            Assert.True(r.RetryAfterSeconds > 0, "a refused negotiate says when to retry");
        });

        // 2. Every accepted one connects its WebSocket and is set up on the hub.
        var connections = new (HubConnection Connection, int Index)[accepted.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, accepted.Count), new ParallelOptions { MaxDegreeOfParallelism = 16 },
            async (i, _) => connections[i] = await ConnectAsync(accepted[i].Url!, accepted[i].HubToken!, accepted[i].UserIndex));
        var inboxes = new ConcurrentDictionary<int, ConcurrentQueue<string>>();
        var firstArrivals = new ConcurrentDictionary<int, TaskCompletionSource>();
        try
        {
            foreach (var (connection, index) in connections)
            {
                var inbox = inboxes.GetOrAdd(index, _ => new ConcurrentQueue<string>());
                var arrived = firstArrivals.GetOrAdd(index, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
                connection.On<JsonElement>(ChatHub.NewMessage, m =>
                {
                    var content = m.GetProperty("content").GetString()!;
                    inbox.Enqueue(content);
                    if (content == $"to {index}")
                    {
                        arrived.TrySetResult();
                    }
                });
            }

            // 3. A storm of raw TCP connections that say nothing, past the HTTP budget: none is closed at accept (those
            // beyond the budget wait in the accept queue), and a negotiate behind them is answered once they go.
            var sockets = await Task.WhenAll(Enumerable.Range(0, httpBudget + Extra).Select(_ => OpenRawAsync(host.BaseAddress)));
            var closedAtOnce = (await Task.WhenAll(sockets.Select(ClosedByServerAsync))).Count(closed => closed);
            Assert.Equal(0, closedAtOnce);
            var behind = Task.Run(() => NegotiateAsync(refused[0].UserIndex));
            foreach (var socket in sockets)
            {
                socket.Dispose();
            }

            Assert.Equal(HttpStatusCode.ServiceUnavailable, (await behind.WaitAsync(Timeout)).Status);

            // 4. Every accepted client sends (through the API, on the probe's connection) and receives exactly once.
            var indexes = connections.Select(c => c.Index).ToList();
            for (var i = 0; i < indexes.Count; i++)
            {
                var receiver = indexes[(i + 1) % indexes.Count];
                await SendAsync(indexes[i], receiver, $"to {receiver}");
            }

            await Task.WhenAll(firstArrivals.Values.Select(a => a.Task)).WaitAsync(Timeout);

            // A sentinel behind every message: once it is in, nothing else is on its way, so a duplicate would show.
            // It reaches the receiver and, as the echo, the sender: both are awaited.
            var sentinels = connections.Take(2).Select(c =>
            {
                var sentinel = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                c.Connection.On<JsonElement>(ChatHub.NewMessage, m =>
                {
                    if (m.GetProperty("content").GetString() == "sentinel")
                    {
                        sentinel.TrySetResult();
                    }
                });
                return sentinel.Task;
            }).ToList();
            await SendAsync(indexes[1], indexes[0], "sentinel");
            await Task.WhenAll(sentinels).WaitAsync(Timeout);
            // Each got the message sent to it and the echo of its own (newMessage goes to the sender's connections too).
            for (var i = 0; i < indexes.Count; i++)
            {
                string[] expected = [$"to {indexes[i]}", $"to {indexes[(i + 1) % indexes.Count]}", .. i < 2 ? ["sentinel"] : Array.Empty<string>()];
                Assert.Equal(expected.Order(), inboxes[indexes[i]].Order());
            }

            // 5. A slot freed by a client that leaves goes to a client that was refused.
            await connections[0].Connection.DisposeAsync();
            await WaitUntilAsync(
                async () => (await NegotiateAsync(refused[0].UserIndex)).Status == HttpStatusCode.OK,
                "a refused client gets in once a slot is free");
        }
        finally
        {
            await Task.WhenAll(connections.Skip(1).Select(c => c.Connection.DisposeAsync().AsTask()));
        }

        await stopWatching.CancelAsync();
        var failures = await health;
        Assert.Empty(failures);

        // The first message persisted; the host never ran out of descriptors inside and is still running.
        using var history = new HttpRequestMessage(HttpMethod.Get, $"api/messages?with={users[connections[1].Index].Id}&limit=5");
        history.Headers.Authorization = new AuthenticationHeaderValue("Bearer", TestTokens.Create(users[connections[0].Index].Id));
        using var page = await probe.SendAsync(history);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains($"to {connections[1].Index}", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain("unable to open database file", host.Output, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Too many open files", host.Output, StringComparison.OrdinalIgnoreCase);
        Assert.False(Process().HasExited, "the host process is alive");

        System.Diagnostics.Process Process() => System.Diagnostics.Process.GetProcessById(host.ProcessId);

        async Task SendAsync(int sender, int receiver, string content)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "api/messages")
            {
                Content = JsonContent.Create(new { receiverId = users[receiver].Id, content }),
            };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", TestTokens.Create(users[sender].Id));
            using var response = await probe.SendAsync(request);
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        }

        async Task<Negotiated> NegotiateAsync(int index)
        {
            using var http = new HttpClient { BaseAddress = host.BaseAddress, Timeout = Timeout };
            using var request = new HttpRequestMessage(HttpMethod.Post, "api/negotiate?negotiateVersion=1");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", TestTokens.Create(users[index].Id));
            // Its own socket, closed after the answer, as a browser's first request on a fresh page.
            request.Headers.ConnectionClose = true;
            using var response = await http.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();
            if (response.StatusCode != HttpStatusCode.OK)
            {
                return new Negotiated(index, response.StatusCode, response.Content.Headers.ContentType?.MediaType,
                    (int?)response.Headers.RetryAfter?.Delta?.TotalSeconds, null, null);
            }

            var json = JsonNode.Parse(body)!;
            return new Negotiated(index, response.StatusCode, null, null, (string)json["url"]!, (string)json["accessToken"]!);
        }
    }

    private static async Task<(HubConnection Connection, int Index)> ConnectAsync(string url, string hubToken, int index)
    {
        var connection = new HubConnectionBuilder().WithUrl(url, options =>
        {
            options.AccessTokenProvider = () => Task.FromResult<string?>(hubToken);
            options.Transports = HttpTransportType.WebSockets;
            // Straight to the WebSocket: the slot was granted by /api/negotiate already.
            options.SkipNegotiation = true;
        }).Build();
        await connection.StartAsync().WaitAsync(Timeout);
        // Answered only after OnConnectedAsync: the connection is registered and counted.
        await connection.InvokeAsync("Heartbeat").WaitAsync(Timeout);
        return (connection, index);
    }

    private static async Task<Socket> OpenRawAsync(Uri baseAddress)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(baseAddress.Host, baseAddress.Port);
        return socket;
    }

    /// <summary>Whether the host closed a connection that sent nothing right away (well before its header timeout).</summary>
    private static async Task<bool> ClosedByServerAsync(Socket socket)
    {
        var buffer = new byte[1];
        try
        {
            using var wait = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
            return await socket.ReceiveAsync(buffer, SocketFlags.None, wait.Token) == 0;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (SocketException)
        {
            return true;
        }
    }

    private static async Task<List<string>> WatchHealthAsync(HttpClient probe, CancellationToken stop)
    {
        var failures = new List<string>();
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                try
                {
                    using var response = await probe.GetAsync("api/health", stop);
                    if (response.StatusCode != HttpStatusCode.OK)
                    {
                        failures.Add($"health answered {(int)response.StatusCode}");
                    }
                }
                catch (HttpRequestException error)
                {
                    failures.Add("health failed: " + error.Message);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }

        return failures;
    }

    /// <summary>For what the host announces to nobody, such as a hub slot freed by a disconnect.</summary>
    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Not within {Timeout.TotalSeconds} s: {what}.");
            }

            await Task.Delay(50);
        }
    }

    private sealed record Negotiated(int UserIndex, HttpStatusCode Status, string? ContentType, int? RetryAfterSeconds, string? Url, string? HubToken);

    [GeneratedRegex(@"at most (\d+) HTTP connections and (\d+) hub connections")]
    private static partial Regex BudgetLine();
}
