using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ServerlessChat.Tests.Infrastructure;

namespace ServerlessChat.Tests.Moderation;

/// <summary>Two hosts with the same blocked terms, one rejecting and one masking.</summary>
public sealed class ContentFilterHosts : IAsyncLifetime
{
    public StandaloneHost Reject { get; private set; } = null!;
    public StandaloneHost Mask { get; private set; } = null!;

    public static Dictionary<string, string?> Settings(string action) => new()
    {
        ["Moderation__FilterAction"] = action,
        ["Moderation__BlockedTerms__0"] = "badword",
        ["Moderation__BlockedTerms__1"] = "very bad thing",
        ["Moderation__BlockedPatterns__0"] = @"\bfree\s+money\b",
        // Backtracks for ever on a long run of q's that does not end in one: only its timeout ends it.
        ["Moderation__BlockedPatterns__1"] = "^(qq+)+$",
    };

    public async Task InitializeAsync()
    {
        var starts = new[] { StandaloneHost.StartAsync(Settings("Reject")), StandaloneHost.StartAsync(Settings("Mask")) };
        var hosts = await Task.WhenAll(starts);
        (Reject, Mask) = (hosts[0], hosts[1]);
    }

    public async Task DisposeAsync()
    {
        await Reject.DisposeAsync();
        await Mask.DisposeAsync();
    }
}

public sealed class ContentFilterApiTests(ContentFilterHosts hosts) : IClassFixture<ContentFilterHosts>
{
    private static async Task<HttpResponseMessage> RegisterAsync(HttpClient http, string username, string displayName) =>
        await http.PostAsJsonAsync("api/auth/register", new { username, email = $"{username}@example.test", password = "correct horse battery", displayName });

