using System.Net;
using System.Text.Json.Nodes;
using System.Net.Http.Json;
using ServerlessChat.Tests.Api;
using ServerlessChat.Tests.Realtime;
using ServerlessChat.Tests.Infrastructure;

namespace ServerlessChat.Tests.Moderation;

/// <summary>
/// A host whose first admin comes from Moderation:AdminUserIds: the admin registers on a first process, and the
/// host is started again on the same data with its id in the setting (ids are only known once registered).
/// </summary>
public sealed class ModerationHost : IAsyncLifetime
{
    private StandaloneHost? _first;

    public StandaloneHost Host { get; private set; } = null!;
    public ChatApiClient Admin { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _first = await StandaloneHost.StartAsync(new Dictionary<string, string?> { ["Moderation__ReportsPerHour"] = "5" });
        var admin = await ChatApiClient.RegisterAsync(_first.Client, "admin");
        await _first.KillAsync();
        Host = await _first.StartAgainAsync(new Dictionary<string, string?> { ["Moderation__AdminUserIds__0"] = admin.UserId });
        Admin = admin.OnHost(Host);
    }

    public async Task DisposeAsync()
    {
        await Host.DisposeAsync();
        if (_first is not null)
        {
            await _first.DisposeAsync();
        }
    }
}

public sealed class ModerationApiTests(ModerationHost fixture) : IClassFixture<ModerationHost>
{
    private readonly HttpClient _http = fixture.Host.Client;

    private async Task<ChatApiClient> ModeratorAsync()
    {
        var moderator = await ChatApiClient.RegisterAsync(_http, "mod");
        var user = await ChatApiClient.ReadAsync(await fixture.Admin.PutAsync($"api/moderation/users/{moderator.UserId}/role", new { role = "moderator" }), HttpStatusCode.OK);
        Assert.Equal("moderator", (string)user["role"]!);
        return moderator;
    }

    private static async Task<JsonNode> FindReportAsync(ChatApiClient moderator, string id, string status = "open")
    {
        string? before = null;
        while (true)
        {
            var page = await ChatApiClient.ReadAsync(await moderator.GetAsync($"api/moderation/reports?status={status}&limit=100" + (before is null ? "" : $"&before={before}")), HttpStatusCode.OK);
            if (page["items"]!.AsArray().FirstOrDefault(r => (string)r!["id"]! == id) is { } found)
            {
                return found;
            }

            before = (string?)page["nextBefore"] ?? throw new InvalidOperationException($"Report {id} is not in the {status} queue.");
        }
    }

    [Fact]
    public async Task AReportedMessageIsQueuedWithItsSnapshotKeptAfterAnEditAndOthersJoinTheOpenReport()
    {
        var (alice, bob, carol) = (await ChatApiClient.RegisterAsync(_http, "rep"), await ChatApiClient.RegisterAsync(_http, "rep"), await ChatApiClient.RegisterAsync(_http, "rep"));
        var group = await alice.CreateGroupAsync("reported", bob.UserId, carol.UserId);
        var message = await alice.SendMessageAsync(new { groupId = (string)group["id"]!, content = "buy my stuff" });
        var messageId = (string)message["id"]!;

        var first = await ChatApiClient.ReadAsync(await bob.PostAsync("api/reports", new { messageId, reason = "spam", note = "again" }), HttpStatusCode.Created);
        var second = await ChatApiClient.ReadAsync(await carol.PostAsync("api/reports", new { messageId, reason = "harassment" }), HttpStatusCode.OK);
        Assert.Equal((string)first["id"]!, (string)second["id"]!);
        await ChatApiClient.ReadAsync(await alice.PatchAsync($"api/messages/{messageId}", new { content = "nothing to see" }), HttpStatusCode.OK);

        var moderator = await ModeratorAsync();
        var report = await FindReportAsync(moderator, (string)first["id"]!);
        Assert.Equal("message", (string)report["target"]!["type"]!);
        Assert.Equal(alice.UserId, (string)report["target"]!["userId"]!);
        Assert.Equal("buy my stuff", (string)report["target"]!["snapshot"]!["content"]!);
        Assert.Equal(("spam", "again", 2, "open"), ((string)report["reason"]!, (string)report["note"]!, (int)report["count"]!, (string)report["status"]!));
        Assert.Equal(new[] { bob.UserId, carol.UserId }.Order(), report["reporterIds"]!.AsArray().Select(r => (string)r!).Order());
    }

