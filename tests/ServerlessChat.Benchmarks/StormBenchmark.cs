using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.Options;
using ServerlessChat.Core.Auth;
using ServerlessChat.LoadTest;
using ServerlessChat.Tests.Infrastructure;

/// <summary>
/// <c>--storm N</c>: N browser-like clients start at once against one standalone host, each on its own sockets, as
/// the JS SDK connects: <c>POST /api/negotiate</c>, then the SignalR client to the URL it names (the hub's own
/// negotiate, then its WebSocket). A refused attempt is retried as the SDK retries: after 100 ms doubling to 2 s,
/// with jitter, and never sooner than a <c>Retry-After</c>. Prints how many connected and how long it took, what
/// was refused and how (503, or a socket closed without an answer), and the host's peak memory and descriptors.
/// With <c>--baseline DIR</c> the same storm runs on another build's host afterwards.
/// </summary>
internal static partial class StormBenchmark
{
    private const string Password = "storm-password";

    public static async Task<int> RunAsync(int clients, int hostOpenFiles, int seconds, string? baseline)
    {
        Console.WriteLine($"{Environment.ProcessorCount} cores; load average {File.ReadAllText("/proc/loadavg").Trim()}; seeding {clients:N0} users");
        var rows = new List<string>();
        foreach (var (build, output) in new[] { ("this build", (string?)null), ("baseline", baseline) })
        {
            if (build == "baseline" && baseline is null)
            {
                continue;
            }

            rows.Add(await StormAsync(build, output, clients, hostOpenFiles, seconds));
        }

        Console.WriteLine();
        Console.WriteLine($"Connect storm: {clients:N0} clients started at once, each on its own sockets (negotiate, hub negotiate, WebSocket), retrying as the JS SDK does; host open-files limit {hostOpenFiles:N0}; within {seconds} s");
        Console.WriteLine("| build | HTTP / hub budget | connected | seconds to the last | 503 answers | 429 answers | sockets closed unanswered | other failures | host peak RSS MB | host descriptors peak | load average |");
        Console.WriteLine("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
        foreach (var row in rows)
        {
            Console.WriteLine(row);
        }

        return 0;
    }

    private static async Task<string> StormAsync(string build, string? hostOutput, int clients, int hostOpenFiles, int seconds)
    {
        var data = Directory.CreateTempSubdirectory("serverlesschat-storm-").FullName;
        List<ServerlessChat.Core.Domain.UserRecord> users;
        using (var seed = await SeedStore.OpenAsync(Path.Combine(data, "chat.db")))
        {
            users = await seed.CreateUsersAsync("s", clients, Password);
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
        var tokens = new AccessTokens(Options.Create(new AuthOptions { JwtSigningKey = StandaloneHost.TestSigningKey, AccessTokenMinutes = 120 }), TimeProvider.System);
        await using var host = await StandaloneHost.StartAsync(settings, data, hostOpenFiles, hostOutput);
        var budget = BudgetLine().Match(host.Output);
        var budgetText = budget.Success ? $"{budget.Groups[1].Value} / {budget.Groups[2].Value}" : "?";
        Console.WriteLine($"{build}: host {host.BaseAddress} (pid {host.ProcessId}), budget HTTP / hub {budgetText}; load average {File.ReadAllText("/proc/loadavg").Trim()}");

        var counts = new Counts();
        var connections = new ConcurrentBag<HubConnection>();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        var peakDescriptors = 0;
        var watching = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                peakDescriptors = Math.Max(peakDescriptors, Descriptors(host.ProcessId));
                await Task.Delay(100);
            }
        });

        var clock = Stopwatch.StartNew();
        var lastConnected = TimeSpan.Zero;
        var starting = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var all = users.Select(user => Task.Run(async () =>
        {
            await starting.Task;
            var connection = await ConnectAsync(host.BaseAddress, tokens.Issue(user.Id, user.Username), counts, stop.Token);
            if (connection is not null)
            {
                connections.Add(connection);
                lock (counts)
                {
                    lastConnected = clock.Elapsed;
                }
            }
        })).ToList();
        clock.Restart();
        starting.SetResult();
        await Task.WhenAll(all);
        await stop.CancelAsync();
        await watching;

        var row = string.Create(CultureInfo.InvariantCulture,
            $"| {build} | {budgetText} | {connections.Count:N0} of {clients:N0} | {lastConnected.TotalSeconds:N1} | {counts.Unavailable:N0} | {counts.TooMany:N0} | {counts.Closed:N0} | {counts.Other:N0} | {ProcStats.PeakMegabytes(host.ProcessId):N0} | {peakDescriptors:N0} | {File.ReadAllText("/proc/loadavg").Trim()} |");
        Console.WriteLine(row);
        if (counts.FirstClosed is { } closed)
        {
            Console.WriteLine($"   first socket closed unanswered: {closed}");
        }

