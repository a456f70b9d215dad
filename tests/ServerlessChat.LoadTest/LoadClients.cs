using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;

namespace ServerlessChat.LoadTest;

internal sealed record LoadUser(int Index, string Id, string Username, string AccessToken);

/// <summary>A chat group of the load: its id on the target and its members (indexes into the users).</summary>
internal sealed record LoadGroup(string Id, int[] Members);

/// <summary>The newMessage payload; only the content matters here (the app's Message has more fields).</summary>
internal sealed record MessageEvent(string Content);

/// <summary>What connecting everyone took: a connection per user (null where it never connected).</summary>
internal sealed record ConnectOutcome(HubConnection?[] Connections, int Refused, int Failed, double Seconds);

/// <summary>Where the load goes: the standalone host through its HTTP API, or the bare relay hub.</summary>
internal interface IChatTarget : IAsyncDisposable
{
    string Name { get; }

    int ProcessId { get; }

    IReadOnlyList<LoadGroup> Groups { get; }

    Task<bool> SendDirectAsync(int sender, int receiver, string content);

    Task<bool> SendGroupAsync(int sender, LoadGroup group, string content);
}

internal static class LoadClients
{
    public const string NewMessage = "newMessage";

    /// <summary>
    /// Opens one hub connection per user, <paramref name="concurrency"/> at a time, each handing its newMessage
    /// events to <paramref name="arrive"/> (receiver index, content). Each connection negotiates on its own
    /// sockets, as a browser does. A connect refused with 503 is retried after 5 s (the host's Retry-After), as
    /// the official clients do; other failures after 1 s; 20 attempts a user. A user that never connected is null.
    /// </summary>
    public static async Task<ConnectOutcome> ConnectAsync(
        IReadOnlyList<LoadUser> users, int concurrency, Func<LoadUser, HubConnection> build, Func<HubConnection, Task> ready, Action<int, string> arrive)
    {
        var connections = new HubConnection?[users.Count];
        var refused = 0;
        var failed = 0;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await Parallel.ForEachAsync(users, new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (user, ct) =>
        {
            for (var attempt = 0; attempt < 20; attempt++)
            {
                var connection = build(user);
                var receiver = user.Index;
                connection.On<MessageEvent>(NewMessage, message => arrive(receiver, message.Content));
                try
                {
                    await connection.StartAsync(ct).WaitAsync(TimeSpan.FromSeconds(60), ct);
                    await ready(connection).WaitAsync(TimeSpan.FromSeconds(60), ct);
                    connections[user.Index] = connection;
                    return;
                }
                catch (HttpRequestException error) when (error.StatusCode == HttpStatusCode.ServiceUnavailable)
                {
                    Interlocked.Increment(ref refused);
                    await connection.DisposeAsync();
                    await Task.Delay(TimeSpan.FromSeconds(5), ct);
                }
                // AggregateException: the SignalR client's "no transport worked", e.g. a WebSocket request the host
                // closed at accept because it was at its HTTP connection cap.
                catch (Exception error) when (error is HttpRequestException or TimeoutException or IOException or System.Net.WebSockets.WebSocketException or AggregateException)
                {
                    if (Interlocked.Increment(ref failed) <= 5)
                    {
                        Console.WriteLine($"   connect of user {user.Index} failed: {error.GetType().Name}: {error.Message}");
                    }

                    await connection.DisposeAsync();
                    await Task.Delay(TimeSpan.FromSeconds(1), ct);
                }
            }
        });
        return new ConnectOutcome(connections, refused, failed, clock.Elapsed.TotalSeconds);
    }