    [Fact]
    public async Task OnlyWhatTheCallerCanSeeCanBeReportedAndReportsAreLimitedPerHour()
    {
        var (alice, bob, eve) = (await ChatApiClient.RegisterAsync(_http, "rep"), await ChatApiClient.RegisterAsync(_http, "rep"), await ChatApiClient.RegisterAsync(_http, "rep"));
        var message = await alice.SendMessageAsync(new { receiverId = bob.UserId, content = "private" });

        await ChatApiClient.ReadProblemAsync(await eve.PostAsync("api/reports", new { messageId = (string)message["id"]!, reason = "spam" }), HttpStatusCode.NotFound);
        await ChatApiClient.ReadProblemAsync(await eve.PostAsync("api/reports", new { userId = eve.UserId, reason = "spam" }), HttpStatusCode.BadRequest);
        await ChatApiClient.ReadProblemAsync(await eve.PostAsync("api/reports", new { userId = alice.UserId, reason = "rude" }), HttpStatusCode.BadRequest);
        await ChatApiClient.ReadProblemAsync(await eve.PostAsync("api/reports", new { userId = alice.UserId, messageId = (string)message["id"]!, reason = "spam" }), HttpStatusCode.BadRequest);

        // The host allows 5 an hour (Moderation:ReportsPerHour); the refused attempts above counted only after validation.
        var reported = new List<HttpStatusCode>();
        for (var i = 0; i < 5; i++)
        {
            var target = await ChatApiClient.RegisterAsync(_http, "tgt");
            reported.Add((await eve.PostAsync("api/reports", new { userId = target.UserId, reason = "other" })).StatusCode);
        }

        Assert.Equal(4, reported.Count(s => s == HttpStatusCode.Created));
        Assert.Equal(HttpStatusCode.TooManyRequests, reported[^1]);
        var limited = await eve.PostAsync("api/reports", new { userId = bob.UserId, reason = "spam" });
        await ChatApiClient.ReadProblemAsync(limited, HttpStatusCode.TooManyRequests);
        Assert.NotNull(limited.Headers.RetryAfter);
    }

    [Fact]
    public async Task TheQueueAndItsActionsAreRefusedToPlainUsersAndRolesAreGrantedByAdminsOnly()
    {
        var user = await ChatApiClient.RegisterAsync(_http, "plain");
        var moderator = await ModeratorAsync();

        foreach (var response in new[]
        {
            await user.GetAsync("api/moderation/reports"),
            await user.GetAsync("api/moderation/audit"),
            await user.PostAsync($"api/moderation/reports/{fixture.Admin.UserId}/resolve", new { action = "dismiss" }),
            await user.DeleteAsync($"api/moderation/messages/{fixture.Admin.UserId}"),
            await user.PutAsync($"api/moderation/users/{moderator.UserId}/suspension", new { reason = "no" }),
            await user.PutAsync($"api/moderation/users/{user.UserId}/role", new { role = "admin" }),
            await moderator.PutAsync($"api/moderation/users/{user.UserId}/role", new { role = "moderator" }),
        })
        {
            await ChatApiClient.ReadProblemAsync(response, HttpStatusCode.Forbidden);
        }

        Assert.Equal("user", (string)(await ChatApiClient.ReadAsync(await user.GetAsync("api/users/me"), HttpStatusCode.OK))["role"]!);
        Assert.Equal("moderator", (string)(await ChatApiClient.ReadAsync(await moderator.GetAsync("api/users/me"), HttpStatusCode.OK))["role"]!);
        Assert.Equal("admin", (string)(await ChatApiClient.ReadAsync(await fixture.Admin.GetAsync("api/users/me"), HttpStatusCode.OK))["role"]!);
        await ChatApiClient.ReadAsync(await moderator.GetAsync("api/moderation/reports"), HttpStatusCode.OK);
        var audit = await ChatApiClient.ReadAsync(await moderator.GetAsync("api/moderation/audit?limit=100"), HttpStatusCode.OK);
        Assert.Contains(audit["items"]!.AsArray(), e => (string)e!["action"]! == "setRole" && (string)e["target"]!["id"]! == moderator.UserId
            && (string)e["actorId"]! == fixture.Admin.UserId);
    }

