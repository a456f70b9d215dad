using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using ServerlessChat.Tests.Infrastructure;

namespace ServerlessChat.Tests.ServerApi;

/// <summary>A host with two server API keys, and one whose key may make only a few calls a minute.</summary>
public sealed class ServerApiHosts : IAsyncLifetime
{
    public const int TightPermits = 5;

    public string Key { get; } = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
    public string OtherKey { get; } = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
    public StandaloneHost Host { get; private set; } = null!;
    public StandaloneHost Tight { get; private set; } = null!;

    public static string Sha256(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    public async Task InitializeAsync()
    {
        var settings = new Dictionary<string, string?>
        {
            ["Admin__ApiKeys__0__Name"] = "backend",
            ["Admin__ApiKeys__0__Sha256"] = Sha256(Key),
            ["Admin__ApiKeys__1__Name"] = "other",
            ["Admin__ApiKeys__1__Sha256"] = Sha256(OtherKey),
            // Groups of users who never wrote to each other: the server API skips this rule, users do not.
            ["Privacy__DefaultGroupAdds"] = "Contacts",
            ["Logging__LogLevel__Default"] = "Information",
        };
        var tight = new Dictionary<string, string?>(settings) { ["Admin__PermitsPerMinute"] = TightPermits.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        var hosts = await Task.WhenAll(StandaloneHost.StartAsync(settings), StandaloneHost.StartAsync(tight));
        (Host, Tight) = (hosts[0], hosts[1]);
    }

    public async Task DisposeAsync()
    {
        await Host.DisposeAsync();
        await Tight.DisposeAsync();
    }
}

public sealed class ServerApiTests(ServerApiHosts hosts) : IClassFixture<ServerApiHosts>
{
    private static string NewExternalId() => $"ext-{Guid.NewGuid():N}";

    private Task<HttpResponseMessage> CallAsync(HttpMethod method, string path, object? body = null, string? key = null, StandaloneHost? host = null)
    {
        var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }
        request.Headers.Add("X-Api-Key", key ?? hosts.Key);
        return (host ?? hosts.Host).Client.SendAsync(request);
    }

    private async Task<JsonNode> UpsertAsync(string externalId, string? username = null, HttpStatusCode expected = HttpStatusCode.Created) =>
        await ChatApiClient.ReadAsync(
            await CallAsync(HttpMethod.Put, $"api/server/users/{externalId}", new { username = username ?? ChatApiClient.UniqueName("sv"), displayName = "Server Made" }),
            expected);

    private async Task<ChatApiClient> SessionOfAsync(JsonNode user, string externalId)
    {
        var session = await ChatApiClient.ReadAsync(await CallAsync(HttpMethod.Post, $"api/server/users/{externalId}/sessions"), HttpStatusCode.Created);
        return new ChatApiClient(hosts.Host.Client, (string)user["id"]!, (string)user["username"]!, "", "",
            (string)session["accessToken"]!, (string)session["refreshToken"]!);
    }

    [Fact]
    public async Task AnUpsertCreatesTheUserOnceAndThenUpdatesItInPlace()
    {
        var externalId = NewExternalId();
        var created = await UpsertAsync(externalId);
        Assert.Null(created["email"]);
        Assert.Equal("Server Made", (string)created["displayName"]!);

        var renamed = ChatApiClient.UniqueName("sv");
        var updated = await ChatApiClient.ReadAsync(
            await CallAsync(HttpMethod.Put, $"api/server/users/{externalId}", new { username = renamed, displayName = "Renamed", email = $"{renamed}@example.test" }),
            HttpStatusCode.OK);

        Assert.Equal((string)created["id"]!, (string)updated["id"]!);
        Assert.Equal(renamed, (string)updated["username"]!);
        Assert.Equal("Renamed", (string)updated["displayName"]!);
        Assert.Equal($"{renamed}@example.test", (string)updated["email"]!);
    }

    [Fact]
    public async Task ABurstOfFirstUpsertsOfOneExternalIdCreatesExactlyOneUser()
    {
        for (var round = 0; round < 10; round++)
        {
            var externalId = NewExternalId();
            var username = ChatApiClient.UniqueName("burst");
            var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ =>
                CallAsync(HttpMethod.Put, $"api/server/users/{externalId}", new { username, displayName = "Burst" })));

            Assert.Equal(1, responses.Count(r => r.StatusCode == HttpStatusCode.Created));
            Assert.All(responses.Where(r => r.StatusCode != HttpStatusCode.Created), r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
            var ids = await Task.WhenAll(responses.Select(async r => (string)JsonNode.Parse(await r.Content.ReadAsStringAsync())!["id"]!));
            Assert.Single(ids.Distinct());
        }
    }