        if (counts.FirstOther is { } other)
        {
            Console.WriteLine($"   first other failure: {other}");
        }

        await Parallel.ForEachAsync(connections, new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (c, _) => await c.DisposeAsync());
        return row;
    }

    /// <summary>One client as the SDK connects it; null if it never did within the time.</summary>
    private static async Task<HubConnection?> ConnectAsync(Uri baseAddress, string token, Counts counts, CancellationToken ct)
    {
        for (var attempt = 0; !ct.IsCancellationRequested; attempt++)
        {
            int? retryAfter = null;
            try
            {
                // Its own socket, as a fresh browser page's first request.
                using var http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(60) };
                using var request = new HttpRequestMessage(HttpMethod.Post, "api/negotiate?negotiateVersion=1");
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
                using var response = await http.SendAsync(request, ct);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    var answer = JsonNode.Parse(await response.Content.ReadAsStringAsync(ct))!;
                    var hubToken = (string)answer["accessToken"]!;
                    var connection = new HubConnectionBuilder().WithUrl((string)answer["url"]!, options =>
                    {
                        options.AccessTokenProvider = () => Task.FromResult<string?>(hubToken);
                        options.Transports = HttpTransportType.WebSockets;
                    }).Build();
                    try
                    {
                        await connection.StartAsync(ct);
                        return connection;
                    }
                    catch (Exception error) when (error is not OperationCanceledException)
                    {
                        await connection.DisposeAsync();
                        throw;
                    }
                }

                retryAfter = (int?)response.Headers.RetryAfter?.Delta?.TotalSeconds;
                counts.Answered(response.StatusCode);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return null;
            }
            catch (HttpRequestException error) when (error.StatusCode == HttpStatusCode.ServiceUnavailable)
            {
                // The hub's own negotiate refused (the .NET client does not show its Retry-After).
                counts.Answered(HttpStatusCode.ServiceUnavailable);
            }
            catch (Exception error) when (error is HttpRequestException { StatusCode: null } or IOException or System.Net.WebSockets.WebSocketException
                or AggregateException && !error.Message.Contains("status code '", StringComparison.Ordinal))
            {
                // A socket the host closed or reset without an answer (what "fetch failed" is in a browser).
                counts.ClosedUnanswered(error);
            }
            catch (Exception error)
            {
                // An answer other than 503, such as the hub's 404 for a negotiated connection whose WebSocket came too late.
                counts.Failed(error);
            }

            try
            {
                await Task.Delay(Delay(attempt, retryAfter), ct);
            }
            catch (OperationCanceledException)
            {
                return null;
            }
        }

        return null;
    }

    /// <summary>The JS SDK's reconnect delay (clients/js/src/backoff.ts).</summary>
    private static TimeSpan Delay(int attempt, int? retryAfterSeconds)
    {
        var ceiling = Math.Min(2000, 100 * Math.Pow(2, Math.Min(attempt, 16)));
        var delay = ceiling / 2 + Random.Shared.NextDouble() * ceiling / 2;
        if (retryAfterSeconds is > 0)
        {
            delay = Math.Max(delay, retryAfterSeconds.Value * 1000 + Random.Shared.NextDouble() * 250);
        }

        return TimeSpan.FromMilliseconds(delay);
    }

    private static int Descriptors(int pid)
    {
        try
        {
            return Directory.GetFiles($"/proc/{pid}/fd").Length;
        }
        catch (IOException)
        {
            return 0;
        }
        catch (UnauthorizedAccessException)
        {
            return 0;
        }
    }

    private sealed class Counts
    {
        private int _unavailable;
        private int _tooMany;
        private int _closed;
        private int _other;

        public int Unavailable => _unavailable;
        public int TooMany => _tooMany;
        public int Closed => _closed;
        public int Other => _other;
        public string? FirstClosed { get; private set; }
        public string? FirstOther { get; private set; }

        public void Answered(HttpStatusCode status)
        {
            if (status == HttpStatusCode.ServiceUnavailable)
            {
                Interlocked.Increment(ref _unavailable);
            }
            else if (status == HttpStatusCode.TooManyRequests)
            {
                Interlocked.Increment(ref _tooMany);
            }
            else
            {
                Failed(new InvalidOperationException($"negotiate answered {(int)status}"));
            }
        }

        public void ClosedUnanswered(Exception error)
        {
            if (Interlocked.Increment(ref _closed) == 1)
            {
                FirstClosed = $"{error.GetType().Name}: {error.Message}";
            }
        }

        public void Failed(Exception error)
        {
            if (Interlocked.Increment(ref _other) == 1)
            {
                FirstOther = $"{error.GetType().Name}: {error.Message}";
            }
        }
    }

    [GeneratedRegex(@"at most (\d+) HTTP connections and (\d+) hub connections")]
    private static partial Regex BudgetLine();
}
