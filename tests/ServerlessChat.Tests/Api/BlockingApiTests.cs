using System.Net;
using System.Text.Json.Nodes;
using ServerlessChat.Tests.Infrastructure;

namespace ServerlessChat.Tests.Api;

[Collection(SharedHostCollection.Name)]
public sealed class BlockingApiTests(SharedHostFixture fixture)
{
    private readonly HttpClient _http = fixture.Host.Client;

    [Fact]
    public async Task ABlockedUsersDirectMessagesToTheBlockerAreForbiddenWhileTheBlockerMayStillWrite()
    {
        var (alice, bob) = await PairAsync();
        await alice.SendMessageAsync(new { receiverId = bob.UserId, content = "before" });

        Assert.Equal(HttpStatusCode.NoContent, (await alice.PutAsync($"api/users/{bob.UserId}/block", null)).StatusCode);

        await ChatApiClient.ReadProblemAsync(await bob.PostAsync("api/messages", new { receiverId = alice.UserId, content = "let me in" }), HttpStatusCode.Forbidden);
        await alice.SendMessageAsync(new { receiverId = bob.UserId, content = "I can still write" });
        Assert.Equal(["I can still write", "before"], (await RepliesApiTests.HistoryAsync(alice, $"with={bob.UserId}")).Select(m => (string)m["content"]!));
    }

    [Fact]
    public async Task BlockedUsersAreListedInOrderAndUnblockingLetsTheirMessagesThroughAgain()
    {
        var (alice, bob) = await PairAsync();
        var carol = await ChatApiClient.RegisterAsync(_http, "carol");
        Assert.Equal(HttpStatusCode.NoContent, (await alice.PutAsync($"api/users/{bob.UserId}/block", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await alice.PutAsync($"api/users/{carol.UserId}/block", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await alice.PutAsync($"api/users/{bob.UserId}/block", null)).StatusCode);

        Assert.Equal([bob.UserId, carol.UserId], await BlockedAsync(alice));
        Assert.Empty(await BlockedAsync(bob));

        Assert.Equal(HttpStatusCode.NoContent, (await alice.DeleteAsync($"api/users/{bob.UserId}/block")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await alice.DeleteAsync($"api/users/{bob.UserId}/block")).StatusCode);

        Assert.Equal([carol.UserId], await BlockedAsync(alice));
        await bob.SendMessageAsync(new { receiverId = alice.UserId, content = "thanks" });
    }

    [Fact]
    public async Task BlockingAnUnknownUserIsNotFoundAndBlockingOneselfIsRefused()
    {
        var (alice, _) = await PairAsync();
        await ChatApiClient.ReadProblemAsync(await alice.PutAsync("api/users/0123456789abcdef01234567/block", null), HttpStatusCode.NotFound);
        await ChatApiClient.ReadProblemAsync(await alice.PutAsync("api/users/not-an-id/block", null), HttpStatusCode.NotFound);
        await ChatApiClient.ReadProblemAsync(await alice.PutAsync($"api/users/{alice.UserId}/block", null), HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task GroupMessagesOfABlockedUserStillArrive()
    {
        var (alice, bob) = await PairAsync();
        var groupId = (string)(await alice.CreateGroupAsync("team", bob.UserId))["id"]!;
        Assert.Equal(HttpStatusCode.NoContent, (await alice.PutAsync($"api/users/{bob.UserId}/block", null)).StatusCode);

        var message = await bob.SendMessageAsync(new { groupId, content = "still here" });

        Assert.Equal((string)message["id"]!, (string)Assert.Single(await RepliesApiTests.HistoryAsync(alice, $"groupId={groupId}"))["id"]!);
    }

    [Fact]
    public async Task ABlockedUserCannotCallTheBlockerNorSeeItsPresence()
    {
        var (alice, bob) = await PairAsync();
        await alice.SendMessageAsync(new { receiverId = bob.UserId, content = "contacts" });
        await bob.SendMessageAsync(new { receiverId = alice.UserId, content = "contacts indeed" });
        Assert.Equal(HttpStatusCode.NoContent, (await alice.PutAsync($"api/users/{bob.UserId}/block", null)).StatusCode);

        var offer = new { toUserId = alice.UserId, callId = "call-1", type = "offer", payload = "sdp" };
        await ChatApiClient.ReadProblemAsync(await bob.PostAsync("api/calls/signal", offer), HttpStatusCode.Forbidden);
        var bobsView = await ChatApiClient.ReadAsync(await bob.GetAsync($"api/presence?userIds={alice.UserId}"), HttpStatusCode.OK);
        Assert.Empty(bobsView["items"]!.AsArray());

        // The blocker is not restricted.
        var alicesView = await ChatApiClient.ReadAsync(await alice.GetAsync($"api/presence?userIds={bob.UserId}"), HttpStatusCode.OK);
        Assert.Equal(bob.UserId, (string)Assert.Single(alicesView["items"]!.AsArray())!["userId"]!);
        Assert.Equal(HttpStatusCode.Accepted, (await alice.PostAsync("api/calls/signal", offer with { toUserId = bob.UserId })).StatusCode);
    }

    private static async Task<List<string>> BlockedAsync(ChatApiClient user)
    {
        var list = await ChatApiClient.ReadAsync(await user.GetAsync("api/users/blocked"), HttpStatusCode.OK);
        return list["items"]!.AsArray().Select(u => (string)u!["id"]!).ToList();
    }

    private async Task<(ChatApiClient, ChatApiClient)> PairAsync() =>
        (await ChatApiClient.RegisterAsync(_http, "alice"), await ChatApiClient.RegisterAsync(_http, "bob"));
}