    [Fact]
    public async Task AUsersTokenAWrongKeyAndNoKeyGet401AndNothingIsStored()
    {
        var user = await ChatApiClient.RegisterAsync(hosts.Host.Client, "sv");
        var externalId = NewExternalId();
        var body = new { username = ChatApiClient.UniqueName("nope") };

        var withToken = new HttpRequestMessage(HttpMethod.Put, $"api/server/users/{externalId}") { Content = JsonContent.Create(body) };
        withToken.Headers.Authorization = new AuthenticationHeaderValue("Bearer", user.AccessToken);
        await ChatApiClient.ReadProblemAsync(await hosts.Host.Client.SendAsync(withToken), HttpStatusCode.Unauthorized);
        await ChatApiClient.ReadProblemAsync(await CallAsync(HttpMethod.Put, $"api/server/users/{externalId}", body, key: hosts.Key + "x"), HttpStatusCode.Unauthorized);
        await ChatApiClient.ReadProblemAsync(await CallAsync(HttpMethod.Put, $"api/server/users/{externalId}", body, key: ""), HttpStatusCode.Unauthorized);

        await ChatApiClient.ReadProblemAsync(await CallAsync(HttpMethod.Post, $"api/server/users/{externalId}/sessions"), HttpStatusCode.NotFound);
        Assert.DoesNotContain(hosts.Key, hosts.Host.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AMintedSessionSignsTheUserInAndRefreshes()
    {
        var externalId = NewExternalId();
        var user = await UpsertAsync(externalId);
        var session = await SessionOfAsync(user, externalId);

        var me = await ChatApiClient.ReadAsync(await session.GetAsync("api/users/me"), HttpStatusCode.OK);
        Assert.Equal((string)user["id"]!, (string)me["id"]!);
        await ChatApiClient.ReadAsync(await hosts.Host.Client.PostAsJsonAsync("api/auth/refresh", new { refreshToken = session.RefreshToken }), HttpStatusCode.OK);
        // No password signs such a user in.
        await ChatApiClient.ReadProblemAsync(
            await hosts.Host.Client.PostAsJsonAsync("api/auth/login", new { username = (string)user["username"]!, password = "!" }), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task GroupsAndMessagesByExternalIdSkipThePrivacyRuleAndEveryCallIsAudited()
    {
        var (aliceId, bobId, carolId) = (NewExternalId(), NewExternalId(), NewExternalId());
        var alice = await UpsertAsync(aliceId);
        var bob = await UpsertAsync(bobId);
        var carol = await UpsertAsync(carolId);

        var group = await ChatApiClient.ReadAsync(
            await CallAsync(HttpMethod.Post, "api/server/groups", new { name = "Integrated", memberIds = new[] { bobId }, adminIds = new[] { aliceId } }),
            HttpStatusCode.Created);
        var groupId = (string)group["id"]!;
        Assert.Equal(new[] { (string)alice["id"]!, (string)bob["id"]! }.Order(), group["members"]!.AsArray().Select(m => (string)m!).Order());
        Assert.Equal((string)alice["id"]!, (string)group["admins"]![0]!);

        var members = await ChatApiClient.ReadAsync(
            await CallAsync(HttpMethod.Put, $"api/server/groups/{groupId}/members", new { add = new[] { carolId }, remove = new[] { bobId } }),
            HttpStatusCode.OK);
        Assert.Equal(new[] { (string)alice["id"]!, (string)carol["id"]! }.Order(), members["members"]!.AsArray().Select(m => (string)m!).Order());

        var sent = await ChatApiClient.ReadAsync(
            await CallAsync(HttpMethod.Post, "api/server/messages", new { senderId = carolId, groupId, content = "from the backend", clientMessageId = "c1" }),
            HttpStatusCode.Created);
        Assert.Equal((string)carol["id"]!, (string)sent["senderId"]!);
        var carolSession = await SessionOfAsync(carol, carolId);
        var history = await ChatApiClient.ReadAsync(await carolSession.GetAsync($"api/messages?groupId={groupId}"), HttpStatusCode.OK);
        Assert.Equal("from the backend", (string)history["items"]![0]!["content"]!);

        // A user adding a stranger is held to the privacy rule the server API skipped.
        var dave = await ChatApiClient.RegisterAsync(hosts.Host.Client, "sv");
        await ChatApiClient.ReadProblemAsync(await dave.PostAsync("api/groups", new { name = "Nope", memberIds = new[] { (string)bob["id"]! } }), HttpStatusCode.BadRequest);

        var role = await ChatApiClient.ReadAsync(
            await CallAsync(HttpMethod.Put, $"api/server/users/{aliceId}/role", new { role = "admin" }, key: hosts.OtherKey), HttpStatusCode.OK);
        Assert.Equal("admin", (string)role["role"]!);
        var aliceSession = await SessionOfAsync(alice, aliceId);
        var audit = await ChatApiClient.ReadAsync(await aliceSession.GetAsync("api/moderation/audit?limit=100"), HttpStatusCode.OK);
        var entries = audit["items"]!.AsArray()
            .Select(e => ((string)e!["actorId"]!, (string)e["action"]!, (string)e["target"]!["id"]!)).ToList();
        Assert.Contains(("backend", "createUser", (string)alice["id"]!), entries);
        Assert.Contains(("backend", "createGroup", groupId), entries);
        Assert.Contains(("backend", "updateGroupMembers", groupId), entries);
        Assert.Contains(("backend", "sendMessage", (string)sent["id"]!), entries);
        Assert.Contains(("other", "setRole", (string)alice["id"]!), entries);
    }

    [Fact]
    public async Task DeletingAUserByExternalIdErasesItForItsContactsAndTheAuditNamesTheKey()
    {
        var (aliceId, bobId) = (NewExternalId(), NewExternalId());
        var alice = await UpsertAsync(aliceId);
        var bob = await UpsertAsync(bobId);
        await ChatApiClient.ReadAsync(
            await CallAsync(HttpMethod.Post, "api/server/messages", new { senderId = aliceId, receiverId = bobId, content = "before I go" }), HttpStatusCode.Created);
        var bobSession = await SessionOfAsync(bob, bobId);

        using (var erased = await CallAsync(HttpMethod.Delete, $"api/server/users/{aliceId}"))
        {
            Assert.Equal(HttpStatusCode.Accepted, erased.StatusCode);
        }

        // At once: Alice shows as a deleted user to Bob, and cannot be messaged.
        var seen = await ChatApiClient.ReadAsync(await bobSession.GetAsync($"api/users/{(string)alice["id"]!}"), HttpStatusCode.OK);
        Assert.True((bool)seen["deleted"]!);
        Assert.NotEqual((string)alice["username"]!, (string)seen["username"]!);
        await ChatApiClient.ReadProblemAsync(await bobSession.PostAsync("api/messages", new { receiverId = (string)alice["id"]!, content = "hello?" }), HttpStatusCode.NotFound);
        await ChatApiClient.ReadProblemAsync(await CallAsync(HttpMethod.Delete, $"api/server/users/{NewExternalId()}"), HttpStatusCode.NotFound);

        var bobAdmin = await ChatApiClient.ReadAsync(await CallAsync(HttpMethod.Put, $"api/server/users/{bobId}/role", new { role = "admin" }), HttpStatusCode.OK);
        Assert.Equal("admin", (string)bobAdmin["role"]!);
        var audit = await ChatApiClient.ReadAsync(await bobSession.GetAsync("api/moderation/audit?limit=100"), HttpStatusCode.OK);
        Assert.Contains(audit["items"]!.AsArray(), e => (string)e!["actorId"]! == "backend" && (string)e["action"]! == "eraseUser" && (string)e["target"]!["id"]! == (string)alice["id"]!);
    }

    [Fact]
    public async Task BadInputGetsA400NamingTheFieldAndStoresNothing()
    {
        var externalId = NewExternalId();
        var problem = await ChatApiClient.ReadProblemAsync(
            await CallAsync(HttpMethod.Put, $"api/server/users/{externalId}", new { username = "no spaces allowed" }), HttpStatusCode.BadRequest);
        Assert.NotNull(problem["errors"]!["username"]);
        await ChatApiClient.ReadProblemAsync(await CallAsync(HttpMethod.Post, $"api/server/users/{externalId}/sessions"), HttpStatusCode.NotFound);

        var sender = NewExternalId();
        await UpsertAsync(sender);
        problem = await ChatApiClient.ReadProblemAsync(
            await CallAsync(HttpMethod.Post, "api/server/messages", new { senderId = sender, receiverId = NewExternalId(), content = "hi" }), HttpStatusCode.BadRequest);
        Assert.NotNull(problem["errors"]!["receiverId"]);
        problem = await ChatApiClient.ReadProblemAsync(
            await CallAsync(HttpMethod.Post, "api/server/groups", new { name = "G", memberIds = new[] { sender, NewExternalId() } }), HttpStatusCode.BadRequest);
        Assert.NotNull(problem["errors"]!["memberIds"]);

        var taken = await UpsertAsync(NewExternalId());
        problem = await ChatApiClient.ReadProblemAsync(
            await CallAsync(HttpMethod.Put, $"api/server/users/{externalId}", new { username = (string)taken["username"]! }), HttpStatusCode.Conflict);
        await ChatApiClient.ReadProblemAsync(await CallAsync(HttpMethod.Post, $"api/server/users/{externalId}/sessions"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task EachKeyIsRateLimitedOnItsOwn()
    {
        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? limited = null;
        for (var i = 0; i <= ServerApiHosts.TightPermits; i++)
        {
            var response = await CallAsync(HttpMethod.Post, $"api/server/users/{NewExternalId()}/sessions", host: hosts.Tight);
            statuses.Add(response.StatusCode);
            limited = response;
        }

        Assert.All(statuses.Take(ServerApiHosts.TightPermits), s => Assert.Equal(HttpStatusCode.NotFound, s));
        await ChatApiClient.ReadProblemAsync(limited!, HttpStatusCode.TooManyRequests);
        Assert.NotNull(limited!.Headers.RetryAfter);
        // The other key has its own count.
        await ChatApiClient.ReadProblemAsync(
            await CallAsync(HttpMethod.Post, $"api/server/users/{NewExternalId()}/sessions", key: hosts.OtherKey, host: hosts.Tight), HttpStatusCode.NotFound);
    }
    [Fact]
    public async Task SenderSystemSendsANoticeIntoAGroupOnceAndTheServerApiGroupChangesLeaveNoticesWithoutAnActor()
    {
        var (aliceId, bobId) = (NewExternalId(), NewExternalId());
        var alice = await UpsertAsync(aliceId);
        await UpsertAsync(bobId);
        var groupId = (string)(await ChatApiClient.ReadAsync(
            await CallAsync(HttpMethod.Post, "api/server/groups", new { name = "Announcements", memberIds = new[] { aliceId } }), HttpStatusCode.Created))["id"]!;
        await ChatApiClient.ReadAsync(await CallAsync(HttpMethod.Put, $"api/server/groups/{groupId}/members", new { add = new[] { bobId } }), HttpStatusCode.OK);

        var body = new { senderId = "system", groupId, content = "Maintenance at noon", clientMessageId = "m-1" };
        var sent = await ChatApiClient.ReadAsync(await CallAsync(HttpMethod.Post, "api/server/messages", body), HttpStatusCode.Created);
        Assert.Equal(("system", "notice"), ((string)sent["senderId"]!, (string)sent["system"]!["type"]!));
        Assert.Null(sent["system"]!["actorId"]);
        var again = await CallAsync(HttpMethod.Post, "api/server/messages", body);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal((string)sent["id"]!, (string)(await ChatApiClient.ReadAsync(again, HttpStatusCode.OK))["id"]!);

        await ChatApiClient.ReadProblemAsync(await CallAsync(HttpMethod.Post, "api/server/messages", new { senderId = "system", receiverId = aliceId, content = "x" }), HttpStatusCode.BadRequest);
        await ChatApiClient.ReadProblemAsync(await CallAsync(HttpMethod.Post, "api/server/messages", new { senderId = "system", groupId, content = "" }), HttpStatusCode.BadRequest);
        await ChatApiClient.ReadProblemAsync(await CallAsync(HttpMethod.Post, "api/server/messages", new { senderId = "system", groupId = "0123456789abcdef01234567", content = "x" }), HttpStatusCode.NotFound);

        var session = await SessionOfAsync(alice, aliceId);
        var items = (await ChatApiClient.ReadAsync(await session.GetAsync($"api/messages?groupId={groupId}"), HttpStatusCode.OK))["items"]!.AsArray().Reverse().ToList();
        Assert.Equal(["created", "membersAdded", "notice"], items.Select(m => (string)m!["system"]!["type"]!));
        Assert.All(items, m => Assert.Equal("system", (string)m!["senderId"]!));
        Assert.Null(items[1]!["system"]!["actorId"]);
        Assert.Equal("Maintenance at noon", (string)items[2]!["content"]!);
    }
}