    /// <summary><see cref="ConnectAsync"/> for a load run: every user must connect, arrivals go to <see cref="LoadRun.Arrive"/>.</summary>
    public static async Task<HubConnection[]> ConnectAllAsync(IReadOnlyList<LoadUser> users, int concurrency, Func<LoadUser, HubConnection> build, Func<HubConnection, Task> ready)
    {
        var outcome = await ConnectAsync(users, concurrency, build, ready, (receiver, content) => LoadRun.Arrive(content, receiver));
        var missing = outcome.Connections.Count(c => c is null);
        if (missing > 0)
        {
            await DisposeAllAsync(outcome.Connections.OfType<HubConnection>());
            throw new InvalidOperationException($"{missing} of {users.Count} users could not connect ({outcome.Refused} refused with 503, {outcome.Failed} other failures).");
        }

        Console.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"   {users.Count:N0} connected in {outcome.Seconds:N1} s ({outcome.Refused} refused with 503 and retried, {outcome.Failed} other failures)"));
        return outcome.Connections!;
    }

    /// <summary>
    /// Each client holds a WebSocket and, until the server's keep-alive timeout closes it, an idle HTTP socket. The
    /// runtime raised this process's soft limit to its hard limit at start; raising the hard limit needs
    /// CAP_SYS_RESOURCE, so this only tries when short, and never lowers it (a process started later inherits it).
    /// </summary>
    public static void RaiseOwnOpenFilesLimit(int needed)
    {
        var current = File.ReadLines("/proc/self/limits").First(l => l.StartsWith("Max open files", StringComparison.Ordinal))
            ["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
        if (current == "unlimited" || long.Parse(current, System.Globalization.CultureInfo.InvariantCulture) >= needed)
        {
            return;
        }

        using var prlimit = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("prlimit", [$"--pid={Environment.ProcessId}", $"--nofile={needed}:{needed}"]) { RedirectStandardError = true });
        prlimit!.WaitForExit();
        if (prlimit.ExitCode != 0)
        {
            Console.WriteLine($"open-files limit {current}, could not raise it to {needed} ({prlimit.StandardError.ReadToEnd().Trim()}); clients may run short of descriptors");
        }
    }

    public static async Task DisposeAllAsync(IEnumerable<HubConnection> connections)
    {
        await Parallel.ForEachAsync(connections, new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (c, _) => await c.DisposeAsync());
    }

    /// <summary>Groups of <paramref name="size"/> consecutive users; users left over join none.</summary>
    public static int[][] GroupMembers(int users, int size) =>
        Enumerable.Range(0, users / size).Select(g => Enumerable.Range(g * size, size).ToArray()).ToArray();
}

/// <summary>
/// The standalone host as its clients use it: each user's hub connection made through <c>/api</c> negotiate's
/// redirect, and messages sent with <c>POST /api/messages</c>.
/// </summary>
internal sealed class AppTarget : IChatTarget
{
    private readonly HttpClient _http;
    private readonly IReadOnlyList<LoadUser> _users;
    private HubConnection[] _connections = [];
    private string? _sampleMessage;

    private AppTarget(Uri baseAddress, int processId, IReadOnlyList<LoadUser> users, int maxInFlight)
    {
        ProcessId = processId;
        _users = users;
        _http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = maxInFlight, UseCookies = false })
        {
            BaseAddress = baseAddress,
            Timeout = TimeSpan.FromSeconds(30),
        };
    }

    public string Name => "app";

    public int ProcessId { get; }

    public IReadOnlyList<LoadGroup> Groups { get; private set; } = [];

    /// <summary>
    /// The body of the first message the host created: the same message its newMessage event carries to every
    /// member (the answer and the event are one DTO), so a floor can relay events of the same size.
    /// </summary>
    public string? SampleMessage => Volatile.Read(ref _sampleMessage);

    public static async Task<AppTarget> StartAsync(
        Uri baseAddress, int processId, IReadOnlyList<LoadUser> users, IReadOnlyList<int[]> groupMembers, int maxInFlight, int connectConcurrency = 16)
    {
        var target = new AppTarget(baseAddress, processId, users, maxInFlight);
        target._connections = await LoadClients.ConnectAllAsync(
            users,
            connectConcurrency,
            user => new HubConnectionBuilder().WithUrl(new Uri(baseAddress, "api"), options =>
            {
                options.AccessTokenProvider = () => Task.FromResult<string?>(user.AccessToken);
                options.Transports = HttpTransportType.WebSockets;
            }).Build(),
            // Answered only after the hub's OnConnectedAsync: the connection is registered for group changes.
            connection => connection.InvokeAsync("Heartbeat"));

        // Created while everyone is connected: the members' open connections join at once, as API.md promises.
        var groups = new List<LoadGroup>();
        foreach (var members in groupMembers)
        {
            var creator = users[members[0]];
            using var request = new HttpRequestMessage(HttpMethod.Post, "api/groups")
            {
                Content = JsonContent.Create(new { name = $"load {groups.Count}", memberIds = members.Skip(1).Select(m => users[m].Id).ToArray() }),
            };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", creator.AccessToken);
            using var response = await target._http.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();
            if (response.StatusCode != HttpStatusCode.Created)
            {
                throw new InvalidOperationException($"Creating a group answered {(int)response.StatusCode}: {body}");
            }

            groups.Add(new LoadGroup((string)JsonNode.Parse(body)!["id"]!, members));
        }

        target.Groups = groups;
        return target;
    }

    public Task<bool> SendDirectAsync(int sender, int receiver, string content) =>
        PostAsync(sender, $$"""{"receiverId":"{{_users[receiver].Id}}","content":"{{content}}"}""");

    public Task<bool> SendGroupAsync(int sender, LoadGroup group, string content) =>
        PostAsync(sender, $$"""{"groupId":"{{group.Id}}","content":"{{content}}"}""");

    public async ValueTask DisposeAsync()
    {
        await LoadClients.DisposeAllAsync(_connections.Where(c => c is not null));
        _http.Dispose();
    }

    // Ids and contents are plain ASCII without quotes or backslashes, so the body is written directly.
    private async Task<bool> PostAsync(int sender, string json)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/messages")
        {
            Content = new StringContent(json, Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _users[sender].AccessToken);
        using var response = await _http.SendAsync(request);
        if (response.StatusCode != HttpStatusCode.Created)
        {
            return false;
        }

        if (Volatile.Read(ref _sampleMessage) is null)
        {
            Interlocked.CompareExchange(ref _sampleMessage, await response.Content.ReadAsStringAsync(), null);
        }

        return true;
    }
}

