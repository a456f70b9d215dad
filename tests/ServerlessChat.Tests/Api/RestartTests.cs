using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ServerlessChat.Tests.Infrastructure;

namespace ServerlessChat.Tests.Api;

/// <summary>Nothing acknowledged is lost across a clean stop or a kill: each test stops its own host and starts a new process on the same data.</summary>
public sealed class RestartTests
{
    [Fact]
    public async Task AfterACleanStopEveryAcknowledgedUserGroupAndMessageIsStillThere()
    {
        var first = await StandaloneHost.StartAsync();
        ChatApiClient alice, bob;
        string groupId, editedId, deletedId;
        List<string> directIds;
        StandaloneHost second;
        try
        {
            alice = await ChatApiClient.RegisterAsync(first.Client, "alice");
            bob = await ChatApiClient.RegisterAsync(first.Client, "bob");
            groupId = (string)(await alice.CreateGroupAsync("survivors", bob.UserId))["id"]!;
            directIds = [];
            for (var i = 0; i < 5; i++)
            {
                directIds.Add((string)(await alice.SendMessageAsync(new { receiverId = bob.UserId, content = $"direct {i}" }))["id"]!);
            }

            await alice.SendMessageAsync(new { groupId, content = "group hello" });
            editedId = directIds[1];
            deletedId = directIds[2];
            await ChatApiClient.ReadAsync(await alice.PatchAsync($"api/messages/{editedId}", new { content = "edited" }), HttpStatusCode.OK);
            Assert.Equal(HttpStatusCode.NoContent, (await alice.DeleteAsync($"api/messages/{deletedId}")).StatusCode);
            await ChatApiClient.ReadAsync(await bob.PostAsync("api/messages/read", new { with = alice.UserId, upTo = directIds[3] }), HttpStatusCode.OK);

            await first.StopAsync();
            second = await first.StartAgainAsync();
        }
        finally
        {
            await first.DisposeAsync();
        }

        await using var restarted = second;
        alice = alice.OnHost(second);
        bob = bob.OnHost(second);

        // The same signing key, so access tokens issued before the stop still work; the refresh token is stored.
        await ChatApiClient.ReadAsync(await alice.GetAsync("api/users/me"), HttpStatusCode.OK);
        await ChatApiClient.LoginAsync(second.Client, new { username = bob.Username, password = bob.Password });
        await ChatApiClient.ReadAsync(await second.Client.PostAsJsonAsync("api/auth/refresh", new { refreshToken = alice.RefreshToken }), HttpStatusCode.OK);

        var history = await HistoryAsync(bob, $"with={alice.UserId}&limit=100");
        Assert.Equal(Enumerable.Reverse(directIds), history.Select(m => (string)m["id"]!));
        Assert.Equal("edited", (string)history.Single(m => (string)m["id"]! == editedId)["content"]!);
        Assert.True((bool)history.Single(m => (string)m["id"]! == deletedId)["deleted"]!);
        Assert.True((bool)history.Single(m => (string)m["id"]! == directIds[3])["isRead"]!);
        Assert.False((bool)history.Single(m => (string)m["id"]! == directIds[4])["isRead"]!);

        var group = await ChatApiClient.ReadAsync(await bob.GetAsync($"api/groups/{groupId}"), HttpStatusCode.OK);
        Assert.Equal("survivors", (string)group["name"]!);
        // The group's "created" system message is there too.
        Assert.Equal("group hello", (string)Assert.Single(await HistoryAsync(bob, $"groupId={groupId}"), m => m["system"] is null)["content"]!);
        Assert.Equal(2, (await ChatApiClient.ReadAsync(await alice.GetAsync("api/conversations"), HttpStatusCode.OK))["items"]!.AsArray().Count);
    }

    [Fact]
    public async Task AfterAKillRightAfter200ConcurrentSendsAllOfThemAreInTheHistory()
    {
        var first = await StandaloneHost.StartAsync();
        ChatApiClient alice, bob;
        string[] acknowledged;
        StandaloneHost second;
        try
        {
            alice = await ChatApiClient.RegisterAsync(first.Client, "alice");
            bob = await ChatApiClient.RegisterAsync(first.Client, "bob");
            var sender = alice;
            var receiver = bob.UserId;
            acknowledged = await Task.WhenAll(Enumerable.Range(0, 200).Select(async i =>
                (string)(await sender.SendMessageAsync(new { receiverId = receiver, content = $"burst {i}", clientMessageId = $"burst-{i}" }))["id"]!));

            // No shutdown code runs: whatever was acknowledged must already be durable.
            await first.KillAsync();
            second = await first.StartAgainAsync();
        }
        finally
        {
            await first.DisposeAsync();
        }

        await using var restarted = second;
        bob = bob.OnHost(second);

        var stored = new List<string>();
        string? before = null;
        do
        {
            var page = await ChatApiClient.ReadAsync(
                await bob.GetAsync($"api/messages?with={alice.UserId}&limit=100" + (before is null ? "" : $"&before={before}")), HttpStatusCode.OK);
            stored.AddRange(page["items"]!.AsArray().Select(m => (string)m!["id"]!));
            before = (string?)page["nextBefore"];
        }
        while (before is not null);

        Assert.Equal(200, acknowledged.Distinct().Count());
        Assert.Equal(acknowledged.Order(StringComparer.Ordinal), stored.Order(StringComparer.Ordinal));
    }

    private static async Task<List<JsonNode>> HistoryAsync(ChatApiClient caller, string query) =>
        (await ChatApiClient.ReadAsync(await caller.GetAsync($"api/messages?{query}"), HttpStatusCode.OK))["items"]!.AsArray().Select(m => m!).ToList();
}
