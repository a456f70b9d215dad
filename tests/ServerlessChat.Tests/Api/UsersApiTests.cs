using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ServerlessChat.Tests.Infrastructure;

namespace ServerlessChat.Tests.Api;

[Collection(SharedHostCollection.Name)]
public sealed class UsersApiTests(SharedHostFixture fixture)
{
    private readonly HttpClient _http = fixture.Host.Client;

    [Fact]
    public async Task MeAnswersTheCallersOwnUserWithEmail()
    {
        var user = await ChatApiClient.RegisterAsync(_http, "me");

        var me = await ChatApiClient.ReadAsync(await user.GetAsync("api/users/me"), HttpStatusCode.OK);

        Assert.Equal(user.UserId, (string)me["id"]!);
        Assert.Equal(user.Username, (string)me["username"]!);
        Assert.Equal(user.Email, (string)me["email"]!);
    }

    [Fact]
    public async Task SearchMatchesAUsernamePrefixIgnoringCaseAndHidesOtherUsersEmails()
    {
        var tag = Tag();
        var caller = await ChatApiClient.RegisterAsync(_http, "s");
        var target = await RegisterAsync($"{tag}Alpha", displayName: null);
        await RegisterAsync($"zz{tag}", displayName: null);

        var items = await SearchAsync(caller, tag.ToUpperInvariant());

        var found = Assert.Single(items);
        Assert.Equal(target, (string)found["id"]!);
        Assert.Null(found["email"]);
    }

    [Fact]
    public async Task SearchMatchesADisplayNamePrefixIgnoringCase()
    {
        var tag = Tag();
        var caller = await ChatApiClient.RegisterAsync(_http, "s");
        var target = await RegisterAsync(ChatApiClient.UniqueName("dn"), displayName: $"{tag} Émile");

        var items = await SearchAsync(caller, tag.ToUpperInvariant());

        Assert.Equal(target, (string)Assert.Single(items)["id"]!);
    }

    [Fact]
    public async Task SearchTreatsPercentAndUnderscoreAsLiteralCharacters()
    {
        var tag = Tag();
        var caller = await ChatApiClient.RegisterAsync(_http, "s");
        var underscored = await RegisterAsync($"{tag}_x", displayName: null);
        await RegisterAsync($"{tag}ax", displayName: null);
        var percent = await RegisterAsync(ChatApiClient.UniqueName("pc"), displayName: $"{tag}% off");
        await RegisterAsync(ChatApiClient.UniqueName("pc"), displayName: $"{tag}A off");

        var byUnderscore = await SearchAsync(caller, $"{tag}_");
        var byPercent = await SearchAsync(caller, $"{tag}%");
        var bareWildcard = await SearchAsync(caller, "%");

        Assert.Equal(underscored, (string)Assert.Single(byUnderscore)["id"]!);
        Assert.Equal(percent, (string)Assert.Single(byPercent)["id"]!);
        Assert.All(bareWildcard, u => Assert.True(((string)u["username"]!).StartsWith('%') || ((string)u["displayName"]!).StartsWith('%')));
    }

    [Fact]
    public async Task SearchHonoursTheLimit()
    {
        var tag = Tag();
        var caller = await ChatApiClient.RegisterAsync(_http, "s");
        for (var i = 0; i < 3; i++)
        {
            await RegisterAsync($"{tag}{i}", displayName: null);
        }

        Assert.Equal(3, (await SearchAsync(caller, tag)).Count);
        Assert.Equal(2, (await SearchAsync(caller, tag, "&limit=2")).Count);
        Assert.Single(await SearchAsync(caller, tag, "&limit=1"));
        Assert.Equal(3, (await SearchAsync(caller, tag, "&limit=50")).Count);
    }

    [Theory]
    [InlineData("search=ab&limit=0", "limit")]
    [InlineData("search=ab&limit=51", "limit")]
    [InlineData("search=ab&limit=-1", "limit")]
    [InlineData("search=ab&limit=ten", "limit")]
    [InlineData("limit=5", "search")]
    [InlineData("search=", "search")]
    public async Task SearchRefusesALimitOutside1To50AndAMissingSearch(string query, string field)
    {
        var caller = await ChatApiClient.RegisterAsync(_http, "s");

        var response = await caller.GetAsync($"api/users?{query}");

        var problem = await ChatApiClient.ReadProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.NotNull(problem["errors"]![field]);
    }

    [Fact]
    public async Task UsersRoutesNeedAToken()
    {
        await ChatApiClient.ReadProblemAsync(await _http.GetAsync("api/users/me"), HttpStatusCode.Unauthorized);
        await ChatApiClient.ReadProblemAsync(await _http.GetAsync("api/users?search=ab"), HttpStatusCode.Unauthorized);
    }

    // A prefix no other test's user starts with: search results then contain only this test's users.
    private static string Tag() => "q" + Guid.NewGuid().ToString("N")[..10];

    private async Task<string> RegisterAsync(string username, string? displayName)
    {
        var response = await _http.PostAsJsonAsync("api/auth/register", new
        {
            username,
            email = $"{Guid.NewGuid():N}@example.test",
            password = "correct horse battery",
            displayName,
        });
        return (string)(await ChatApiClient.ReadAsync(response, HttpStatusCode.Created))["user"]!["id"]!;
    }

    private static async Task<List<JsonNode>> SearchAsync(ChatApiClient caller, string prefix, string extra = "")
    {
        var response = await caller.GetAsync($"api/users?search={Uri.EscapeDataString(prefix)}{extra}");
        var body = await ChatApiClient.ReadAsync(response, HttpStatusCode.OK);
        return body["items"]!.AsArray().Select(i => i!).ToList();
    }
}
