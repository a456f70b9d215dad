using System.Net;
using System.Text.Json.Nodes;
using ServerlessChat.Tests.Infrastructure;

namespace ServerlessChat.Tests.Api;

[Collection(SharedHostCollection.Name)]
public sealed class SearchApiTests(SharedHostFixture fixture)
{
    private readonly HttpClient _http = fixture.Host.Client;

    [Fact]
    public async Task WordsAndWordPrefixesMatchIgnoringCaseAndAccentsWithUtf16Highlights()
    {
        var (alice, bob) = await PairAsync();
        var word = Token();
        var content = $"🚀 Le DÉPLOIEMENT{word} est prévu, redéploiement{word} non";
        var id = (string)(await alice.SendMessageAsync(new { receiverId = bob.UserId, content }))["id"]!;

        var page = await SearchAsync(bob, $"deploiement{word[..3]}");

        var hit = Assert.Single(page["items"]!.AsArray())!;
        Assert.Equal(id, (string)hit["message"]!["id"]!);
        var highlight = Assert.Single(hit["highlights"]!.AsArray())!.AsArray().Select(n => (int)n!).ToArray();
        Assert.Equal($"DÉPLOIEMENT{word}", content[highlight[0]..highlight[1]]);
        Assert.True((bool)page["complete"]!);
        Assert.Empty((await SearchAsync(bob, $"ploiement{word}"))["items"]!.AsArray());
    }

    [Fact]
    public async Task EveryQueryWordMustMatch()
    {
        var (alice, bob) = await PairAsync();
        var word = Token();
        var both = (string)(await alice.SendMessageAsync(new { receiverId = bob.UserId, content = $"red{word} apple{word}" }))["id"]!;
        await alice.SendMessageAsync(new { receiverId = bob.UserId, content = $"red{word} pear" });

        var page = await SearchAsync(alice, $"Apple{word} RED{word}");

        Assert.Equal([both], Ids(page));
        Assert.Equal(2, Assert.Single(page["items"]!.AsArray())!["highlights"]!.AsArray().Count);
    }

    [Fact]
    public async Task ResultsComeNewestFirstPageByPage()
    {
        var (alice, bob) = await PairAsync();
        var word = Token();
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add((string)(await alice.SendMessageAsync(new { receiverId = bob.UserId, content = $"item{word} {i}" }))["id"]!);
        }

        var first = await SearchAsync(bob, $"item{word}", "&limit=2");
        var second = await SearchAsync(bob, $"item{word}", $"&limit=2&before={first["nextBefore"]}");
        var third = await SearchAsync(bob, $"item{word}", $"&limit=2&before={second["nextBefore"]}");

        Assert.Equal(Enumerable.Reverse(ids), Ids(first).Concat(Ids(second)).Concat(Ids(third)));
        Assert.Null((string?)third["nextBefore"]);
    }

    [Fact]
    public async Task DeletedMessagesNeverMatchAndEditedOnesMatchTheirCurrentTextOnly()
    {
        var (alice, bob) = await PairAsync();
        var word = Token();
        var deleted = (string)(await alice.SendMessageAsync(new { receiverId = bob.UserId, content = $"gone{word}" }))["id"]!;
        var edited = (string)(await alice.SendMessageAsync(new { receiverId = bob.UserId, content = $"before{word}" }))["id"]!;
        Assert.Equal(HttpStatusCode.NoContent, (await alice.DeleteAsync($"api/messages/{deleted}")).StatusCode);
        await ChatApiClient.ReadAsync(await alice.PatchAsync($"api/messages/{edited}", new { content = $"after{word}" }), HttpStatusCode.OK);

        Assert.Empty(Ids(await SearchAsync(bob, $"gone{word}")));
        Assert.Empty(Ids(await SearchAsync(bob, $"before{word}")));
        Assert.Equal([edited], Ids(await SearchAsync(bob, $"after{word}")));
    }

    [Fact]
    public async Task SearchCoversOnlyWhatTheCallerMayReadNow()
    {
        var (alice, bob) = await PairAsync();
        var carol = await ChatApiClient.RegisterAsync(_http, "carol");
        var word = Token();
        var groupId = (string)(await alice.CreateGroupAsync("team", bob.UserId))["id"]!;
        var inGroup = (string)(await alice.SendMessageAsync(new { groupId, content = $"plan{word} group" }))["id"]!;
        var direct = (string)(await alice.SendMessageAsync(new { receiverId = bob.UserId, content = $"plan{word} direct" }))["id"]!;
        await alice.SendMessageAsync(new { receiverId = carol.UserId, content = $"plan{word} for carol" });

        Assert.Equal([direct, inGroup], Ids(await SearchAsync(bob, $"plan{word}")));
        Assert.Equal([inGroup], Ids(await SearchAsync(bob, $"plan{word}", $"&groupId={groupId}")));
        Assert.Equal([direct], Ids(await SearchAsync(bob, $"plan{word}", $"&with={alice.UserId}")));
        await ChatApiClient.ReadProblemAsync(await carol.GetAsync($"api/search/messages?q=plan{word}&groupId={groupId}"), HttpStatusCode.NotFound);

        await ChatApiClient.ReadAsync(await bob.PutAsync($"api/groups/{groupId}/members", new { remove = new[] { bob.UserId } }), HttpStatusCode.OK);

        Assert.Equal([direct], Ids(await SearchAsync(bob, $"plan{word}")));
        await ChatApiClient.ReadProblemAsync(await bob.GetAsync($"api/search/messages?q=plan{word}&groupId={groupId}"), HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData(".*")]
    [InlineData("$where")]
    [InlineData("\\")]
    [InlineData("\"")]
    [InlineData("a OR b")]
    [InlineData("NEAR(a b)")]
    [InlineData("* - ^ :")]
    [InlineData("{\"$gt\": \"\"}")]
    public async Task RegexAndOperatorCharactersAreTakenLiterally(string q)
    {
        var (alice, bob) = await PairAsync();
        var word = Token();
        await alice.SendMessageAsync(new { receiverId = bob.UserId, content = $"nothing{word} to see" });

        var page = await SearchAsync(bob, q + " " + word);

        Assert.Empty(page["items"]!.AsArray());
        var plain = await SearchAsync(bob, q);
        Assert.All(plain["items"]!.AsArray(), hit => Assert.NotEmpty(hit!["highlights"]!.AsArray()));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public async Task AnEmptyOrOverlongQueryIsRefused(string q)
    {
        var (alice, _) = await PairAsync();
        foreach (var query in new[] { q, new string('a', 201) })
        {
            var problem = await ChatApiClient.ReadProblemAsync(await alice.GetAsync($"api/search/messages?q={Uri.EscapeDataString(query)}"), HttpStatusCode.BadRequest);
            Assert.NotNull(problem["errors"]!["q"]);
        }
    }

    private static string Token() => Guid.NewGuid().ToString("N")[..10].Replace('0', 'q').Replace('1', 'z');

    private static List<string> Ids(JsonNode page) => page["items"]!.AsArray().Select(h => (string)h!["message"]!["id"]!).ToList();

    private static async Task<JsonNode> SearchAsync(ChatApiClient user, string q, string rest = "") =>
        await ChatApiClient.ReadAsync(await user.GetAsync($"api/search/messages?q={Uri.EscapeDataString(q)}{rest}"), HttpStatusCode.OK);

    private async Task<(ChatApiClient, ChatApiClient)> PairAsync() =>
        (await ChatApiClient.RegisterAsync(_http, "alice"), await ChatApiClient.RegisterAsync(_http, "bob"));
}