/// <summary>
/// The same users and groups on the bare relay. A message is a hub invocation on the sender's connection
/// ("relay"), or with <c>httpIn</c> a group message is an HTTP POST like the app's ("relay-http"). Given the
/// app's own message as a template, relay-http posts and relays events of that shape and size with only the
/// content changed, so its members receive and parse the same bytes as the app's; without one, just the content.
/// </summary>
internal sealed class RelayTarget : IChatTarget
{
    private readonly System.Diagnostics.Process _process;
    private readonly IReadOnlyList<LoadUser> _users;
    private readonly HttpClient? _http;
    private readonly (string Before, string After) _event;
    private HubConnection[] _connections = [];

    private RelayTarget(System.Diagnostics.Process process, IReadOnlyList<LoadUser> users, Uri address, bool httpIn, int maxInFlight, string? template)
    {
        _process = process;
        _users = users;
        _event = Template(template);
        _http = httpIn
            ? new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = maxInFlight, UseCookies = false }) { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) }
            : null;
    }

    public string Name => _http is null ? "relay" : "relay-http";

    public int ProcessId => _process.Id;

    public IReadOnlyList<LoadGroup> Groups { get; private set; } = [];

    public static async Task<RelayTarget> StartAsync(
        IReadOnlyList<LoadUser> users, IReadOnlyList<int[]> groupMembers, bool httpIn = false, int maxInFlight = 400, int connectConcurrency = 16,
        string? template = null)
    {
        var (process, address) = await RelayServer.StartAsync();
        var target = new RelayTarget(process, users, address, httpIn, maxInFlight, template);
        target._connections = await LoadClients.ConnectAllAsync(users, connectConcurrency, user => RelayServer.Connection(address, user.Id), _ => Task.CompletedTask);
        var groups = groupMembers.Select((members, g) => new LoadGroup($"group-{g}", members)).ToList();
        foreach (var group in groups)
        {
            await Task.WhenAll(group.Members.Select(m => target._connections[m].InvokeAsync(nameof(RelayHub.JoinGroup), group.Id)));
        }

        target.Groups = groups;
        return target;
    }

    public async Task<bool> SendDirectAsync(int sender, int receiver, string content)
    {
        await _connections[sender].InvokeAsync(nameof(RelayHub.SendToUser), _users[receiver].Id, content);
        return true;
    }

    public async Task<bool> SendGroupAsync(int sender, LoadGroup group, string content)
    {
        if (_http is not null)
        {
            // Contents are plain ASCII without quotes or backslashes, as the app target's bodies.
            using var body = new StringContent($"{_event.Before}\"{content}\"{_event.After}", Encoding.UTF8, "application/json");
            using var response = await _http.PostAsync(RelayServer.GroupPostPath.Replace("{group}", group.Id, StringComparison.Ordinal), body);
            return response.StatusCode == HttpStatusCode.Created;
        }

        await _connections[sender].InvokeAsync(nameof(RelayHub.SendToGroup), group.Id, content);
        return true;
    }

    /// <summary>The JSON of <paramref name="template"/> (or of just a content) split where the content's string goes.</summary>
    private static (string Before, string After) Template(string? template)
    {
        const string Marker = "relay-content-goes-here";
        var message = template is null ? new JsonObject() : JsonNode.Parse(template)!.AsObject();
        message["content"] = Marker;
        var parts = message.ToJsonString().Split($"\"{Marker}\"");
        return (parts[0], parts[1]);
    }

    public async ValueTask DisposeAsync()
    {
        await LoadClients.DisposeAllAsync(_connections.Where(c => c is not null));
        _http?.Dispose();
        _process.StandardInput.Close();
        if (!_process.WaitForExit(TimeSpan.FromSeconds(10)))
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
    }
}
