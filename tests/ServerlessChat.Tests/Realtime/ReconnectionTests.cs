using Microsoft.AspNetCore.SignalR.Client;
using ServerlessChat.Core.Realtime;
using ServerlessChat.Tests.Infrastructure;

namespace ServerlessChat.Tests.Realtime;

/// <summary>Clients behind a cuttable relay: dropped connections and a restarted host are followed by automatic reconnects.</summary>
public sealed class ReconnectionTests
{
    // Retry quickly and for long enough to outlast a host restart.
    private static readonly TimeSpan[] RetryDelays = [.. Enumerable.Repeat(TimeSpan.FromMilliseconds(250), 120)];

    [Fact]
    public async Task AClientReconnectsAfterItsConnectionDropsAndAfterTheHostRestarts()
    {
        var host = await StandaloneHost.StartAsync();
        await using var proxy = new TcpProxy(host.BaseAddress);
        StandaloneHost? restarted = null;
        try
        {
            using var http = new HttpClient { BaseAddress = proxy.BaseAddress };
            var (alice, bob) = (await ChatApiClient.RegisterAsync(http, "rc"), await ChatApiClient.RegisterAsync(http, "rc"));
            var groupId = (string)(await alice.CreateGroupAsync("survivors", bob.UserId))["id"]!;
            await using var bobConnection = await RealtimeClient.ConnectAsync(proxy.BaseAddress, bob.UserId, bob.AccessToken, new ReconnectDelays(RetryDelays));

            await ExpectMessageAsync(alice, bob, bobConnection, groupId);

            // A network failure: the client reconnects (negotiating again through /api) and is in its groups again.
            var reconnected = Reconnected(bobConnection);
            proxy.DropAll();
            await reconnected.WaitAsync(RealtimeClient.Timeout);
            await bobConnection.ReadyAsync();
            await ExpectMessageAsync(alice, bob, bobConnection, groupId);

            // The host dies without warning and comes back on the same data at another port behind the same address.
            reconnected = Reconnected(bobConnection);
            await host.KillAsync();
            restarted = await host.StartAgainAsync();
            proxy.Target = restarted.BaseAddress;
            proxy.DropAll();
            await reconnected.WaitAsync(TimeSpan.FromSeconds(30));
            await bobConnection.ReadyAsync();
            await ExpectMessageAsync(alice, bob, bobConnection, groupId);
        }
        finally
        {
            if (restarted is not null)
            {
                await restarted.DisposeAsync();
            }

            await host.DisposeAsync();
        }
    }

    private static Task Reconnected(RealtimeClient client)
    {
        var reconnected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        client.Connection.Reconnected += _ =>
        {
            reconnected.TrySetResult();
            return Task.CompletedTask;
        };
        return reconnected.Task;
    }

    private static async Task ExpectMessageAsync(ChatApiClient alice, ChatApiClient bob, RealtimeClient bobConnection, string groupId)
    {
        var direct = (string)(await alice.SendMessageAsync(new { receiverId = bob.UserId, content = "direct" }))["id"]!;
        await bobConnection.WaitForAsync(ChatHub.NewMessage, m => m.Str("id") == direct);
        var group = (string)(await alice.SendMessageAsync(new { groupId, content = "group" }))["id"]!;
        await bobConnection.WaitForAsync(ChatHub.NewMessage, m => m.Str("id") == group);
    }

    private sealed class ReconnectDelays(TimeSpan[] delays) : IRetryPolicy
    {
        public TimeSpan? NextRetryDelay(RetryContext retryContext) =>
            retryContext.PreviousRetryCount < delays.Length ? delays[retryContext.PreviousRetryCount] : null;
    }
}
