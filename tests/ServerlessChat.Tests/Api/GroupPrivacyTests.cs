using System.Net;
using System.Net.Http.Json;
using ServerlessChat.Core.Realtime;
using ServerlessChat.Tests.Infrastructure;
using ServerlessChat.Tests.Realtime;

namespace ServerlessChat.Tests.Api;

/// <summary>A standalone host with the shipped privacy default: only a user's contacts may add it to groups.</summary>
public sealed class ShippedPrivacyHostFixture : IAsyncLifetime
{
    public StandaloneHost Host { get; private set; } = null!;

    public async Task InitializeAsync() =>
        Host = await StandaloneHost.StartAsync(new Dictionary<string, string?> { ["Privacy__DefaultGroupAdds"] = "Contacts" });

    public Task DisposeAsync() => Host.DisposeAsync().AsTask();
}

/// <summary>
/// Issue 29 finding 4: adding someone to a group undid blocks and revealed a stranger's presence, and let its
/// attacker call the stranger. Each attack here as it was made, over HTTP and SignalR, and what answers now.
/// </summary>
public sealed class GroupPrivacyTests(ShippedPrivacyHostFixture fixture) : IClassFixture<ShippedPrivacyHostFixture>
{
    private StandaloneHost Host => fixture.Host;

    private Task<ChatApiClient> RegisterAsync(string prefix) => ChatApiClient.RegisterAsync(Host.Client, prefix);

    private static async Task<string> UnknownUserDetailAsync(HttpResponseMessage response, string field)
    {
        var problem = await ChatApiClient.ReadProblemAsync(response, HttpStatusCode.BadRequest);
        return string.Join(" ", problem["errors"]![field]!.AsArray().Select(e => (string)e!));
    }

    [Fact]
    public async Task ABlockedUserCannotAddTheBlockerToAGroupAndLearnsNothingFromTheAnswer()
    {
        var (alice, mallory) = (await RegisterAsync("alice"), await RegisterAsync("mallory"));
        await alice.SendMessageAsync(new { receiverId = mallory.UserId, content = "we talked once" });
        Assert.Equal(HttpStatusCode.NoContent, (await alice.PutAsync($"api/users/{mallory.UserId}/block", null)).StatusCode);
        const string nobody = "0123456789abcdef01234567";

        var blocked = await UnknownUserDetailAsync(await mallory.PostAsync("api/groups", new { name = "trap", memberIds = new[] { alice.UserId } }), "memberIds");
        var unknown = await UnknownUserDetailAsync(await mallory.PostAsync("api/groups", new { name = "trap", memberIds = new[] { nobody } }), "memberIds");
        Assert.Equal(unknown.Replace(nobody, alice.UserId, StringComparison.Ordinal), blocked);

        var groupId = (string)(await mallory.CreateGroupAsync("trap"))["id"]!;
        var added = await UnknownUserDetailAsync(await mallory.PutAsync($"api/groups/{groupId}/members", new { add = new[] { alice.UserId } }), "add");
        Assert.Equal(blocked, added);
        Assert.Empty((await ChatApiClient.ReadAsync(await alice.GetAsync("api/groups"), HttpStatusCode.OK))["items"]!.AsArray());

        // Setting groupAdds to everyone does not lift a block.
        Assert.Equal(HttpStatusCode.OK, (await alice.PutAsync("api/users/me/privacy", new { groupAdds = "everyone" })).StatusCode);
        await UnknownUserDetailAsync(await mallory.PutAsync($"api/groups/{groupId}/members", new { add = new[] { alice.UserId } }), "add");
    }

    [Fact]
    public async Task OnlyUsersTheTargetMessagedDirectlyMayAddItUnlessItLetsEveryone()
    {
        var (alice, friend, stranger) = (await RegisterAsync("alice"), await RegisterAsync("friend"), await RegisterAsync("stranger"));
        // The stranger writing to alice makes nobody her contact: only her own messages count.
        await stranger.SendMessageAsync(new { receiverId = alice.UserId, content = "add me?" });
        await alice.SendMessageAsync(new { receiverId = friend.UserId, content = "hi friend" });

        await UnknownUserDetailAsync(await stranger.PostAsync("api/groups", new { name = "cold", memberIds = new[] { alice.UserId } }), "memberIds");
        var group = await friend.CreateGroupAsync("warm", alice.UserId);
        Assert.Contains(alice.UserId, group["members"]!.AsArray().Select(m => (string)m!));

        var answer = await ChatApiClient.ReadAsync(await alice.PutAsync("api/users/me/privacy", new { groupAdds = "everyone" }), HttpStatusCode.OK);
        Assert.Equal("everyone", (string)answer["groupAdds"]!);
        var strangers = (string)(await stranger.CreateGroupAsync("now open"))["id"]!;
        Assert.Equal(HttpStatusCode.OK, (await stranger.PutAsync($"api/groups/{strangers}/members", new { add = new[] { alice.UserId } })).StatusCode);

        Assert.Equal("contacts", (string)(await ChatApiClient.ReadAsync(await alice.PutAsync("api/users/me/privacy", new { groupAdds = "contacts" }), HttpStatusCode.OK))["groupAdds"]!);
        await UnknownUserDetailAsync(await stranger.PostAsync("api/groups", new { name = "closed again", memberIds = new[] { alice.UserId } }), "memberIds");
    }

