using System.Net;
using System.Text.Json.Nodes;
using ServerlessChat.Tests.Infrastructure;

namespace ServerlessChat.Tests.Api;

/// <summary>
/// Concurrent writes to one conversation, on the store the hosts run on (MongoDB when CHAT_TEST_MONGODB is set):
/// every acknowledged write is stored and has its change, each change is in sync once, and every reader's sync
/// lists them in one order, whatever its page size.
/// </summary>
[Collection(SharedHostCollection.Name)]
public sealed class BurstTests(SharedHostFixture fixture)
{
    private HttpClient Http => fixture.Host.Client;

    [Fact]
    public async Task TwoHundredConcurrentSendsToOneConversationAreAllInHistoryAndInSyncInOneOrder()
    {
        var (alice, bob) = (await ChatApiClient.RegisterAsync(Http, "burst"), await ChatApiClient.RegisterAsync(Http, "burst"));
        var (aliceStart, bobStart) = (await StartAsync(alice), await StartAsync(bob));

        var responses = await Task.WhenAll(Enumerable.Range(0, 200).Select(i =>
            alice.PostAsync("api/messages", new { receiverId = bob.UserId, content = $"burst {i}", clientMessageId = $"burst-{i}" })));
        var statuses = responses.Select(r => r.StatusCode).ToList();
        Assert.All(statuses, s => Assert.Equal(HttpStatusCode.Created, s));
        var sent = new List<string>();
        foreach (var response in responses)
        {
            sent.Add((string)(await ChatApiClient.ReadAsync(response, HttpStatusCode.Created))["id"]!);
        }

        var history = new List<string>();
        string? before = null;
        do
        {
            var page = await ChatApiClient.ReadAsync(
                await bob.GetAsync($"api/messages?with={alice.UserId}&limit=100" + (before is null ? "" : $"&before={before}")), HttpStatusCode.OK);
            history.AddRange(page["items"]!.AsArray().Select(m => (string)m!["id"]!));
            before = (string?)page["nextBefore"];
        }
        while (before is not null);
        Assert.Equal(sent.Order(StringComparer.Ordinal), history.Order(StringComparer.Ordinal));

        var bobSync = await SyncAllAsync(bob, bobStart, limit: 500);
        var bobPaged = await SyncAllAsync(bob, bobStart, limit: 37);
        var aliceSync = await SyncAllAsync(alice, aliceStart, limit: 64);
        Assert.All(bobSync, c => Assert.Equal("newMessage", c.Type));
        Assert.Equal(sent.Order(StringComparer.Ordinal), bobSync.Select(c => c.Id).Order(StringComparer.Ordinal));
        Assert.Equal(bobSync, bobPaged);
        Assert.Equal(bobSync, aliceSync);
    }

    [Fact]
    public async Task FiftyConcurrentReactionsToOneMessageAreAllStoredAndInSyncInOneOrder()
    {
        var members = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => ChatApiClient.RegisterAsync(Http, "burst")));
        var owner = members[0];
        var groupId = (string)(await owner.CreateGroupAsync("burst", members.Skip(1).Select(m => m.UserId).ToArray()))["id"]!;
        var id = (string)(await owner.SendMessageAsync(new { groupId, content = "react to me" }))["id"]!;
        var (ownerStart, lastStart) = (await StartAsync(owner), await StartAsync(members[^1]));
        string[] emoji = ["👍", "🎉", "❤️", "😂", "🚀"];

        var responses = await Task.WhenAll(members.SelectMany(m => emoji.Select(e => m.PutAsync($"api/messages/{id}/reactions", new { emoji = e }))));
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));

        var message = Assert.Single((await ChatApiClient.ReadAsync(await owner.GetAsync($"api/messages?groupId={groupId}"), HttpStatusCode.OK))["items"]!.AsArray(), m => m!["system"] is null)!;
        var reactions = message["reactions"]!.AsArray();
        Assert.Equal(emoji.Order(StringComparer.Ordinal), reactions.Select(r => (string)r!["emoji"]!).Order(StringComparer.Ordinal));
        Assert.All(reactions, r => Assert.Equal(members.Length, (int)r!["count"]!));

        // A cursor to start from is settled, so the group and the message may come first.
        var ownerSync = (await SyncAllAsync(owner, ownerStart, limit: 500)).Where(c => c.Type == "reactionsUpdated").ToList();
        var lastSync = (await SyncAllAsync(members[^1], lastStart, limit: 7)).Where(c => c.Type == "reactionsUpdated").ToList();
        Assert.Equal(50, ownerSync.Count);
        Assert.All(ownerSync, c => Assert.Equal(id, c.Id));
        Assert.Equal(ownerSync, lastSync);
    }

    [Fact]
    public async Task FiftyConcurrentEditsOfOneMessageAreAllInSyncInOneOrderAndTheLastOneStands()
    {
        var (alice, bob) = (await ChatApiClient.RegisterAsync(Http, "burst"), await ChatApiClient.RegisterAsync(Http, "burst"));
        var id = (string)(await alice.SendMessageAsync(new { receiverId = bob.UserId, content = "draft" }))["id"]!;
        var (aliceStart, bobStart) = (await StartAsync(alice), await StartAsync(bob));

        var responses = await Task.WhenAll(Enumerable.Range(0, 50).Select(i => alice.PatchAsync($"api/messages/{id}", new { content = $"edit {i}" })));
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));

        // A cursor to start from is settled, so the message may come first.
        var bobSync = (await SyncAllAsync(bob, bobStart, limit: 500)).Where(c => c.Type == "messageUpdated").ToList();
        var alicePaged = (await SyncAllAsync(alice, aliceStart, limit: 9)).Where(c => c.Type == "messageUpdated").ToList();
        Assert.Equal(50, bobSync.Count);
        Assert.All(bobSync, c => Assert.Equal(id, c.Id));
        Assert.Equal(bobSync, alicePaged);
        var stored = Assert.Single((await ChatApiClient.ReadAsync(await bob.GetAsync($"api/messages?with={alice.UserId}"), HttpStatusCode.OK))["items"]!.AsArray())!;
        Assert.StartsWith("edit ", (string)stored["content"]!, StringComparison.Ordinal);
        // Sync's data is the message as it stands: every change shows the edit that stands.
        Assert.All(bobSync, c => Assert.Equal((string)stored["content"]!, c.Content));
    }

    private sealed record SyncedChange(string Type, string Id, string Cursor, string? Content);

    private static async Task<string> StartAsync(ChatApiClient user) =>
        (string)(await ChatApiClient.ReadAsync(await user.GetAsync("api/sync"), HttpStatusCode.OK))["cursor"]!;

    /// <summary>Every change after <paramref name="cursor"/>, page by page, as (type, entity, cursor).</summary>
    private static async Task<List<SyncedChange>> SyncAllAsync(ChatApiClient user, string cursor, int limit)
    {
        var changes = new List<SyncedChange>();
        JsonNode answer;
        do
        {
            answer = await ChatApiClient.ReadAsync(await user.GetAsync($"api/sync?since={Uri.EscapeDataString(cursor)}&limit={limit}"), HttpStatusCode.OK);
            foreach (var change in answer["changes"]!.AsArray())
            {
                var data = change!["data"]!;
                var id = (string?)data["messageId"] ?? (string)data["id"]!;
                changes.Add(new((string)change["type"]!, id, (string)change["cursor"]!, (string?)data["content"]));
            }
            cursor = (string)answer["cursor"]!;
        }
        while ((bool)answer["hasMore"]!);
        Assert.Equal(changes.Count, changes.Select(c => c.Cursor).Distinct().Count());
        return changes;
    }
}
