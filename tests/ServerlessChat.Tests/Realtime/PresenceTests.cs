using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using ServerlessChat.Core.Realtime;
using ServerlessChat.Tests.Infrastructure;

namespace ServerlessChat.Tests.Realtime;

[Collection(RealtimeHostCollection.Name)]
public sealed class PresenceTests(RealtimeHostFixture fixture)
{
    private StandaloneHost Host => fixture.Host;

    [Fact]
    public async Task PresenceCountsDevicesAndIsPushedToContactsOnFirstConnectAndLastDisconnect()
    {
        var (alice, bob, stranger) = (await RegisterAsync(), await RegisterAsync(), await RegisterAsync());
        await bob.SendMessageAsync(new { receiverId = alice.UserId, content = "are you there?" });
        // Alice's presence goes to bob once she took part in their conversation, not because he wrote to her.
        await alice.SendMessageAsync(new { receiverId = bob.UserId, content = "soon" });
        await using var bobConnection = await Connect(bob);
        await using var strangerConnection = await Connect(stranger);

        var phone = await Connect(alice);
        var online = await bobConnection.WaitForAsync(ChatHub.Presence, p => p.Str("userId") == alice.UserId);
        Assert.True(online.Bool("online"));
        Assert.NotNull(online.Str("lastSeenAt"));

        var laptop = await Connect(alice);
        await phone.DisposeAsync();
        Assert.True((await PresenceOfAsync(bob, alice.UserId))!.Value.Bool("online"));

        await laptop.DisposeAsync();
        var offline = await bobConnection.WaitForAsync(ChatHub.Presence, p => p.Str("userId") == alice.UserId && !p.Bool("online"));
        Assert.NotNull(offline.Str("lastSeenAt"));
        Assert.False((await PresenceOfAsync(bob, alice.UserId))!.Value.Bool("online"));

        // One change each way: the second device's arrival and the first one's departure told nobody anything.
        await bobConnection.SentinelAsync(Host.Client);
        Assert.Equal([true, false], bobConnection.Received(ChatHub.Presence, p => p.Str("userId") == alice.UserId).Select(p => p.Bool("online")));
        await strangerConnection.SentinelAsync(Host.Client);
        Assert.Empty(strangerConnection.Received(ChatHub.Presence, p => p.Str("userId") == alice.UserId));
    }

    [Fact]
    public async Task GroupMembersWhoTookPartAreContacts()
    {
        var (alice, bob) = (await RegisterAsync(), await RegisterAsync());
        var groupId = (string)(await bob.CreateGroupAsync("friends", alice.UserId))["id"]!;
        // Bob created the group (his own choice): alice sees him; she was only added, until she writes in it.
        Assert.NotNull(await PresenceOfAsync(alice, bob.UserId));
        Assert.Null(await PresenceOfAsync(bob, alice.UserId));
        await alice.SendMessageAsync(new { groupId, content = "hello friends" });
        await using var bobConnection = await Connect(bob);
        await using var aliceConnection = await Connect(alice);
        Assert.True((await bobConnection.WaitForAsync(ChatHub.Presence, p => p.Str("userId") == alice.UserId)).Bool("online"));
    }

    [Fact]
    public async Task PresenceQueryAnswersTheCallerAndItsContactsAndLeavesOutStrangers()
    {
        var (alice, bob, stranger, neverConnected) = (await RegisterAsync(), await RegisterAsync(), await RegisterAsync(), await RegisterAsync());
        await alice.SendMessageAsync(new { receiverId = bob.UserId, content = "hi" });
        await alice.SendMessageAsync(new { receiverId = neverConnected.UserId, content = "hi" });
        await alice.SendMessageAsync(new { receiverId = stranger.UserId, content = "a message pushed at a stranger reaches nothing" });
        await bob.SendMessageAsync(new { receiverId = alice.UserId, content = "hi" });
        await neverConnected.SendMessageAsync(new { receiverId = alice.UserId, content = "hi" });
        await using var bobConnection = await Connect(bob);
        await using var strangerConnection = await Connect(stranger);

        var answer = await ChatApiClient.ReadAsync(
            await alice.GetAsync($"api/presence?userIds={bob.UserId},{stranger.UserId},{neverConnected.UserId},{alice.UserId}"), HttpStatusCode.OK);
        var items = answer["items"]!.AsArray();
        Assert.Equal([bob.UserId, neverConnected.UserId, alice.UserId], items.Select(i => (string)i!["userId"]!));
        Assert.True((bool)items[0]!["online"]!);
        Assert.False((bool)items[1]!["online"]!);
        Assert.Null(items[1]!["lastSeenAt"]);
        Assert.False((bool)items[2]!["online"]!);
    }

    [Fact]
    public async Task PresenceQueryIsValidated()
    {
        var alice = await RegisterAsync();
        await ChatApiClient.ReadProblemAsync(await alice.GetAsync("api/presence"), HttpStatusCode.BadRequest);
        await ChatApiClient.ReadProblemAsync(await alice.GetAsync("api/presence?userIds=nope"), HttpStatusCode.BadRequest);
        var tooMany = string.Join(',', Enumerable.Range(0, 101).Select(i => i.ToString("x24", System.Globalization.CultureInfo.InvariantCulture)));
        await ChatApiClient.ReadProblemAsync(await alice.GetAsync($"api/presence?userIds={tooMany}"), HttpStatusCode.BadRequest);
        await ChatApiClient.ReadProblemAsync(await Host.Client.GetAsync($"api/presence?userIds={alice.UserId}"), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task HeartbeatKeepsAConnectedUserSeen()
    {
        var alice = await RegisterAsync();
        await using var connection = await Connect(alice);
        var before = (await PresenceOfAsync(alice, alice.UserId))!.Value.GetProperty("lastSeenAt").GetDateTimeOffset();
        Assert.Equal(HttpStatusCode.NoContent, (await alice.PostAsync("api/presence/heartbeat", null)).StatusCode);
        var after = await PresenceOfAsync(alice, alice.UserId);
        Assert.True(after!.Value.Bool("online"));
        Assert.True(after.Value.GetProperty("lastSeenAt").GetDateTimeOffset() >= before);
    }

    private Task<ChatApiClient> RegisterAsync() => ChatApiClient.RegisterAsync(Host.Client, "pr");

    private Task<RealtimeClient> Connect(ChatApiClient user) => RealtimeClient.ConnectAsync(Host.BaseAddress, user.UserId, user.AccessToken);

    private static async Task<JsonElement?> PresenceOfAsync(ChatApiClient asker, string userId)
    {
        var answer = await ChatApiClient.ReadAsync(await asker.GetAsync($"api/presence?userIds={userId}"), HttpStatusCode.OK);
        var item = answer["items"]!.AsArray().SingleOrDefault();
        return item is null ? null : JsonDocument.Parse(item.ToJsonString()).RootElement;
    }

}
