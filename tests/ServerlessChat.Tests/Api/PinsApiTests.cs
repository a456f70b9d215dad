using System.Net;
using System.Text.Json.Nodes;
using ServerlessChat.Core.Realtime;
using ServerlessChat.Tests.Infrastructure;
using ServerlessChat.Tests.Realtime;

namespace ServerlessChat.Tests.Api;

/// <summary>Pinned messages over HTTP, on the store the shared host runs on (MongoDB when CHAT_TEST_MONGODB is set).</summary>
[Collection(SharedHostCollection.Name)]
public sealed class PinsApiTests(SharedHostFixture fixture)
{
    private HttpClient Http => fixture.Host.Client;

    [Fact]
    public async Task EitherSideOfADirectConversationPinsAndThePeerHearsItAsMessageUpdated()
    {
        var (alice, bob) = (await ChatApiClient.RegisterAsync(Http, "pin"), await ChatApiClient.RegisterAsync(Http, "pin"));
        var first = (string)(await alice.SendMessageAsync(new { receiverId = bob.UserId, content = "first" }))["id"]!;
        var second = (string)(await bob.SendMessageAsync(new { receiverId = alice.UserId, content = "second" }))["id"]!;
        var start = await SyncStartAsync(alice);
        await using var aliceOnline = await RealtimeClient.ConnectAsync(fixture.Host.BaseAddress, alice.UserId, alice.AccessToken);

        var pinned = await ChatApiClient.ReadAsync(await bob.PutAsync($"api/messages/{first}/pin", null), HttpStatusCode.OK);
        Assert.Equal(bob.UserId, (string?)pinned["pinnedBy"]);
        Assert.NotNull((string?)pinned["pinnedAt"]);
        var heard = await aliceOnline.WaitForAsync(ChatHub.MessageUpdated, m => m.Str("id") == first);
        Assert.Equal(bob.UserId, heard.Str("pinnedBy"));
        Assert.NotNull(heard.Str("cursor"));
        await ChatApiClient.ReadAsync(await alice.PutAsync($"api/messages/{second}/pin", null), HttpStatusCode.OK);

        // Again: 200 with the message as it is, and no new event or change.
        var again = await ChatApiClient.ReadAsync(await bob.PutAsync($"api/messages/{first}/pin", null), HttpStatusCode.OK);
        Assert.Equal((string?)pinned["pinnedAt"], (string?)again["pinnedAt"]);

        var conversationId = (string)pinned["conversationId"]!;
        var list = await ChatApiClient.ReadAsync(await alice.GetAsync($"api/conversations/{Uri.EscapeDataString(conversationId)}/pins"), HttpStatusCode.OK);
        Assert.Equal([second, first], Ids(list));
        var history = (await ChatApiClient.ReadAsync(await alice.GetAsync($"api/messages?with={bob.UserId}"), HttpStatusCode.OK))["items"]!.AsArray();
        Assert.All(history, m => Assert.NotNull((string?)m!["pinnedAt"]));

        var synced = await SyncAllAsync(alice, start);
        Assert.Equal([first, second], synced.Where(c => (string)c["type"]! == "messageUpdated").Select(c => (string)c["data"]!["id"]!));
        Assert.All(synced.Where(c => (string)c["type"]! == "messageUpdated"), c => Assert.NotNull((string?)c["data"]!["pinnedBy"]));

        var unpinned = await ChatApiClient.ReadAsync(await alice.DeleteAsync($"api/messages/{first}/pin"), HttpStatusCode.OK);
        Assert.Null(unpinned["pinnedAt"]);
        Assert.Null(unpinned["pinnedBy"]);
        await aliceOnline.WaitForAsync(ChatHub.MessageUpdated, m => m.Str("id") == first && m.Str("pinnedAt") is null);
        Assert.Equal([second], Ids(await ChatApiClient.ReadAsync(await bob.GetAsync($"api/conversations/{Uri.EscapeDataString(conversationId)}/pins"), HttpStatusCode.OK)));
        await ChatApiClient.ReadAsync(await alice.DeleteAsync($"api/messages/{first}/pin"), HttpStatusCode.OK);
    }

