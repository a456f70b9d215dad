using System.Net;
using ServerlessChat.Core.Realtime;
using ServerlessChat.Tests.Infrastructure;

namespace ServerlessChat.Tests.Realtime;

/// <summary>Two standalone instances on one database and one private redis-server, as a scaled-out deployment.</summary>
public sealed class TwoInstancesFixture : IAsyncLifetime
{
    public RedisServer Redis { get; private set; } = null!;

    public StandaloneHost A { get; private set; } = null!;

    public StandaloneHost B { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        if (!RedisServer.Required)
        {
            // The tests are skipped (RedisFact); nothing to start.
            return;
        }

        Redis = await RedisServer.StartAsync();
        var settings = new Dictionary<string, string?>
        {
            ["Redis__ConnectionString"] = Redis.ConnectionString,
            // Short, so that the test of a dying instance sees its users expire in seconds.
            ["Presence__TimeoutSeconds"] = "10",
            ["Presence__SweepSeconds"] = "1",
        };
        A = await StandaloneHost.StartAsync(settings);
        B = await StandaloneHost.StartAsync(settings, A.DataDirectory);
    }

    public async Task DisposeAsync()
    {
        if (B is not null)
        {
            await B.DisposeAsync();
        }

        if (A is not null)
        {
            await A.DisposeAsync();
        }

        if (Redis is not null)
        {
            await Redis.DisposeAsync();
        }
    }
}

public sealed class MultiInstanceTests(TwoInstancesFixture fixture) : IClassFixture<TwoInstancesFixture>
{
    [RedisFact]
    public async Task AClientOnOneInstanceReceivesWhatWasSentThroughTheOther()
    {
        var (alice, bob, joiner) = (await Register(fixture.B), await Register(fixture.B), await Register(fixture.A));
        var groupId = (string)(await alice.CreateGroupAsync("across", bob.UserId))["id"]!;
        await using var bobOnA = await Connect(fixture.A, bob);
        await using var joinerOnA = await Connect(fixture.A, joiner);

        var direct = (string)(await alice.SendMessageAsync(new { receiverId = bob.UserId, content = "via B" }))["id"]!;
        await bobOnA.WaitForAsync(ChatHub.NewMessage, m => m.Str("id") == direct);
        var group = (string)(await alice.SendMessageAsync(new { groupId, content = "group via B" }))["id"]!;
        await bobOnA.WaitForAsync(ChatHub.NewMessage, m => m.Str("id") == group);

        // A membership change made through B reaches a connection open on A at once.
        await ChatApiClient.ReadAsync(await alice.PutAsync($"api/groups/{groupId}/members", new { add = new[] { joiner.UserId } }), HttpStatusCode.OK);
        await joinerOnA.WaitForAsync(ChatHub.GroupUpdated, g => g.Str("id") == groupId);
        var welcome = (string)(await alice.SendMessageAsync(new { groupId, content = "welcome" }))["id"]!;
        await joinerOnA.WaitForAsync(ChatHub.NewMessage, m => m.Str("id") == welcome);

        await ChatApiClient.ReadAsync(await alice.PutAsync($"api/groups/{groupId}/members", new { remove = new[] { joiner.UserId } }), HttpStatusCode.OK);
        var after = (string)(await alice.SendMessageAsync(new { groupId, content = "after removal" }))["id"]!;
        await bobOnA.WaitForAsync(ChatHub.NewMessage, m => m.Str("id") == after);
        await joinerOnA.SentinelAsync(fixture.B.Client);
        Assert.Empty(joinerOnA.Received(ChatHub.NewMessage, m => m.Str("id") == after));
    }

    [RedisFact]
    public async Task PresenceCountsConnectionsOnBothInstances()
    {
        var (alice, bob) = (await Register(fixture.A), await Register(fixture.A));
        // Alice took part in their conversation, so Bob may see her presence.
        await alice.SendMessageAsync(new { receiverId = bob.UserId, content = "hi" });
        await using var bobOnB = await Connect(fixture.B, bob);

        var onA = await Connect(fixture.A, alice);
        Assert.True((await bobOnB.WaitForAsync(ChatHub.Presence, p => p.Str("userId") == alice.UserId)).Bool("online"));
        var onB = await Connect(fixture.B, alice);
        await onA.DisposeAsync();
        await onB.DisposeAsync();
        await bobOnB.WaitForAsync(ChatHub.Presence, p => p.Str("userId") == alice.UserId && !p.Bool("online"));

        await bobOnB.SentinelAsync(fixture.A.Client);
        Assert.Equal([true, false], bobOnB.Received(ChatHub.Presence, p => p.Str("userId") == alice.UserId).Select(p => p.Bool("online")));
    }

    private static Task<ChatApiClient> Register(StandaloneHost host) => ChatApiClient.RegisterAsync(host.Client, "mi");

    private static Task<RealtimeClient> Connect(StandaloneHost host, ChatApiClient user) =>
        RealtimeClient.ConnectAsync(host.BaseAddress, user.UserId, user.AccessToken);
}

/// <summary>An instance that dies without closing its connections: another instance turns its users offline after the timeout.</summary>
public sealed class InstanceFailureTests
{
    [RedisFact]
    public async Task UsersOfADeadInstanceTurnOfflineAfterThePresenceTimeout()
    {
        await using var redis = await RedisServer.StartAsync();
        var settings = new Dictionary<string, string?>
        {
            ["Redis__ConnectionString"] = redis.ConnectionString,
            ["Presence__TimeoutSeconds"] = "10",
            ["Presence__SweepSeconds"] = "1",
        };
        await using var a = await StandaloneHost.StartAsync(settings);
        await using var b = await StandaloneHost.StartAsync(settings, a.DataDirectory);
        var (alice, bob) = (await ChatApiClient.RegisterAsync(b.Client, "df"), await ChatApiClient.RegisterAsync(b.Client, "df"));
        await alice.SendMessageAsync(new { receiverId = bob.UserId, content = "hi" });
        await using var bobOnB = await RealtimeClient.ConnectAsync(b.BaseAddress, bob.UserId, bob.AccessToken);
        await using var aliceOnA = await RealtimeClient.ConnectAsync(a.BaseAddress, alice.UserId, alice.AccessToken);
        await bobOnB.WaitForAsync(ChatHub.Presence, p => p.Str("userId") == alice.UserId && p.Bool("online"));

        await a.KillAsync();
        var offline = await bobOnB.WaitForAsync(ChatHub.Presence, p => p.Str("userId") == alice.UserId && !p.Bool("online"));
        Assert.NotNull(offline.Str("lastSeenAt"));

        // Bob connected before Alice and is still online: the living instance vouched for him all along, in the
        // same sweeps that found Alice stale.
        var bobNow = (await ChatApiClient.ReadAsync(await bob.GetAsync($"api/presence?userIds={bob.UserId}"), HttpStatusCode.OK))["items"]![0]!;
        Assert.True((bool)bobNow["online"]!);
        Assert.True(DateTimeOffset.Parse((string)bobNow["lastSeenAt"]!, System.Globalization.CultureInfo.InvariantCulture)
            > DateTimeOffset.Parse(offline.Str("lastSeenAt")!, System.Globalization.CultureInfo.InvariantCulture).AddSeconds(5));
    }
}
