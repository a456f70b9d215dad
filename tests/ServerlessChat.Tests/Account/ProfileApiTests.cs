using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using ServerlessChat.Core.Realtime;
using ServerlessChat.Tests.Infrastructure;
using ServerlessChat.Tests.Realtime;

namespace ServerlessChat.Tests.Account;

[Collection(SharedHostCollection.Name)]
public sealed class ProfileApiTests(SharedHostFixture fixture)
{
    private HttpClient Http => fixture.Host.Client;

    private static string InAnHour() => DateTimeOffset.UtcNow.AddHours(1).ToString("O", CultureInfo.InvariantCulture);

    [Fact]
    public async Task AProfileIsSeenByThoseWhoShareAConversationAndItsChangesReachThemLive()
    {
        var (alice, bob, carol) = (await ChatApiClient.RegisterAsync(Http, "prof"), await ChatApiClient.RegisterAsync(Http, "prof"), await ChatApiClient.RegisterAsync(Http, "prof"));
        await alice.SendMessageAsync(new { receiverId = bob.UserId, content = "hi" });
        await using var bobLive = await RealtimeClient.ConnectAsync(fixture.Host.BaseAddress, bob.UserId, bob.AccessToken);
        await using var carolLive = await RealtimeClient.ConnectAsync(fixture.Host.BaseAddress, carol.UserId, carol.AccessToken);
        await bobLive.ReadyAsync();
        await carolLive.ReadyAsync();

        await ChatApiClient.ReadProblemAsync(await carol.GetAsync($"api/users/{alice.UserId}"), HttpStatusCode.NotFound);
        await ChatApiClient.ReadProblemAsync(await bob.GetAsync("api/users/0123456789abcdef01234567"), HttpStatusCode.NotFound);
        var seen = await ChatApiClient.ReadAsync(await bob.GetAsync($"api/users/{alice.UserId}"), HttpStatusCode.OK);
        Assert.Equal(alice.Username, (string)seen["username"]!);
        Assert.Null(seen["email"]);
        Assert.Equal(alice.Email, (string)(await ChatApiClient.ReadAsync(await alice.GetAsync($"api/users/{alice.UserId}"), HttpStatusCode.OK))["email"]!);

        var expiresAt = InAnHour();
        var changed = await ChatApiClient.ReadAsync(await alice.PatchAsync("api/users/me", new { displayName = "Alice Away", status = new { text = "on holiday", emoji = "🌴", expiresAt } }), HttpStatusCode.OK);
        Assert.Equal(("Alice Away", "on holiday", "🌴"), ((string)changed["displayName"]!, (string)changed["status"]!["text"]!, (string)changed["status"]!["emoji"]!));
        Assert.Equal(alice.Email, (string)changed["email"]!);

        var live = await bobLive.WaitForAsync(ChatHub.UserUpdated, u => u.Str("id") == alice.UserId);
        Assert.Equal("Alice Away", live.Str("displayName"));
        Assert.Equal("on holiday", live.GetProperty("status").Str("text"));
        Assert.Null(live.Str("email"));

        // Leaving a field out keeps it; null clears the status.
        var renamed = await ChatApiClient.ReadAsync(await alice.PatchAsync("api/users/me", new { displayName = "Alice Back" }), HttpStatusCode.OK);
        Assert.Equal("on holiday", (string)renamed["status"]!["text"]!);
        var cleared = await ChatApiClient.ReadAsync(await alice.SendAsync(HttpMethod.Patch, "api/users/me", null, rawJson: """{"status":null}"""), HttpStatusCode.OK);
        Assert.Null(cleared["status"]);
        Assert.Equal("Alice Back", (string)cleared["displayName"]!);
        await bobLive.WaitForAsync(ChatHub.UserUpdated, u => u.Str("id") == alice.UserId && u.Str("displayName") == "Alice Back" && u.GetProperty("status").ValueKind == System.Text.Json.JsonValueKind.Null);
        Assert.Null((await ChatApiClient.ReadAsync(await bob.GetAsync($"api/users/{alice.UserId}"), HttpStatusCode.OK))["status"]);
        Assert.Empty(carolLive.Received(ChatHub.UserUpdated));
    }

    [Fact]
    public async Task ABadProfileChangeIsRefusedNamingItsFieldAndChangesNothing()
    {
        var alice = await ChatApiClient.RegisterAsync(Http, "prof");
        foreach (var (body, field) in new (object Body, string Field)[]
        {
            (new { displayName = "" }, "displayName"),
            (new { displayName = new string('x', 65) }, "displayName"),
            (new { status = new { text = new string('x', 101) } }, "status.text"),
            (new { status = new { emoji = "🌴" } }, "status.text"),
            (new { status = new { text = "ok", emoji = "not one" } }, "status.emoji"),
            (new { status = new { text = "ok", expiresAt = DateTimeOffset.UtcNow.AddMinutes(-1).ToString("O", CultureInfo.InvariantCulture) } }, "status.expiresAt"),
            (new { status = "busy" }, "status"),
            (new { displayName = "Fine", avatarAttachmentId = "0123456789abcdef01234567" }, "avatarAttachmentId"),
        })
        {
            var problem = await ChatApiClient.ReadProblemAsync(await alice.PatchAsync("api/users/me", body), HttpStatusCode.BadRequest);
            Assert.NotNull(problem["errors"]![field]);
        }

        var me = await ChatApiClient.ReadAsync(await alice.GetAsync("api/users/me"), HttpStatusCode.OK);
        Assert.Equal(alice.Username, (string)me["displayName"]!);
        Assert.Null(me["status"]);
    }

    [Fact]
    public async Task AStatusIsNoLongerShownOnceItExpires()
    {
        var (alice, bob) = (await ChatApiClient.RegisterAsync(Http, "prof"), await ChatApiClient.RegisterAsync(Http, "prof"));
        await bob.SendMessageAsync(new { receiverId = alice.UserId, content = "hi" });
        var expiresAt = DateTimeOffset.UtcNow.AddSeconds(2);
        var set = await ChatApiClient.ReadAsync(await alice.PatchAsync("api/users/me", new { status = new { text = "briefly", expiresAt = expiresAt.ToString("O", CultureInfo.InvariantCulture) } }), HttpStatusCode.OK);
        Assert.Equal("briefly", (string)set["status"]!["text"]!);

        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while ((await ChatApiClient.ReadAsync(await bob.GetAsync($"api/users/{alice.UserId}"), HttpStatusCode.OK))["status"] is not null)
        {
            await Task.Delay(200, deadline.Token);
        }

        Assert.True(DateTimeOffset.UtcNow >= expiresAt);
    }

    [Fact]
    public async Task ABurstOfProfileChangesEndsWithOneOfThemWhole()
    {
        var alice = await ChatApiClient.RegisterAsync(Http, "prof");
        for (var round = 0; round < 3; round++)
        {
            var statuses = await Task.WhenAll(Enumerable.Range(0, 12).Select(i => Task.Run(async () =>
                (await alice.PatchAsync("api/users/me", new { displayName = $"name {i}", status = new { text = $"status {i}" } })).StatusCode)));
            Assert.All(statuses, s => Assert.Equal(HttpStatusCode.OK, s));
            var me = await ChatApiClient.ReadAsync(await alice.GetAsync("api/users/me"), HttpStatusCode.OK);
            Assert.Equal(((string)me["displayName"]!).Replace("name", "status", StringComparison.Ordinal), (string)me["status"]!["text"]!);
        }
    }
}
