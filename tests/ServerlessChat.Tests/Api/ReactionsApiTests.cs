using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using ServerlessChat.Tests.Infrastructure;

namespace ServerlessChat.Tests.Api;

[Collection(SharedHostCollection.Name)]
public sealed class ReactionsApiTests(SharedHostFixture fixture)
{
    private readonly HttpClient _http = fixture.Host.Client;

    [Fact]
    public async Task ReactionsListEmojiInOrderOfFirstUseWithTheirUsersInOrderOfReacting()
    {
        var (alice, bob, carol) = await TrioAsync();
        var groupId = (string)(await alice.CreateGroupAsync("team", bob.UserId, carol.UserId))["id"]!;
        var id = (string)(await alice.SendMessageAsync(new { groupId, content = "shipped" }))["id"]!;

        await ReactAsync(carol, id, "🎉");
        await ReactAsync(alice, id, "👍🏽");
        await ReactAsync(bob, id, "🎉");
        var last = await ReactAsync(alice, id, "🎉");

        var reactions = last["reactions"]!.AsArray();
        Assert.Equal(["🎉", "👍🏽"], reactions.Select(r => (string)r!["emoji"]!));
        Assert.Equal(3, (int)reactions[0]!["count"]!);
        Assert.Equal([carol.UserId, bob.UserId, alice.UserId], reactions[0]!["userIds"]!.AsArray().Select(u => (string)u!));
        Assert.Equal([alice.UserId], reactions[1]!["userIds"]!.AsArray().Select(u => (string)u!));
        var inHistory = Assert.Single(await RepliesApiTests.HistoryAsync(bob, $"groupId={groupId}"));
        Assert.Equal(reactions.ToJsonString(), inHistory["reactions"]!.ToJsonString());
    }

    [Fact]
    public async Task ReactingAgainWithTheSameEmojiAnswersTheMessageUnchanged()
    {
        var (alice, bob, _) = await TrioAsync();
        var id = (string)(await alice.SendMessageAsync(new { receiverId = bob.UserId, content = "hi" }))["id"]!;

        var first = await ReactAsync(bob, id, "❤️");
        var again = await ReactAsync(bob, id, "❤️");

        Assert.Equal(first.ToJsonString(), again.ToJsonString());
        Assert.Equal(1, (int)again["reactions"]![0]!["count"]!);
    }

    [Theory]
    [InlineData("1️⃣")]
    [InlineData("🇯🇵")]
    [InlineData("👩🏾‍💻")]
    [InlineData("🏳️‍🌈")]
    [InlineData("#️⃣")]
    public async Task RemovingAReactionTakesTheEmojiUrlEncoded(string emoji)
    {
        var (alice, bob, _) = await TrioAsync();
        var id = (string)(await alice.SendMessageAsync(new { receiverId = bob.UserId, content = "hi" }))["id"]!;
        await ReactAsync(bob, id, emoji);
        await ReactAsync(alice, id, emoji);

        var after = await ChatApiClient.ReadAsync(await bob.DeleteAsync($"api/messages/{id}/reactions/{Uri.EscapeDataString(emoji)}"), HttpStatusCode.OK);

        var reaction = Assert.Single(after["reactions"]!.AsArray())!;
        Assert.Equal(emoji, (string)reaction["emoji"]!);
        Assert.Equal([alice.UserId], reaction["userIds"]!.AsArray().Select(u => (string)u!));
        var again = await ChatApiClient.ReadAsync(await bob.DeleteAsync($"api/messages/{id}/reactions/{Uri.EscapeDataString(emoji)}"), HttpStatusCode.OK);
        Assert.Equal(after.ToJsonString(), again.ToJsonString());
    }

    [Theory]
    [InlineData("1")]
    [InlineData("#")]
    [InlineData("*")]
    [InlineData("a")]
    [InlineData("☺")]
    [InlineData("👍👍")]
    [InlineData("👍 ")]
    [InlineData(":)")]
    [InlineData("")]
    public async Task AnythingButOneFullyQualifiedEmojiIsRefused(string emoji)
    {
        var (alice, bob, _) = await TrioAsync();
        var id = (string)(await alice.SendMessageAsync(new { receiverId = bob.UserId, content = "hi" }))["id"]!;

        var problem = await ChatApiClient.ReadProblemAsync(await bob.PutAsync($"api/messages/{id}/reactions", new { emoji }), HttpStatusCode.BadRequest);

        Assert.NotNull(problem["errors"]!["emoji"]);
        Assert.Empty(Assert.Single(await RepliesApiTests.HistoryAsync(bob, $"with={alice.UserId}"))["reactions"]!.AsArray());
    }

