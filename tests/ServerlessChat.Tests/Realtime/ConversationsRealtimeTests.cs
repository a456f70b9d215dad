using System.Net;
using ServerlessChat.Core.Realtime;
using ServerlessChat.Tests.Infrastructure;

namespace ServerlessChat.Tests.Realtime;

/// <summary>Reactions and blocking as seen over SignalR.</summary>
[Collection(RealtimeHostCollection.Name)]
public sealed class ConversationsRealtimeTests(RealtimeHostFixture fixture) : IAsyncLifetime
{
    private readonly List<RealtimeClient> _connections = [];

    private StandaloneHost Host => fixture.Host;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var connection in _connections)
        {
            await connection.DisposeAsync();
        }
    }

    [Fact]
    public async Task ReactionsUpdatedReachesEveryoneInTheConversationAndNobodyElse()
    {
        var (alice, bob, carol, outsider) = (await RegisterAsync(), await RegisterAsync(), await RegisterAsync(), await RegisterAsync());
        var groupId = (string)(await alice.CreateGroupAsync("team", bob.UserId, carol.UserId))["id"]!;
        var id = (string)(await alice.SendMessageAsync(new { groupId, content = "vote" }))["id"]!;
        var connections = new[] { await ConnectAsync(alice), await ConnectAsync(bob), await ConnectAsync(carol) };
        var outsiderConnection = await ConnectAsync(outsider);

        await ChatApiClient.ReadAsync(await bob.PutAsync($"api/messages/{id}/reactions", new { emoji = "👍" }), HttpStatusCode.OK);

        foreach (var connection in connections)
        {
            var updated = await connection.WaitForAsync(ChatHub.ReactionsUpdated, r => r.Str("messageId") == id);
            Assert.Equal($"g:{groupId}", updated.Str("conversationId"));
            var reaction = Assert.Single(updated.GetProperty("reactions").EnumerateArray());
            Assert.Equal("👍", reaction.Str("emoji"));
            Assert.Equal(1, reaction.GetProperty("count").GetInt32());
            Assert.Equal(bob.UserId, Assert.Single(reaction.GetProperty("userIds").EnumerateArray()).GetString());
        }

        // The same reaction again changes nothing and announces nothing.
        await ChatApiClient.ReadAsync(await bob.PutAsync($"api/messages/{id}/reactions", new { emoji = "👍" }), HttpStatusCode.OK);
        await ChatApiClient.ReadAsync(await bob.DeleteAsync($"api/messages/{id}/reactions/{Uri.EscapeDataString("👍")}"), HttpStatusCode.OK);
        var removed = await connections[2].WaitForAsync(ChatHub.ReactionsUpdated, r => r.Str("messageId") == id && r.GetProperty("reactions").GetArrayLength() == 0);
        Assert.Equal(id, removed.Str("messageId"));

        await connections[2].SentinelAsync(Host.Client);
        Assert.Equal(2, connections[2].Received(ChatHub.ReactionsUpdated).Count);
        await outsiderConnection.SentinelAsync(Host.Client);
        Assert.Empty(outsiderConnection.Received(ChatHub.ReactionsUpdated));
    }

    [Fact]
    public async Task TypingPassesInNeitherDirectionBetweenABlockerAndTheUserItBlocked()
    {
        var (alice, bob, carol) = (await RegisterAsync(), await RegisterAsync(), await RegisterAsync());
        var groupId = (string)(await alice.CreateGroupAsync("team", bob.UserId, carol.UserId))["id"]!;
        Assert.Equal(HttpStatusCode.NoContent, (await alice.PutAsync($"api/users/{bob.UserId}/block", null)).StatusCode);
        var aliceConnection = await ConnectAsync(alice);
        var bobConnection = await ConnectAsync(bob);
        var carolConnection = await ConnectAsync(carol);

        Assert.Equal(HttpStatusCode.Accepted, (await bob.PostAsync("api/typing", new { receiverId = alice.UserId })).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await alice.PostAsync("api/typing", new { receiverId = bob.UserId })).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await bob.PostAsync("api/typing", new { groupId })).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await alice.PostAsync("api/typing", new { groupId })).StatusCode);

        // Carol, not involved, sees both of them type in the group.
        await carolConnection.WaitForAsync(ChatHub.Typing, t => t.Str("userId") == bob.UserId);
        await carolConnection.WaitForAsync(ChatHub.Typing, t => t.Str("userId") == alice.UserId);
        await aliceConnection.SentinelAsync(Host.Client);
        Assert.Empty(aliceConnection.Received(ChatHub.Typing));
        await bobConnection.SentinelAsync(Host.Client);
        Assert.Empty(bobConnection.Received(ChatHub.Typing));
    }

    [Fact]
    public async Task TheBlockedUserGetsNoPresenceOfTheBlockerAndNoEventAboutTheBlock()
    {
        var (alice, bob, carol) = (await RegisterAsync(), await RegisterAsync(), await RegisterAsync());
        await alice.SendMessageAsync(new { receiverId = bob.UserId, content = "hi bob" });
        await alice.SendMessageAsync(new { receiverId = carol.UserId, content = "hi carol" });
        var bobConnection = await ConnectAsync(bob);
        var carolConnection = await ConnectAsync(carol);

        Assert.Equal(HttpStatusCode.NoContent, (await alice.PutAsync($"api/users/{bob.UserId}/block", null)).StatusCode);
        var aliceConnection = await ConnectAsync(alice);

        var online = await carolConnection.WaitForAsync(ChatHub.Presence, p => p.Str("userId") == alice.UserId);
        Assert.True(online.Bool("online"));
        await bobConnection.SentinelAsync(Host.Client);
        Assert.Empty(bobConnection.Received(ChatHub.Presence, p => p.Str("userId") == alice.UserId));
        Assert.Equal([ChatHub.NewMessage], bobConnection.ReceivedNames().Distinct());
        Assert.NotNull(aliceConnection);
    }

    private Task<ChatApiClient> RegisterAsync() => ChatApiClient.RegisterAsync(Host.Client, "cv");

    private async Task<RealtimeClient> ConnectAsync(ChatApiClient user)
    {
        var connection = await RealtimeClient.ConnectAsync(Host.BaseAddress, user.UserId, user.AccessToken);
        _connections.Add(connection);
        return connection;
    }
}
