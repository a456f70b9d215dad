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

    /// <summary>Opens one hub connection per user, a bounded number at a time, each recording its newMessage events.</summary>
    public static async Task<HubConnection[]> ConnectAsync(IReadOnlyList<LoadUser> users, Func<LoadUser, HubConnection> build, Func<HubConnection, Task> ready)
    {
        var connections = new HubConnection[users.Count];
        await Parallel.ForEachAsync(users, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (user, ct) =>
        {
            var connection = build(user);
            var receiver = user.Index;
            connection.On<MessageEvent>(NewMessage, message => LoadRun.Arrive(message.Content, receiver));
            await connection.StartAsync(ct).WaitAsync(TimeSpan.FromSeconds(30), ct);
            await ready(connection).WaitAsync(TimeSpan.FromSeconds(30), ct);
            connections[user.Index] = connection;
        });
        return connections;
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

    public static async Task<AppTarget> StartAsync(Uri baseAddress, int processId, IReadOnlyList<LoadUser> users, int groupSize, int maxInFlight)
    {
        var target = new AppTarget(baseAddress, processId, users, maxInFlight);
        target._connections = await LoadClients.ConnectAsync(
            users,
            user => new HubConnectionBuilder().WithUrl(new Uri(baseAddress, "api"), options =>
            {
                options.AccessTokenProvider = () => Task.FromResult<string?>(user.AccessToken);
                options.Transports = HttpTransportType.WebSockets;
            }).Build(),
            // Answered only after the hub's OnConnectedAsync: the connection is registered for group changes.
            connection => connection.InvokeAsync("Heartbeat"));

        // Created while everyone is connected: the members' open connections join at once, as API.md promises.
        var groups = new List<LoadGroup>();
        foreach (var members in LoadClients.GroupMembers(users.Count, groupSize))
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
        return response.StatusCode == HttpStatusCode.Created;
    }
}

/// <summary>The same users and groups on the bare relay: a message is a hub invocation on the sender's connection.</summary>
internal sealed class RelayTarget : IChatTarget
{
    private readonly System.Diagnostics.Process _process;
    private readonly IReadOnlyList<LoadUser> _users;
    private HubConnection[] _connections = [];

    private RelayTarget(System.Diagnostics.Process process, IReadOnlyList<LoadUser> users)
    {
        _process = process;
        _users = users;
    }

    public string Name => "relay";

    public int ProcessId => _process.Id;

    public IReadOnlyList<LoadGroup> Groups { get; private set; } = [];

    public static async Task<RelayTarget> StartAsync(IReadOnlyList<LoadUser> users, int groupSize)
    {
        var (process, address) = await RelayServer.StartAsync();
        var target = new RelayTarget(process, users);
        target._connections = await LoadClients.ConnectAsync(users, user => RelayServer.Connection(address, user.Id), _ => Task.CompletedTask);
        var groups = LoadClients.GroupMembers(users.Count, groupSize).Select((members, g) => new LoadGroup($"group-{g}", members)).ToList();
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
        await _connections[sender].InvokeAsync(nameof(RelayHub.SendToGroup), group.Id, content);
        return true;
    }

    public async ValueTask DisposeAsync()
    {
        await LoadClients.DisposeAllAsync(_connections.Where(c => c is not null));
        _process.StandardInput.Close();
        if (!_process.WaitForExit(TimeSpan.FromSeconds(10)))
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
    }
}
