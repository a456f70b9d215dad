using System.Net;
using System.Text.Json.Nodes;
using ServerlessChat.Core.Realtime;
using ServerlessChat.Tests.Infrastructure;
using ServerlessChat.Tests.Realtime;

namespace ServerlessChat.Tests.Api;

/// <summary>Edit history and mentions that follow edits, over HTTP on the store the shared host runs on.</summary>
[Collection(SharedHostCollection.Name)]
public sealed class EditsApiTests(SharedHostFixture fixture)
{
    private HttpClient Http => fixture.Host.Client;

    [Fact]
    public async Task EachEditKeepsTheEarlierTextForEveryoneWhoCanSeeTheMessageUntilItIsDeleted()
    {
        var (alice, bob, outsider) = (await ChatApiClient.RegisterAsync(Http, "edit"), await ChatApiClient.RegisterAsync(Http, "edit"), await ChatApiClient.RegisterAsync(Http, "edit"));
        var sent = await alice.SendMessageAsync(new { receiverId = bob.UserId, content = "one" });
        var id = (string)sent["id"]!;
        Assert.Empty((await ChatApiClient.ReadAsync(await bob.GetAsync($"api/messages/{id}/edits"), HttpStatusCode.OK))["items"]!.AsArray());

        var second = await ChatApiClient.ReadAsync(await alice.PatchAsync($"api/messages/{id}", new { content = "two" }), HttpStatusCode.OK);
        await ChatApiClient.ReadAsync(await alice.PatchAsync($"api/messages/{id}", new { content = "three" }), HttpStatusCode.OK);

        var edits = (await ChatApiClient.ReadAsync(await bob.GetAsync($"api/messages/{id}/edits"), HttpStatusCode.OK))["items"]!.AsArray();
        Assert.Equal(["one", "two"], edits.Select(e => (string)e!["content"]!));
        Assert.Equal(DateTimeOffset.Parse((string)sent["createdAt"]!), DateTimeOffset.Parse((string)edits[0]!["editedAt"]!));
        Assert.Equal(DateTimeOffset.Parse((string)second["editedAt"]!), DateTimeOffset.Parse((string)edits[1]!["editedAt"]!));
        await ChatApiClient.ReadProblemAsync(await outsider.GetAsync($"api/messages/{id}/edits"), HttpStatusCode.NotFound);
        await ChatApiClient.ReadProblemAsync(await bob.PatchAsync($"api/messages/{id}", new { content = "mine now" }), HttpStatusCode.Forbidden);
        await ChatApiClient.ReadProblemAsync(await bob.GetAsync("api/messages/not-an-id/edits"), HttpStatusCode.NotFound);

        Assert.Equal(HttpStatusCode.NoContent, (await alice.DeleteAsync($"api/messages/{id}")).StatusCode);
        Assert.Empty((await ChatApiClient.ReadAsync(await bob.GetAsync($"api/messages/{id}/edits"), HttpStatusCode.OK))["items"]!.AsArray());
        await ChatApiClient.ReadProblemAsync(await alice.PatchAsync($"api/messages/{id}", new { content = "back" }), HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task AnEditRecomputesMentionsAndTheUnreadMentionCountsWithMessageUpdated()
    {
        var (alice, bob, carol) = (await ChatApiClient.RegisterAsync(Http, "ment"), await ChatApiClient.RegisterAsync(Http, "ment"), await ChatApiClient.RegisterAsync(Http, "ment"));
        var groupId = (string)(await alice.CreateGroupAsync("mentions", bob.UserId, carol.UserId))["id"]!;
        var id = (string)(await alice.SendMessageAsync(new { groupId, content = $"hi @{bob.Username}" }))["id"]!;
        Assert.Equal(1, await MentionsAsync(bob, groupId));
        Assert.Equal(0, await MentionsAsync(carol, groupId));
        var start = await PinsApiTests.SyncStartAsync(carol);
        await using var carolOnline = await RealtimeClient.ConnectAsync(fixture.Host.BaseAddress, carol.UserId, carol.AccessToken);

        var edited = await ChatApiClient.ReadAsync(await alice.PatchAsync($"api/messages/{id}", new { content = $"hi @{carol.Username}, not bob" }), HttpStatusCode.OK);

        Assert.Equal([carol.UserId], Mentions(edited));
        var heard = await carolOnline.WaitForAsync(ChatHub.MessageUpdated, m => m.Str("id") == id);
        Assert.Equal([carol.UserId], heard.GetProperty("mentions").EnumerateArray().Select(m => m.GetString()!));
        Assert.Equal(0, await MentionsAsync(bob, groupId));
        Assert.Equal(1, await MentionsAsync(carol, groupId));
        var synced = (await PinsApiTests.SyncAllAsync(carol, start)).Where(c => (string)c["type"]! == "messageUpdated").ToList();
        Assert.Equal([carol.UserId], Mentions(Assert.Single(synced)["data"]!));

        // The sender never mentions itself; a name taken out no longer counts.
        await ChatApiClient.ReadAsync(await alice.PatchAsync($"api/messages/{id}", new { content = $"@{alice.Username} only" }), HttpStatusCode.OK);
        Assert.Equal(0, await MentionsAsync(carol, groupId));
        Assert.Empty(Mentions((await ChatApiClient.ReadAsync(await bob.GetAsync($"api/messages?groupId={groupId}"), HttpStatusCode.OK))["items"]![0]!));
    }

    [Fact]
    public async Task ConcurrentEditsEachLeaveTheTextTheyReplacedInTheHistory()
    {
        var (alice, bob) = (await ChatApiClient.RegisterAsync(Http, "edit"), await ChatApiClient.RegisterAsync(Http, "edit"));
        for (var round = 0; round < 3; round++)
        {
            var id = (string)(await alice.SendMessageAsync(new { receiverId = bob.UserId, content = "start" }))["id"]!;

            var responses = await Task.WhenAll(Enumerable.Range(0, 40).Select(i => alice.PatchAsync($"api/messages/{id}", new { content = $"edit {i}" })));

            Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
            var current = (string)(await ChatApiClient.ReadAsync(await bob.GetAsync($"api/messages?with={alice.UserId}&limit=1"), HttpStatusCode.OK))["items"]![0]!["content"]!;
            var history = (await ChatApiClient.ReadAsync(await bob.GetAsync($"api/messages/{id}/edits"), HttpStatusCode.OK))["items"]!.AsArray()
                .Select(e => (string)e!["content"]!).ToList();
            Assert.Equal("start", history[0]);
            Assert.Equal(
                Enumerable.Range(0, 40).Select(i => $"edit {i}").Append("start").Where(c => c != current).Order(StringComparer.Ordinal),
                history.Order(StringComparer.Ordinal));
        }
    }

    private static List<string> Mentions(JsonNode message) => message["mentions"]!.AsArray().Select(m => (string)m!).ToList();

    private static async Task<long> MentionsAsync(ChatApiClient user, string groupId)
    {
        var list = await ChatApiClient.ReadAsync(await user.GetAsync("api/conversations"), HttpStatusCode.OK);
        return (long)list["items"]!.AsArray().Single(i => (string?)i!["group"]?["id"] == groupId)!["mentions"]!;
    }
}
