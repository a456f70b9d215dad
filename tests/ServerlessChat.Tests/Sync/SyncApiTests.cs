using System.Net;
using System.Text.Json.Nodes;
using ServerlessChat.Core.Realtime;
using ServerlessChat.Core.Sync;
using ServerlessChat.Tests.Infrastructure;
using ServerlessChat.Tests.Realtime;

namespace ServerlessChat.Tests.Sync;

[Collection(SharedHostCollection.Name)]
public sealed class SyncApiTests(SharedHostFixture fixture)
{
    private HttpClient Http => fixture.Host.Client;

    [Fact]
    public async Task WithoutACursorSyncAnswersNoChangesAndACursorToStartFrom()
    {
        var alice = await ChatApiClient.RegisterAsync(Http, "sync");

        var answer = await SyncAsync(alice, null);

        Assert.Empty(answer["changes"]!.AsArray());
        Assert.False((bool)answer["hasMore"]!);
        Assert.NotNull(SyncCursor.TryDecode((string)answer["cursor"]!));
    }

    [Fact]
    public async Task SyncReturnsEachChangeOnceInOrderWithTheCursorOfItsEvent()
    {
        var (alice, bob, carol) = (await ChatApiClient.RegisterAsync(Http, "sync"), await ChatApiClient.RegisterAsync(Http, "sync"), await ChatApiClient.RegisterAsync(Http, "sync"));
        var start = (string)(await SyncAsync(bob, null))["cursor"]!;
        var carolStart = (string)(await SyncAsync(carol, null))["cursor"]!;
        await using var bobLive = await RealtimeClient.ConnectAsync(fixture.Host.BaseAddress, bob.UserId, bob.AccessToken);

        var id = (string)(await alice.SendMessageAsync(new { receiverId = bob.UserId, content = "first" }))["id"]!;
        await ChatApiClient.ReadAsync(await alice.PatchAsync($"api/messages/{id}", new { content = "second" }), HttpStatusCode.OK);
        await ChatApiClient.ReadAsync(await bob.PostAsync("api/messages/read", new { with = alice.UserId, upTo = id }), HttpStatusCode.OK);
        Assert.Equal(HttpStatusCode.NoContent, (await alice.DeleteAsync($"api/messages/{id}")).StatusCode);
        var groupId = (string)(await alice.CreateGroupAsync("sync", bob.UserId))["id"]!;
        var live = await bobLive.WaitForAsync(ChatHub.NewMessage, m => m.Str("id") == id);

        var answer = await SyncAsync(bob, start);
        var changes = answer["changes"]!.AsArray();
        // The group's creation is its groupUpdated and its "created" system message.
        Assert.Equal(["newMessage", "messageUpdated", "messagesRead", "messageDeleted", "groupUpdated", "newMessage"], changes.Select(c => (string)c!["type"]!));
        Assert.Equal(live.Str("cursor"), (string)changes[0]!["cursor"]!);
        Assert.All(changes, c => Assert.Equal((string)c!["cursor"]!, (string)c["data"]!["cursor"]!));
        Assert.Equal(changes.Count, changes.Select(c => (string)c!["cursor"]!).Distinct().Count());
        // data is the current state: the message is already deleted.
        Assert.True((bool)changes[0]!["data"]!["deleted"]!);
        Assert.Equal(groupId, (string)changes[4]!["data"]!["id"]!);
        Assert.False((bool)answer["hasMore"]!);

        // From the answer's cursor nothing is repeated; a stranger sees none of it.
        Assert.Empty((await SyncAsync(bob, (string)answer["cursor"]!))["changes"]!.AsArray());
        Assert.Empty((await SyncAsync(carol, carolStart))["changes"]!.AsArray());
    }

