using System.Text.Json;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using ServerlessChat.Core.Realtime;
using ServerlessChat.Tests.Infrastructure;
using ServerlessChat.Tests.Realtime;

namespace ServerlessChat.Tests.Sync;

/// <summary>
/// The window between a client's start() and the backplane joining its connection to its user: with two
/// instances and Redis, a message sent the moment <c>ready</c> arrives must always be delivered.
/// </summary>
public sealed class ReadyTests
{
    [RedisFact]
    public async Task AMessageSentRightAfterReadyAlwaysArrivesAcrossTwoInstances()
    {
        await using var redis = await RedisServer.StartAsync();
        var settings = new Dictionary<string, string?> { ["Redis__ConnectionString"] = redis.ConnectionString };
        await using var a = await StandaloneHost.StartAsync(settings);
        await using var b = await StandaloneHost.StartAsync(settings, a.DataDirectory);
        var sender = await ChatApiClient.RegisterAsync(b.Client, "ready");
        var receiver = await ChatApiClient.RegisterAsync(a.Client, "ready");
        var groupId = (string)(await sender.CreateGroupAsync("ready", receiver.UserId))["id"]!;

        for (var i = 0; i < 20; i++)
        {
            var ready = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
            var arrived = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
            var groupArrived = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
            await using var connection = new HubConnectionBuilder()
                .WithUrl(new Uri(a.BaseAddress, "api"), options =>
                {
                    options.AccessTokenProvider = () => Task.FromResult<string?>(receiver.AccessToken);
                    options.Transports = HttpTransportType.WebSockets;
                })
                .Build();
            connection.On<JsonElement>(ChatHub.Ready, payload => ready.TrySetResult(payload));
            connection.On<JsonElement>(ChatHub.NewMessage, payload => (payload.Str("groupId") is null ? arrived : groupArrived).TrySetResult(payload));

            await connection.StartAsync().WaitAsync(RealtimeClient.Timeout);
            var cursor = (await ready.Task.WaitAsync(RealtimeClient.Timeout)).Str("cursor");
            var direct = (string)(await sender.SendMessageAsync(new { receiverId = receiver.UserId, content = $"right after ready {i}" }))["id"]!;
            var group = (string)(await sender.SendMessageAsync(new { groupId, content = $"group right after ready {i}" }))["id"]!;

            Assert.False(string.IsNullOrEmpty(cursor));
            Assert.Equal(direct, (await arrived.Task.WaitAsync(RealtimeClient.Timeout)).Str("id"));
            Assert.Equal(group, (await groupArrived.Task.WaitAsync(RealtimeClient.Timeout)).Str("id"));
        }
    }
}