    [Fact]
    public async Task InAGroupOnlyAdminsPinAndOutsidersSeeNeitherThePinsNorTheMessage()
    {
        var (admin, member, outsider) = (await ChatApiClient.RegisterAsync(Http, "pin"), await ChatApiClient.RegisterAsync(Http, "pin"), await ChatApiClient.RegisterAsync(Http, "pin"));
        var group = await admin.CreateGroupAsync("pins", member.UserId);
        var groupId = (string)group["id"]!;
        var id = (string)(await member.SendMessageAsync(new { groupId, content = "pin me" }))["id"]!;
        var pinsPath = $"api/conversations/{Uri.EscapeDataString($"g:{groupId}")}/pins";

        await ChatApiClient.ReadProblemAsync(await member.PutAsync($"api/messages/{id}/pin", null), HttpStatusCode.Forbidden);
        await ChatApiClient.ReadProblemAsync(await outsider.PutAsync($"api/messages/{id}/pin", null), HttpStatusCode.NotFound);
        await ChatApiClient.ReadProblemAsync(await outsider.GetAsync(pinsPath), HttpStatusCode.NotFound);
        await ChatApiClient.ReadProblemAsync(await outsider.GetAsync("api/conversations/nonsense/pins"), HttpStatusCode.NotFound);
        Assert.Empty((await ChatApiClient.ReadAsync(await member.GetAsync(pinsPath), HttpStatusCode.OK))["items"]!.AsArray());

        await ChatApiClient.ReadAsync(await admin.PutAsync($"api/messages/{id}/pin", null), HttpStatusCode.OK);
        await ChatApiClient.ReadProblemAsync(await member.DeleteAsync($"api/messages/{id}/pin"), HttpStatusCode.Forbidden);
        Assert.Equal([id], Ids(await ChatApiClient.ReadAsync(await member.GetAsync(pinsPath), HttpStatusCode.OK)));

        // A deleted message loses its pin and takes no new one.
        Assert.Equal(HttpStatusCode.NoContent, (await member.DeleteAsync($"api/messages/{id}")).StatusCode);
        Assert.Empty((await ChatApiClient.ReadAsync(await member.GetAsync(pinsPath), HttpStatusCode.OK))["items"]!.AsArray());
        await ChatApiClient.ReadProblemAsync(await admin.PutAsync($"api/messages/{id}/pin", null), HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task SixtyConcurrentPinsInOneConversationPinExactlyFifty()
    {
        var alice = await ChatApiClient.RegisterAsync(Http, "pin");
        for (var round = 0; round < 2; round++)
        {
            var carol = await ChatApiClient.RegisterAsync(Http, "pin");
            var ids = new List<string>();
            for (var i = 0; i < 60; i++)
            {
                ids.Add((string)(await alice.SendMessageAsync(new { receiverId = carol.UserId, content = $"m{i}" }))["id"]!);
            }

            var responses = await Task.WhenAll(ids.Select((id, i) => (i % 2 == 0 ? alice : carol).PutAsync($"api/messages/{id}/pin", null)));

            var statuses = responses.Select(r => r.StatusCode).ToList();
            Assert.Equal(50, statuses.Count(s => s == HttpStatusCode.OK));
            Assert.Equal(10, statuses.Count(s => s == HttpStatusCode.Conflict));
            foreach (var refused in responses.Where(r => r.StatusCode == HttpStatusCode.Conflict))
            {
                await ChatApiClient.ReadProblemAsync(refused, HttpStatusCode.Conflict);
            }
            var conversationId = (string)(await ChatApiClient.ReadAsync(responses.First(r => r.StatusCode == HttpStatusCode.OK), HttpStatusCode.OK))["conversationId"]!;
            var listed = Ids(await ChatApiClient.ReadAsync(await carol.GetAsync($"api/conversations/{Uri.EscapeDataString(conversationId)}/pins"), HttpStatusCode.OK));
            Assert.Equal(50, listed.Distinct().Count());
        }
    }

    private static List<string> Ids(JsonNode list) => list["items"]!.AsArray().Select(m => (string)m!["id"]!).ToList();

    internal static async Task<string> SyncStartAsync(ChatApiClient user) =>
        (string)(await ChatApiClient.ReadAsync(await user.GetAsync("api/sync"), HttpStatusCode.OK))["cursor"]!;

    /// <summary>Every change after the cursor, page by page.</summary>
    internal static async Task<List<JsonNode>> SyncAllAsync(ChatApiClient user, string cursor)
    {
        var changes = new List<JsonNode>();
        JsonNode answer;
        do
        {
            answer = await ChatApiClient.ReadAsync(await user.GetAsync($"api/sync?since={Uri.EscapeDataString(cursor)}&limit=500"), HttpStatusCode.OK);
            changes.AddRange(answer["changes"]!.AsArray().Select(c => c!));
            cursor = (string)answer["cursor"]!;
        }
        while ((bool)answer["hasMore"]!);
        return changes;
    }
}
