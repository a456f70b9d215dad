using ServerlessChat.Tests.Infrastructure;
using ServerlessChat.Tests.Realtime;

namespace ServerlessChat.Tests.Sync;

/// <summary>
/// Clients on the .NET SDK (clients/dotnet) whose connections are cut at random (every request and WebSocket of
/// theirs goes through a proxy that drops them) while the others send, edit, delete and read: each view, built
/// only from the SDK's events, ends with exactly what a fresh read of the API shows, every change delivered once.
/// </summary>
public sealed class SyncUnderFaultsTests
{
    private const int Users = 4;
    private const int Operations = 90;

    [Fact]
    public async Task ClientsWhoseConnectionsDropAtRandomEndWithTheViewOfAFreshRead()
    {
        await using var host = await StandaloneHost.StartAsync();
        await using var proxy = new TcpProxy(host.BaseAddress);
        var (scenario, clients) = await StartAsync(1001, () => host.Client, _ => proxy);
        try
        {
            await scenario.RunAsync(Operations, (random, i) => Drop(random, i, proxy));
            await AssertConvergedAsync(scenario, clients, host.Client);
        }
        finally
        {
            await DisposeAllAsync(clients);
        }
    }

    [Fact]
    public async Task ClientsCatchUpAcrossAHostRestart()
    {
        var host = await StandaloneHost.StartAsync();
        await using var proxy = new TcpProxy(host.BaseAddress);
        var current = host;
        var (scenario, clients) = await StartAsync(2002, () => current.Client, _ => proxy);
        try
        {
            await scenario.RunAsync(Operations, async (random, i) =>
            {
                if (i == Operations / 2)
                {
                    await current.StopAsync();
                    current = await current.StartAgainAsync();
                    proxy.Target = current.BaseAddress;
                }

                await Drop(random, i, proxy);
            });
            await AssertConvergedAsync(scenario, clients, current.Client);
        }
        finally
        {
            await DisposeAllAsync(clients);
            await current.DisposeAsync();
            if (!ReferenceEquals(current, host))
            {
                await host.DisposeAsync();
            }
        }
    }

    [RedisFact]
    public async Task ClientsOnTwoInstancesWithRedisConvergeWhileTheirConnectionsDrop()
    {
        await using var redis = await RedisServer.StartAsync();
        var settings = new Dictionary<string, string?> { ["Redis__ConnectionString"] = redis.ConnectionString };
        await using var a = await StandaloneHost.StartAsync(settings);
        await using var b = await StandaloneHost.StartAsync(settings, a.DataDirectory);
        await using var proxyA = new TcpProxy(a.BaseAddress);
        await using var proxyB = new TcpProxy(b.BaseAddress);
        var (scenario, clients) = await StartAsync(3003, () => b.Client, i => i % 2 == 0 ? proxyA : proxyB);
        try
        {
            await scenario.RunAsync(Operations, async (random, i) =>
            {
                await Drop(random, i, proxyA);
                await Drop(random, i, proxyB);
            });
            await AssertConvergedAsync(scenario, clients, a.Client);
        }
        finally
        {
            await DisposeAllAsync(clients);
        }
    }

    private static async Task<(FaultScenario, List<ChatView>)> StartAsync(int seed, Func<HttpClient> http, Func<int, TcpProxy> proxyFor)
    {
        var users = new List<ChatApiClient>();
        for (var i = 0; i < Users; i++)
        {
            users.Add(await ChatApiClient.RegisterAsync(http(), "fault"));
        }

        var clients = new List<ChatView>();
        for (var i = 0; i < Users; i++)
        {
            clients.Add(await ChatView.ConnectAsync(proxyFor(i).BaseAddress, users[i]));
        }

        var scenario = new FaultScenario(seed, users, http);
        await scenario.CreateGroupAsync();
        return (scenario, clients);
    }

    /// <summary>About one operation in eight cuts every connection of the proxy; the last fifth runs without faults.</summary>
    private static Task Drop(Random random, int operation, TcpProxy proxy)
    {
        if (operation < Operations * 4 / 5 && random.Next(8) == 0)
        {
            proxy.DropAll();
        }

        return Task.CompletedTask;
    }

    private static async Task AssertConvergedAsync(FaultScenario scenario, List<ChatView> clients, HttpClient http)
    {
        foreach (var client in clients)
        {
            await FaultScenario.SettleAsync(client, http);
        }

        foreach (var client in clients)
        {
            await scenario.AssertConvergedAsync(client);
        }

        // The faults did cut connections: clients synced again after reconnecting, not only at their first ready.
        Assert.True(clients.Sum(c => c.Syncs) > clients.Count);
    }

    private static async Task DisposeAllAsync(List<ChatView> clients)
    {
        foreach (var client in clients)
        {
            await client.DisposeAsync();
        }
    }
}