    [Fact]
    public async Task ResolvingWithSuspendUserEndsTheSessionsRefusesSendsAndLoginsWithTheReasonAndLiftingRestoresThem()
    {
        var (alice, bob) = (await ChatApiClient.RegisterAsync(_http, "sus"), await ChatApiClient.RegisterAsync(_http, "sus"));
        var message = await alice.SendMessageAsync(new { receiverId = bob.UserId, content = "threat" });
        var report = await ChatApiClient.ReadAsync(await bob.PostAsync("api/reports", new { messageId = (string)message["id"]!, reason = "violence" }), HttpStatusCode.Created);
        var moderator = await ModeratorAsync();

        var resolved = await ChatApiClient.ReadAsync(
            await moderator.PostAsync($"api/moderation/reports/{report["id"]}/resolve", new { action = "suspendUser", note = "threats", days = 3 }), HttpStatusCode.OK);

        Assert.Equal(("resolved", "suspendUser", moderator.UserId), ((string)resolved["status"]!, (string)resolved["resolution"]!["action"]!, (string)resolved["resolution"]!["actorId"]!));
        var refused = await ChatApiClient.ReadProblemAsync(await alice.PostAsync("api/messages", new { receiverId = bob.UserId, content = "again" }), HttpStatusCode.Unauthorized);
        Assert.Contains("ended", (string)refused["detail"]!, StringComparison.Ordinal);
        var refresh = await _http.PostAsJsonAsync("api/auth/refresh", new { refreshToken = alice.RefreshToken });
        await ChatApiClient.ReadProblemAsync(refresh, HttpStatusCode.Unauthorized);
        await ChatApiClient.LoginAsync(_http, new { username = alice.Username, password = "wrong password!" }, HttpStatusCode.Unauthorized);
        var login = await ChatApiClient.LoginAsync(_http, new { username = alice.Username, password = alice.Password }, HttpStatusCode.Forbidden);
        Assert.Contains("threats", (string)login["detail"]!, StringComparison.Ordinal);
        Assert.Contains(DateTimeOffset.UtcNow.AddDays(3).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), (string)login["detail"]!, StringComparison.Ordinal);
        // A second resolve of the same report loses.
        await ChatApiClient.ReadProblemAsync(await moderator.PostAsync($"api/moderation/reports/{report["id"]}/resolve", new { action = "dismiss" }), HttpStatusCode.Conflict);