    [Fact]
    public async Task AnEmojiOfFiveThousandCombiningMarksIsRefusedQuickly()
    {
        var (alice, bob, _) = await TrioAsync();
        var id = (string)(await alice.SendMessageAsync(new { receiverId = bob.UserId, content = "hi" }))["id"]!;
        var hostile = "👍" + new string('\u0301', 5000);

        var watch = Stopwatch.StartNew();
        await ChatApiClient.ReadProblemAsync(await bob.PutAsync($"api/messages/{id}/reactions", new { emoji = hostile }), HttpStatusCode.BadRequest);
        // In a URL the host's request-line limit comes first; a thousand marks still fit it.
        var inUrl = "👍" + new string('\u0301', 1000);
        await ChatApiClient.ReadProblemAsync(await bob.DeleteAsync($"api/messages/{id}/reactions/{Uri.EscapeDataString(inUrl)}"), HttpStatusCode.BadRequest);

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"took {watch.Elapsed}");
    }

    [Fact]
    public async Task AMessageTakesAtMostTwentyDifferentEmoji()
    {
        var (alice, bob, _) = await TrioAsync();
        var id = (string)(await alice.SendMessageAsync(new { receiverId = bob.UserId, content = "hi" }))["id"]!;
        var emoji = new[] { "😀", "😃", "😄", "😁", "😆", "😅", "🤣", "😂", "🙂", "🙃", "😉", "😊", "😇", "🥰", "😍", "🤩", "😘", "😗", "😚", "😙" };
        foreach (var e in emoji)
        {
            await ReactAsync(bob, id, e);
        }

        var problem = await ChatApiClient.ReadProblemAsync(await bob.PutAsync($"api/messages/{id}/reactions", new { emoji = "🤔" }), HttpStatusCode.Conflict);

        Assert.Contains("20", (string)problem["detail"]!, StringComparison.Ordinal);
        var stillAllowed = await ReactAsync(alice, id, "😀");
        Assert.Equal(20, stillAllowed["reactions"]!.AsArray().Count);
        Assert.Equal(2, (int)stillAllowed["reactions"]![0]!["count"]!);
    }

    [Fact]
    public async Task ADeletedMessageTakesNoReactionsAndLosesTheOnesItHad()
    {
        var (alice, bob, _) = await TrioAsync();
        var id = (string)(await alice.SendMessageAsync(new { receiverId = bob.UserId, content = "hi" }))["id"]!;
        await ReactAsync(bob, id, "👍");

        Assert.Equal(HttpStatusCode.NoContent, (await alice.DeleteAsync($"api/messages/{id}")).StatusCode);

        await ChatApiClient.ReadProblemAsync(await bob.PutAsync($"api/messages/{id}/reactions", new { emoji = "👍" }), HttpStatusCode.Conflict);
        await ChatApiClient.ReadProblemAsync(await bob.DeleteAsync($"api/messages/{id}/reactions/{Uri.EscapeDataString("👍")}"), HttpStatusCode.Conflict);
        Assert.Empty(Assert.Single(await RepliesApiTests.HistoryAsync(bob, $"with={alice.UserId}"))["reactions"]!.AsArray());
    }

    [Fact]
    public async Task ReactionsOnAMessageTheCallerCannotSeeAnswerNotFound()
    {
        var (alice, bob, carol) = await TrioAsync();
        var id = (string)(await alice.SendMessageAsync(new { receiverId = bob.UserId, content = "private" }))["id"]!;
        var groupId = (string)(await alice.CreateGroupAsync("closed", bob.UserId))["id"]!;
        var inGroup = (string)(await alice.SendMessageAsync(new { groupId, content = "members only" }))["id"]!;

        foreach (var target in new[] { id, inGroup, "0123456789abcdef01234567", "not-an-id" })
        {
            await ChatApiClient.ReadProblemAsync(await carol.PutAsync($"api/messages/{target}/reactions", new { emoji = "👍" }), HttpStatusCode.NotFound);
            await ChatApiClient.ReadProblemAsync(await carol.DeleteAsync($"api/messages/{target}/reactions/{Uri.EscapeDataString("👍")}"), HttpStatusCode.NotFound);
        }

        Assert.Empty(Assert.Single(await RepliesApiTests.HistoryAsync(bob, $"with={alice.UserId}"))["reactions"]!.AsArray());
    }

    [Fact]
    public async Task FiftyMembersReactingAtOnceAreAllCounted()
    {
        var owner = await ChatApiClient.RegisterAsync(_http, "owner");
        var members = await Task.WhenAll(Enumerable.Range(0, 49).Select(_ => ChatApiClient.RegisterAsync(_http, "fan")));
        var groupId = (string)(await owner.CreateGroupAsync("fans", members.Select(m => m.UserId).ToArray()))["id"]!;
        var id = (string)(await owner.SendMessageAsync(new { groupId, content = "vote" }))["id"]!;
        var everyone = members.Append(owner).ToList();

        var answers = await Task.WhenAll(everyone.Select(u => u.PutAsync($"api/messages/{id}/reactions", new { emoji = "🔥" })));

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.StatusCode));
        var reaction = Assert.Single(Assert.Single(await RepliesApiTests.HistoryAsync(owner, $"groupId={groupId}"))["reactions"]!.AsArray())!;
        Assert.Equal(50, (int)reaction["count"]!);
        Assert.Equal(everyone.Select(u => u.UserId).Order(), reaction["userIds"]!.AsArray().Select(u => (string)u!).Order());
    }

    internal static async Task<JsonNode> ReactAsync(ChatApiClient user, string messageId, string emoji) =>
        await ChatApiClient.ReadAsync(await user.PutAsync($"api/messages/{messageId}/reactions", new { emoji }), HttpStatusCode.OK);

    private async Task<(ChatApiClient, ChatApiClient, ChatApiClient)> TrioAsync() =>
        (await ChatApiClient.RegisterAsync(_http, "alice"), await ChatApiClient.RegisterAsync(_http, "bob"), await ChatApiClient.RegisterAsync(_http, "carol"));
}
