using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using ServerlessChat.Tests.Infrastructure;

namespace ServerlessChat.Tests.Api;

[Collection(SharedHostCollection.Name)]
public sealed class RepliesApiTests(SharedHostFixture fixture)
{
    private readonly HttpClient _http = fixture.Host.Client;

    [Fact]
    public async Task AReplyCarriesTheMessageItAnswersInItsAnswerAndInHistory()
    {
        var (alice, bob) = await PairAsync();
        var original = await alice.SendMessageAsync(new { receiverId = bob.UserId, content = "lunch at noon?" });

        var reply = await bob.SendMessageAsync(new { receiverId = alice.UserId, content = "yes", replyToId = (string)original["id"]! });

        AssertReplyTo(reply, (string)original["id"]!, alice.UserId, "lunch at noon?", deleted: false);
        var history = await HistoryAsync(alice, $"with={bob.UserId}");
        AssertReplyTo(history[0], (string)original["id"]!, alice.UserId, "lunch at noon?", deleted: false);
        Assert.Null(history[1]["replyTo"]);
        Assert.Empty(history[1]["reactions"]!.AsArray());
        Assert.Empty(history[1]["mentions"]!.AsArray());
    }

    [Fact]
    public async Task AReplyToAMessageOfAnotherConversationIsRefusedNamingReplyToId()
    {
        var (alice, bob) = await PairAsync();
        var carol = await ChatApiClient.RegisterAsync(_http, "carol");
        var own = await alice.SendMessageAsync(new { receiverId = carol.UserId, content = "alice to carol" });
        var dave = await ChatApiClient.RegisterAsync(_http, "dave");
        var unseen = await carol.SendMessageAsync(new { receiverId = dave.UserId, content = "carol to dave" });

        foreach (var replyToId in new[] { (string)own["id"]!, (string)unseen["id"]!, "0123456789abcdef01234567" })
        {
            var problem = await ChatApiClient.ReadProblemAsync(
                await alice.PostAsync("api/messages", new { receiverId = bob.UserId, content = "re", replyToId }), HttpStatusCode.BadRequest);
            Assert.NotNull(problem["errors"]!["replyToId"]);
        }

        Assert.Empty(await HistoryAsync(alice, $"with={bob.UserId}"));
    }

    [Fact]
    public async Task AReplyToADeletedMessageShowsItDeletedWithoutItsText()
    {
        var (alice, bob) = await PairAsync();
        var original = await alice.SendMessageAsync(new { receiverId = bob.UserId, content = "secret plan" });
        await bob.SendMessageAsync(new { receiverId = alice.UserId, content = "ok", replyToId = (string)original["id"]! });

        Assert.Equal(HttpStatusCode.NoContent, (await alice.DeleteAsync($"api/messages/{original["id"]}")).StatusCode);

        var reply = (await HistoryAsync(bob, $"with={alice.UserId}"))[0];
        AssertReplyTo(reply, (string)original["id"]!, alice.UserId, "", deleted: true);
    }

    [Fact]
    public async Task ThePreviewKeepsTheFirst120UserPerceivedCharactersWithoutSplittingOne()
    {
        var (alice, bob) = await PairAsync();
        // A family emoji is 11 UTF-16 units and one text element; e plus a combining accent is two units, one element.
        const string family = "👨‍👩‍👧‍👦";
        var content = string.Concat(Enumerable.Repeat(family + "e\u0301", 70));
        var original = await alice.SendMessageAsync(new { receiverId = bob.UserId, content });

        var reply = await bob.SendMessageAsync(new { receiverId = alice.UserId, content = "wow", replyToId = (string)original["id"]! });

        var preview = (string)reply["replyTo"]!["preview"]!;
        var stored = (string)original["content"]!;
        Assert.Equal(120, new StringInfo(preview).LengthInTextElements);
        Assert.StartsWith(preview, stored, StringComparison.Ordinal);
        Assert.Equal(stored[..preview.Length], preview);
    }

    private static void AssertReplyTo(JsonNode message, string id, string senderId, string preview, bool deleted)
    {
        var replyTo = message["replyTo"]!;
        Assert.Equal(id, (string)replyTo["id"]!);
        Assert.Equal(senderId, (string)replyTo["senderId"]!);
        Assert.Equal(preview, (string)replyTo["preview"]!);
        Assert.Equal(deleted, (bool)replyTo["deleted"]!);
    }

    private async Task<(ChatApiClient, ChatApiClient)> PairAsync() =>
        (await ChatApiClient.RegisterAsync(_http, "alice"), await ChatApiClient.RegisterAsync(_http, "bob"));

    internal static async Task<List<JsonNode>> HistoryAsync(ChatApiClient caller, string query)
    {
        var page = await ChatApiClient.ReadAsync(await caller.GetAsync($"api/messages?{query}"), HttpStatusCode.OK);
        // The messages users wrote: a group's system messages (created, ...) are SystemMessagesApiTests' concern.
        return page["items"]!.AsArray().Select(m => m!).Where(m => m["system"] is null).ToList();
    }
}