        Assert.Equal(HttpStatusCode.NoContent, (await moderator.DeleteAsync($"api/moderation/users/{alice.UserId}/suspension")).StatusCode);
        var session = await ChatApiClient.LoginAsync(_http, new { username = alice.Username, password = alice.Password });
        var back = alice.WithTokens((string)session["accessToken"]!);
        await back.SendMessageAsync(new { receiverId = bob.UserId, content = "sorry" });
    }

    [Fact]
    public async Task ASuspendedUsersTokensWithoutASessionAndItsNegotiateAnswer403()
    {
        var (alice, bob) = (await ChatApiClient.RegisterAsync(_http, "sus"), await ChatApiClient.RegisterAsync(_http, "sus"));
        var moderator = await ModeratorAsync();
        // A token that names no session (as older tokens and external identities do) is still refused: by suspension.
        var sessionless = alice.WithTokens(TestTokens.Create(alice.UserId));
        await sessionless.SendMessageAsync(new { receiverId = bob.UserId, content = "before" });

        var suspension = await ChatApiClient.ReadAsync(
            await moderator.PutAsync($"api/moderation/users/{alice.UserId}/suspension", new { reason = "spam wave" }), HttpStatusCode.OK);
        Assert.Null((string?)suspension["until"]);

        var send = await ChatApiClient.ReadProblemAsync(await sessionless.PostAsync("api/messages", new { receiverId = bob.UserId, content = "after" }), HttpStatusCode.Forbidden);
        Assert.Contains("spam wave", (string)send["detail"]!, StringComparison.Ordinal);
        await ChatApiClient.ReadProblemAsync(await sessionless.PostAsync("api/negotiate", null), HttpStatusCode.Forbidden);
        await ChatApiClient.ReadProblemAsync(await sessionless.GetAsync("api/conversations"), HttpStatusCode.Forbidden);
        // Nothing tells the suspended user who reported it, and the admin cannot be suspended by a moderator.
        await ChatApiClient.ReadProblemAsync(await moderator.PutAsync($"api/moderation/users/{fixture.Admin.UserId}/suspension", new { reason = "x" }), HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task RemovalByModerationDeletesTheMessageForEveryoneLiveAndWithAReportResolvesIt()
    {
        var (alice, bob) = (await ChatApiClient.RegisterAsync(_http, "rm"), await ChatApiClient.RegisterAsync(_http, "rm"));
        var moderator = await ModeratorAsync();
        await using var bobHub = await RealtimeClient.ConnectAsync(fixture.Host.BaseAddress, bob.UserId, bob.AccessToken);
        await bobHub.ReadyAsync();
        var first = await alice.SendMessageAsync(new { receiverId = bob.UserId, content = "awful" });
        var second = await alice.SendMessageAsync(new { receiverId = bob.UserId, content = "awful too" });

        Assert.Equal(HttpStatusCode.NoContent, (await moderator.DeleteAsync($"api/moderation/messages/{first["id"]}")).StatusCode);
        await bobHub.WaitForAsync("messageDeleted", e => e.GetProperty("id").GetString() == (string)first["id"]!);
        var afterRemoval = await ChatApiClient.ReadAsync(await bob.GetAsync($"api/messages?with={alice.UserId}"), HttpStatusCode.OK);
        var removedOne = afterRemoval["items"]!.AsArray().Single(m => (string)m!["id"]! == (string)first["id"]!)!;
        Assert.Equal((true, "", "moderation"), ((bool)removedOne["deleted"]!, (string)removedOne["content"]!, (string?)removedOne["deletedBy"]));
        Assert.Null((string?)afterRemoval["items"]!.AsArray().Single(m => (string)m!["id"]! == (string)second["id"]!)!["deletedBy"]);

        var report = await ChatApiClient.ReadAsync(await bob.PostAsync("api/reports", new { messageId = (string)second["id"]!, reason = "hate" }), HttpStatusCode.Created);
        await ChatApiClient.ReadAsync(await moderator.PostAsync($"api/moderation/reports/{report["id"]}/resolve", new { action = "removeMessage" }), HttpStatusCode.OK);
        var history = await ChatApiClient.ReadAsync(await bob.GetAsync($"api/messages?with={alice.UserId}"), HttpStatusCode.OK);
        Assert.All(history["items"]!.AsArray(), m => Assert.True((bool)m!["deleted"]!));
        await ChatApiClient.ReadProblemAsync(await moderator.DeleteAsync($"api/moderation/messages/{moderator.UserId}"), HttpStatusCode.NotFound);
        // DELETE /api/messages/{id} by a moderator on another's message is a removal by moderation too; a plain user's stays 404 or 403.
        var third = await alice.SendMessageAsync(new { receiverId = bob.UserId, content = "third" });
        await ChatApiClient.ReadProblemAsync(await bob.DeleteAsync($"api/messages/{third["id"]}"), HttpStatusCode.Forbidden);
        Assert.Equal(HttpStatusCode.NoContent, (await moderator.DeleteAsync($"api/messages/{third["id"]}")).StatusCode);
        var afterDelete = await ChatApiClient.ReadAsync(await alice.GetAsync($"api/messages?with={bob.UserId}"), HttpStatusCode.OK);
        Assert.Equal("moderation", (string?)afterDelete["items"]!.AsArray().Single(m => (string)m!["id"]! == (string)third["id"]!)!["deletedBy"]);
        var resolved = await FindReportAsync(moderator, (string)report["id"]!, "resolved");
        Assert.Equal("awful too", (string)resolved["target"]!["snapshot"]!["content"]!);
    }

    [Fact]
    public async Task ConcurrentReportsOfOneMessageMakeOneReportAndConcurrentResolvesHaveOneWinner()
    {
        var sender = await ChatApiClient.RegisterAsync(_http, "burst");
        var reporters = new List<ChatApiClient>();
        for (var i = 0; i < 8; i++)
        {
            reporters.Add(await ChatApiClient.RegisterAsync(_http, "burst"));
        }

        var group = await sender.CreateGroupAsync("burst", [.. reporters.Select(r => r.UserId)]);
        var moderators = new[] { await ModeratorAsync(), await ModeratorAsync(), fixture.Admin };
        for (var round = 0; round < 5; round++)
        {
            var message = await sender.SendMessageAsync(new { groupId = (string)group["id"]!, content = $"spam {round}" });
            var filed = await Task.WhenAll(reporters.Select(async r =>
            {
                var response = await r.PostAsync("api/reports", new { messageId = (string)message["id"]!, reason = "spam" });
                return (response.StatusCode, Id: (string)(await ChatApiClient.ReadAsync(response, response.StatusCode))["id"]!);
            }));
            Assert.Single(filed.Select(f => f.Id).Distinct());
            Assert.Equal(1, filed.Count(f => f.StatusCode == HttpStatusCode.Created));
            Assert.Equal(reporters.Count - 1, filed.Count(f => f.StatusCode == HttpStatusCode.OK));

            var resolves = await Task.WhenAll(moderators.Select(m => m.PostAsync($"api/moderation/reports/{filed[0].Id}/resolve", new { action = "dismiss" })));
            Assert.Equal(1, resolves.Count(r => r.StatusCode == HttpStatusCode.OK));
            Assert.Equal(moderators.Length - 1, resolves.Count(r => r.StatusCode == HttpStatusCode.Conflict));
            var report = await FindReportAsync(fixture.Admin, filed[0].Id, "resolved");
            Assert.Equal(reporters.Count, (int)report["count"]!);
        }
    }
}