    private static void AssertRefused(JsonNode problem, string field)
    {
        var message = (string)problem["errors"]![field]![0]!;
        Assert.Contains("not allowed", message, StringComparison.Ordinal);
        Assert.DoesNotContain("badword", problem.ToJsonString(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task ASendWithABlockedTermIsRejectedAndNothingIsStored()
    {
        var alice = await ChatApiClient.RegisterAsync(hosts.Reject.Client, "cf");
        var bob = await ChatApiClient.RegisterAsync(hosts.Reject.Client, "cf");

        var problem = await ChatApiClient.ReadProblemAsync(
            await alice.PostAsync("api/messages", new { receiverId = bob.UserId, content = "you are a Ｂ.Ａ.Ｄ.W.\u200bO.R.D" }), HttpStatusCode.BadRequest);

        AssertRefused(problem, "content");
        var history = await ChatApiClient.ReadAsync(await alice.GetAsync($"api/messages?with={bob.UserId}"), HttpStatusCode.OK);
        Assert.Empty(history["items"]!.AsArray());
    }

    [Fact]
    public async Task AnEditWithABlockedPhraseIsRejectedAndTheMessageKeepsItsText()
    {
        var alice = await ChatApiClient.RegisterAsync(hosts.Reject.Client, "cf");
        var bob = await ChatApiClient.RegisterAsync(hosts.Reject.Client, "cf");
        var sent = await alice.SendMessageAsync(new { receiverId = bob.UserId, content = "a fine thing" });

        var problem = await ChatApiClient.ReadProblemAsync(
            await alice.PatchAsync($"api/messages/{sent["id"]}", new { content = "a VERY bad, thing" }), HttpStatusCode.BadRequest);

        AssertRefused(problem, "content");
        var history = await ChatApiClient.ReadAsync(await alice.GetAsync($"api/messages?with={bob.UserId}"), HttpStatusCode.OK);
        Assert.Equal("a fine thing", (string)history["items"]![0]!["content"]!);
    }

    [Fact]
    public async Task DisplayNamesUsernamesAndGroupNamesWithABlockedTermAreRejected()
    {
        var http = hosts.Reject.Client;

        AssertRefused(await ChatApiClient.ReadProblemAsync(await RegisterAsync(http, ChatApiClient.UniqueName("cf"), "Mr Bädword"), HttpStatusCode.BadRequest), "displayName");
        AssertRefused(await ChatApiClient.ReadProblemAsync(await RegisterAsync(http, "badword." + Guid.NewGuid().ToString("N")[..8], "fine"), HttpStatusCode.BadRequest), "username");
        var alice = await ChatApiClient.RegisterAsync(http, "cf");
        AssertRefused(await ChatApiClient.ReadProblemAsync(await alice.PostAsync("api/groups", new { name = "free  MONEY club" }), HttpStatusCode.BadRequest), "name");
        AssertRefused(await ChatApiClient.ReadProblemAsync(
            await alice.PostAsync("api/attachments", new { fileName = "badword.txt", contentType = "text/plain", size = 5 }), HttpStatusCode.BadRequest), "fileName");
    }

    [Fact]
    public async Task AGroupRenameOrDescriptionWithABlockedTermIsRejectedAndTheGroupKeepsItsOwnOrIsMasked()
    {
        var alice = await ChatApiClient.RegisterAsync(hosts.Reject.Client, "cf");
        var group = await ChatApiClient.ReadAsync(await alice.PostAsync("api/groups", new { name = "book club" }), HttpStatusCode.Created);

        AssertRefused(await ChatApiClient.ReadProblemAsync(await alice.PatchAsync($"api/groups/{group["id"]}", new { name = "BADWORD club" }), HttpStatusCode.BadRequest), "name");
        AssertRefused(await ChatApiClient.ReadProblemAsync(
            await alice.PatchAsync($"api/groups/{group["id"]}", new { description = "we say b a d w o r d here" }), HttpStatusCode.BadRequest), "description");
        var kept = await ChatApiClient.ReadAsync(await alice.GetAsync($"api/groups/{group["id"]}"), HttpStatusCode.OK);
        Assert.Equal("book club", (string)kept["name"]!);
        Assert.Equal("", (string?)kept["description"] ?? "");

        var carol = await ChatApiClient.RegisterAsync(hosts.Mask.Client, "cf");
        var masked = await ChatApiClient.ReadAsync(await carol.PostAsync("api/groups", new { name = "chess" }), HttpStatusCode.Created);
        var patched = await ChatApiClient.ReadAsync(
            await carol.PatchAsync($"api/groups/{masked["id"]}", new { description = "no badword talk" }), HttpStatusCode.OK);
        Assert.Equal("no ******* talk", (string)patched["description"]!);
    }

    [Fact]
    public async Task WithMaskTheBlockedTextIsStoredAsStarsAndTheRestIsKept()
    {
        var http = hosts.Mask.Client;
        var alice = await ChatApiClient.RegisterAsync(http, "cf");
        var bob = await ChatApiClient.RegisterAsync(http, "cf");

        var sent = await alice.SendMessageAsync(new { receiverId = bob.UserId, content = "so BadWord, ok?" });
        Assert.Equal("so *******, ok?", (string)sent["content"]!);
        var edited = await ChatApiClient.ReadAsync(await alice.PatchAsync($"api/messages/{sent["id"]}", new { content = "a very bad thing!" }), HttpStatusCode.OK);
        Assert.Equal("a **************!", (string)edited["content"]!);
        var history = await ChatApiClient.ReadAsync(await bob.GetAsync($"api/messages?with={alice.UserId}"), HttpStatusCode.OK);
        Assert.Equal("a **************!", (string)history["items"]![0]!["content"]!);

        var session = await ChatApiClient.ReadAsync(await RegisterAsync(http, ChatApiClient.UniqueName("cf"), "the badword"), HttpStatusCode.Created);
        Assert.Equal("the *******", (string)session["user"]!["displayName"]!);
        // A username is never masked, only refused.
        AssertRefused(await ChatApiClient.ReadProblemAsync(await RegisterAsync(http, "badword-" + Guid.NewGuid().ToString("N")[..8], "fine"), HttpStatusCode.BadRequest), "username");
    }

    [Theory]
    [InlineData("Reject")]
    [InlineData("Mask")]
    public async Task APatternThatWouldBacktrackForEverIsStoppedByItsTimeoutAndTheTextRejected(string action)
    {
        var host = action == "Reject" ? hosts.Reject : hosts.Mask;
        var alice = await ChatApiClient.RegisterAsync(host.Client, "cf");
        var bob = await ChatApiClient.RegisterAsync(host.Client, "cf");

        var problem = await ChatApiClient.ReadProblemAsync(
            await alice.PostAsync("api/messages", new { receiverId = bob.UserId, content = new string('q', 60) + "x" }), HttpStatusCode.BadRequest);

        Assert.Contains("in time", (string)problem["errors"]!["content"]![0]!, StringComparison.Ordinal);
        await alice.SendMessageAsync(new { receiverId = bob.UserId, content = "qqqq" + " and on" });
    }

    [Fact]
    public async Task AnInvalidPatternRefusesTheStartNamingTheSetting()
    {
        var settings = ContentFilterHosts.Settings("Reject");
        settings["Moderation__BlockedPatterns__2"] = "(unclosed";

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => StandaloneHost.StartAsync(settings));

        Assert.Contains("Moderation:BlockedPatterns:2", error.Message, StringComparison.Ordinal);
    }
}