    [Fact]
    public async Task ThePrivacySettingIsValidated()
    {
        var alice = await RegisterAsync("alice");
        await ChatApiClient.ReadProblemAsync(await alice.PutAsync("api/users/me/privacy", new { groupAdds = "friends" }), HttpStatusCode.BadRequest);
        await ChatApiClient.ReadProblemAsync(await alice.PutAsync("api/users/me/privacy", new { }), HttpStatusCode.BadRequest);
        await ChatApiClient.ReadProblemAsync(await Host.Client.PutAsJsonAsync("api/users/me/privacy", new { groupAdds = "everyone" }), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task ABurstOfPrivacyChangesEndsWithOneOfThem()
    {
        var alice = await RegisterAsync("alice");
        var stranger = await RegisterAsync("stranger");
        for (var round = 0; round < 5; round++)
        {
            var answers = await Task.WhenAll(Enumerable.Range(0, 10).Select(i =>
                alice.PutAsync("api/users/me/privacy", new { groupAdds = i % 2 == 0 ? "everyone" : "contacts" })));
            Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.StatusCode));
        }
        Assert.Equal(HttpStatusCode.OK, (await alice.PutAsync("api/users/me/privacy", new { groupAdds = "contacts" })).StatusCode);
        await UnknownUserDetailAsync(await stranger.PostAsync("api/groups", new { name = "after the burst", memberIds = new[] { alice.UserId } }), "memberIds");
    }

    // The attack: a stranger put alice in a group (or wrote her once), then saw her presence and rang her.
    [Fact]
    public async Task AStrangersPresenceAndCallsStayClosedUntilItTakesPart()
    {
        var (alice, mallory) = (await RegisterAsync("alice"), await RegisterAsync("mallory"));
        Assert.Equal(HttpStatusCode.OK, (await alice.PutAsync("api/users/me/privacy", new { groupAdds = "everyone" })).StatusCode);
        await mallory.SendMessageAsync(new { receiverId = alice.UserId, content = "one message pushed at her" });
        var groupId = (string)(await mallory.CreateGroupAsync("mallory's", alice.UserId))["id"]!;
        await mallory.SendMessageAsync(new { groupId, content = "you are in my group now" });
        await using var aliceOnline = await RealtimeClient.ConnectAsync(Host.BaseAddress, alice.UserId, alice.AccessToken);
        await using var malloryOnline = await RealtimeClient.ConnectAsync(Host.BaseAddress, mallory.UserId, mallory.AccessToken);

        Assert.Empty((await ChatApiClient.ReadAsync(await mallory.GetAsync($"api/presence?userIds={alice.UserId}"), HttpStatusCode.OK))["items"]!.AsArray());
        var offer = new { toUserId = alice.UserId, callId = "ring-1", type = "offer", payload = "sdp" };
        await ChatApiClient.ReadProblemAsync(await mallory.PostAsync("api/calls/signal", offer), HttpStatusCode.Forbidden);
        // Alice may see and call mallory: mallory took part in both conversations.
        Assert.Single((await ChatApiClient.ReadAsync(await alice.GetAsync($"api/presence?userIds={mallory.UserId}"), HttpStatusCode.OK))["items"]!.AsArray());
        await malloryOnline.SentinelAsync(Host.Client);
        Assert.Empty(malloryOnline.Received(ChatHub.Presence, p => p.Str("userId") == alice.UserId));
        await aliceOnline.SentinelAsync(Host.Client);
        Assert.Empty(aliceOnline.Received(ChatHub.CallSignal));

        // Once alice writes in the group mallory made, she took part: presence and calls open.
        await alice.SendMessageAsync(new { groupId, content = "hello" });
        Assert.Single((await ChatApiClient.ReadAsync(await mallory.GetAsync($"api/presence?userIds={alice.UserId}"), HttpStatusCode.OK))["items"]!.AsArray());
        Assert.Equal(HttpStatusCode.Accepted, (await mallory.PostAsync("api/calls/signal", offer)).StatusCode);
        Assert.Equal("ring-1", (await aliceOnline.WaitForAsync(ChatHub.CallSignal)).Str("callId"));
    }

    [Fact]
    public async Task TypingToAUserWithoutASharedConversationAnswersAsForAnUnknownUserAndSendsNothing()
    {
        var (alice, stranger) = (await RegisterAsync("alice"), await RegisterAsync("stranger"));
        await using var strangerOnline = await RealtimeClient.ConnectAsync(Host.BaseAddress, stranger.UserId, stranger.AccessToken);

        var notShared = await ChatApiClient.ReadProblemAsync(await alice.PostAsync("api/typing", new { receiverId = stranger.UserId }), HttpStatusCode.NotFound);
        var unknown = await ChatApiClient.ReadProblemAsync(await alice.PostAsync("api/typing", new { receiverId = "0123456789abcdef01234567" }), HttpStatusCode.NotFound);
        Assert.Equal((string)unknown["detail"]!, (string)notShared["detail"]!);
        Assert.Equal((string)unknown["title"]!, (string)notShared["title"]!);
        await strangerOnline.SentinelAsync(Host.Client);
        Assert.Empty(strangerOnline.Received(ChatHub.Typing));

        // Within a conversation typing goes through.
        await alice.SendMessageAsync(new { receiverId = stranger.UserId, content = "hi" });
        Assert.Equal(HttpStatusCode.Accepted, (await alice.PostAsync("api/typing", new { receiverId = stranger.UserId })).StatusCode);
        Assert.Equal(alice.UserId, (await strangerOnline.WaitForAsync(ChatHub.Typing)).Str("userId"));
    }
}