    [Fact]
    public async Task AReactionAddedAndTakenBackIsInSyncWithTheCursorsOfItsEventsAndTheCurrentReactions()
    {
        var (alice, bob) = (await ChatApiClient.RegisterAsync(Http, "sync"), await ChatApiClient.RegisterAsync(Http, "sync"));
        var start = (string)(await SyncAsync(bob, null))["cursor"]!;
        await using var bobLive = await RealtimeClient.ConnectAsync(fixture.Host.BaseAddress, bob.UserId, bob.AccessToken);
        var id = (string)(await alice.SendMessageAsync(new { receiverId = bob.UserId, content = "react" }))["id"]!;

        await ChatApiClient.ReadAsync(await alice.PutAsync($"api/messages/{id}/reactions", new { emoji = "👍" }), HttpStatusCode.OK);
        var added = await bobLive.WaitForAsync(ChatHub.ReactionsUpdated, m => m.Str("messageId") == id);
        await ChatApiClient.ReadAsync(await bob.PutAsync($"api/messages/{id}/reactions", new { emoji = "🎉" }), HttpStatusCode.OK);
        await ChatApiClient.ReadAsync(await alice.DeleteAsync($"api/messages/{id}/reactions/{Uri.EscapeDataString("👍")}"), HttpStatusCode.OK);
        var removed = await bobLive.WaitForAsync(ChatHub.ReactionsUpdated, m => m.Str("messageId") == id && m.GetProperty("reactions").GetArrayLength() == 1
            && m.GetProperty("reactions")[0].Str("emoji") == "🎉");
        // A repeat changes nothing: no change, no event.
        await ChatApiClient.ReadAsync(await bob.PutAsync($"api/messages/{id}/reactions", new { emoji = "🎉" }), HttpStatusCode.OK);

        var changes = (await SyncAsync(bob, start))["changes"]!.AsArray();
        Assert.Equal(["newMessage", "reactionsUpdated", "reactionsUpdated", "reactionsUpdated"], changes.Select(c => (string)c!["type"]!));
        Assert.Equal(added.Str("cursor"), (string)changes[1]!["cursor"]!);
        Assert.Equal(removed.Str("cursor"), (string)changes[3]!["cursor"]!);
        Assert.All(changes, c => Assert.Equal((string)c!["cursor"]!, (string)c["data"]!["cursor"]!));
        Assert.All(changes.Skip(1), c =>
        {
            Assert.Equal(id, (string)c!["data"]!["messageId"]!);
            // The data is the message's reactions as they are now.
            Assert.Equal(["🎉"], c["data"]!["reactions"]!.AsArray().Select(r => (string)r!["emoji"]!));
        });
    }

    [Fact]
    public async Task SyncPagesWithHasMoreAndLosesNothingBetweenPages()
    {
        var (alice, bob) = (await ChatApiClient.RegisterAsync(Http, "sync"), await ChatApiClient.RegisterAsync(Http, "sync"));
        var cursor = (string)(await SyncAsync(bob, null))["cursor"]!;
        var sent = new List<string>();
        for (var i = 0; i < 7; i++)
        {
            sent.Add((string)(await alice.SendMessageAsync(new { receiverId = bob.UserId, content = $"m{i}" }))["id"]!);
        }

        var received = new List<string>();
        var pages = 0;
        JsonNode answer;
        do
        {
            answer = await SyncAsync(bob, cursor, limit: 3);
            received.AddRange(answer["changes"]!.AsArray().Select(c => (string)c!["data"]!["id"]!));
            cursor = (string)answer["cursor"]!;
            pages++;
        }
        while ((bool)answer["hasMore"]!);

        Assert.Equal(sent, received);
        Assert.Equal(3, pages);
    }

    [Fact]
    public async Task AMalformedCursorIs400AndOneOlderThanTheKeptHistoryIs410()
    {
        var alice = await ChatApiClient.RegisterAsync(Http, "sync");
        var old = new SyncCursor(DateTimeOffset.UtcNow.AddDays(-31).ToUnixTimeMilliseconds(), new Dictionary<ulong, long>()).Encode();

        await ChatApiClient.ReadProblemAsync(await alice.GetAsync("api/sync?since=not-a-cursor!"), HttpStatusCode.BadRequest);
        await ChatApiClient.ReadProblemAsync(await alice.GetAsync("api/sync?since=AQ"), HttpStatusCode.BadRequest);
        await ChatApiClient.ReadProblemAsync(await alice.GetAsync("api/sync?limit=501"), HttpStatusCode.BadRequest);
        await ChatApiClient.ReadProblemAsync(await alice.GetAsync($"api/sync?since={old}"), HttpStatusCode.Gone);
    }

    private static async Task<JsonNode> SyncAsync(ChatApiClient user, string? since, int? limit = null)
    {
        var query = string.Join('&', new[] { since is null ? null : $"since={Uri.EscapeDataString(since)}", limit is null ? null : $"limit={limit}" }.Where(q => q is not null));
        return await ChatApiClient.ReadAsync(await user.GetAsync($"api/sync?{query}"), HttpStatusCode.OK);
    }
}
