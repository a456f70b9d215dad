using System.Text.Json;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using ServerlessChat.Core.Realtime;
using ServerlessChat.Tests.Infrastructure;

namespace ServerlessChat.Tests.Realtime;

/// <summary>
/// One SignalR connection of a test user, made exactly as API.md tells clients to: the "/api" base and an access
/// token factory, which only works if negotiate's redirect is followed. Records every event for later awaiting.
/// </summary>
public sealed class RealtimeClient : IAsyncDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    public static readonly string[] Events =
    [
        ChatHub.NewMessage, ChatHub.MessageUpdated, ChatHub.MessageDeleted, ChatHub.MessagesRead, ChatHub.ReactionsUpdated,
        ChatHub.Typing, ChatHub.Presence, ChatHub.GroupUpdated, ChatHub.CallSignal, ChatHub.Ready, ChatHub.UserUpdated,
    ];

    private readonly List<(string Name, JsonElement Payload)> _received = [];
    private readonly List<(string Name, Func<JsonElement, bool> Match, TaskCompletionSource<JsonElement> Found)> _waiters = [];

    private RealtimeClient(HubConnection connection, string userId)
    {
        Connection = connection;
        UserId = userId;
        foreach (var name in Events)
        {
            connection.On<JsonElement>(name, payload => Record(name, payload));
        }
    }

    public HubConnection Connection { get; }

    public string UserId { get; }

    /// <summary>
    /// <paramref name="serverless"/>: the hub is Azure SignalR Service's (or its local stand-in's) in serverless
    /// mode, which has no methods to invoke, so <see cref="ReadyAsync"/> is left to the caller's own signal.
    /// </summary>
    public static async Task<RealtimeClient> ConnectAsync(Uri baseAddress, string userId, string accessToken, IRetryPolicy? reconnect = null, bool serverless = false)
    {
        var builder = new HubConnectionBuilder().WithUrl(new Uri(baseAddress, "api"), options =>
        {
            options.AccessTokenProvider = () => Task.FromResult<string?>(accessToken);
            options.Transports = HttpTransportType.WebSockets;
        });
        if (reconnect is not null)
        {
            builder.WithAutomaticReconnect(reconnect);
        }

        var client = new RealtimeClient(builder.Build(), userId);
        await client.Connection.StartAsync().WaitAsync(Timeout);
        if (!serverless)
        {
            await client.ReadyAsync();
        }

        return client;
    }

    /// <summary>
    /// The handshake completes before the hub's OnConnectedAsync has put the connection in its groups; a hub
    /// invocation is only dispatched after it, so its answer means the connection is fully set up.
    /// </summary>
    public Task ReadyAsync() => Connection.InvokeAsync("Heartbeat").WaitAsync(Timeout);

    /// <summary>The first event of that name matching, received already or arriving within the timeout.</summary>
    public Task<JsonElement> WaitForAsync(string name, Func<JsonElement, bool>? match = null)
    {
        match ??= _ => true;
        lock (_received)
        {
            foreach (var (received, payload) in _received)
            {
                if (received == name && match(payload))
                {
                    return Task.FromResult(payload);
                }
            }

            var found = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((name, match, found));
            return Wait(found.Task, name);
        }
    }

    public IReadOnlyList<JsonElement> Received(string name, Func<JsonElement, bool>? match = null)
    {
        lock (_received)
        {
            return _received.Where(e => e.Name == name && (match is null || match(e.Payload))).Select(e => e.Payload).ToList();
        }
    }

    /// <summary>The events received so far, but <c>ready</c>, which every connection gets once it is set up.</summary>
    public IReadOnlyList<string> ReceivedNames()
    {
        lock (_received)
        {
            return _received.Select(e => e.Name).Where(n => n != ChatHub.Ready).ToList();
        }
    }

    /// <summary>
    /// Proves that nothing else is on its way to this connection: a message sent after the actions under test
    /// arrives after anything they sent it, so once it is in, the log is complete. No waiting on a clock.
    /// </summary>
    public async Task SentinelAsync(HttpClient http)
    {
        var sender = await ChatApiClient.RegisterAsync(http, "sentinel");
        var id = (string)(await sender.SendMessageAsync(new { receiverId = UserId, content = "sentinel" }))["id"]!;
        await WaitForAsync(ChatHub.NewMessage, m => m.Str("id") == id);
    }

    public async ValueTask DisposeAsync() => await Connection.DisposeAsync();

    private static async Task<JsonElement> Wait(Task<JsonElement> found, string name)
    {
        try
        {
            return await found.WaitAsync(Timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"No matching '{name}' event within {Timeout.TotalSeconds} s.");
        }
    }

    private void Record(string name, JsonElement payload)
    {
        lock (_received)
        {
            _received.Add((name, payload));
            foreach (var waiter in _waiters.Where(w => w.Name == name && w.Match(payload)).ToList())
            {
                _waiters.Remove(waiter);
                waiter.Found.TrySetResult(payload);
            }
        }
    }
}

public static class JsonPayload
{
    public static string? Str(this JsonElement element, string property) =>
        element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    public static bool Bool(this JsonElement element, string property) => element.GetProperty(property).GetBoolean();
}
