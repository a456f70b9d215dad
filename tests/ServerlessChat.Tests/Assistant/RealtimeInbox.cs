using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;
using ServerlessChat.Tests.Infrastructure;

namespace ServerlessChat.Tests.Assistant;

/// <summary>A user's SignalR connection, keeping every newMessage and typing event for the test to await.</summary>
public sealed class RealtimeInbox : IAsyncDisposable
{
    private readonly HubConnection _connection;
    private readonly ConcurrentQueue<(string Event, JsonElement Payload)> _events = new();
    private readonly SemaphoreSlim _arrived = new(0);

    private RealtimeInbox(HubConnection connection) => _connection = connection;

    public static async Task<RealtimeInbox> ConnectAsync(StandaloneHost host, ChatApiClient user)
    {
        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(host.BaseAddress, "api"), options => options.AccessTokenProvider = () => Task.FromResult<string?>(user.AccessToken))
            .Build();
        var inbox = new RealtimeInbox(connection);
        connection.On<JsonElement>("newMessage", payload => inbox.Add("newMessage", payload));
        connection.On<JsonElement>("typing", payload => inbox.Add("typing", payload));
        await connection.StartAsync();
        return inbox;
    }

    public IReadOnlyList<(string Event, JsonElement Payload)> Events => [.. _events];

    /// <summary>The first event matching <paramref name="match"/>, whether it came before or comes within the timeout.</summary>
    public async Task<JsonElement> WaitForAsync(string eventName, Func<JsonElement, bool> match, TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        while (true)
        {
            foreach (var (name, payload) in _events)
            {
                if (name == eventName && match(payload))
                {
                    return payload;
                }
            }

            try
            {
                await _arrived.WaitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"No matching {eventName} within {timeout}; got: {string.Join(", ", _events.Select(e => e.Event + " " + e.Payload))}");
            }
        }
    }

    public async ValueTask DisposeAsync() => await _connection.DisposeAsync();

    private void Add(string eventName, JsonElement payload)
    {
        _events.Enqueue((eventName, payload.Clone()));
        _arrived.Release();
    }
}
