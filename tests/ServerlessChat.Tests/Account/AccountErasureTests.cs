using System.Net;
using System.Text.Json.Nodes;
using ServerlessChat.Core.Realtime;
using ServerlessChat.Tests.Infrastructure;
using ServerlessChat.Tests.Realtime;

namespace ServerlessChat.Tests.Account;

[Collection(SharedHostCollection.Name)]
public sealed class AccountErasureTests(SharedHostFixture fixture)
{
    private HttpClient Http => fixture.Host.Client;

    private Task<ChatApiClient> RegisterAsync(string prefix = "era") => ChatApiClient.RegisterAsync(Http, prefix);

    private static Task<HttpResponseMessage> EraseAsync(ChatApiClient user, string? password = null) =>
        user.SendAsync(HttpMethod.Delete, "api/users/me", new { password = password ?? user.Password });

    private static async Task<JsonNode> SyncAsync(ChatApiClient user, string? since) =>
        await ChatApiClient.ReadAsync(await user.GetAsync(since is null ? "api/sync" : $"api/sync?since={Uri.EscapeDataString(since)}&limit=500"), HttpStatusCode.OK);

    private static async Task<List<JsonNode>> HistoryAsync(ChatApiClient user, string query)
    {
        var page = await ChatApiClient.ReadAsync(await user.GetAsync($"api/messages?{query}&limit=100"), HttpStatusCode.OK);
        return [.. page["items"]!.AsArray().Select(m => m!)];
    }

    [Fact]
    public async Task TheErasureOfAUserInTheMiddleOfAGroupConversationIsSeenByTheOthersLiveAndThroughSync()
    {
        var (alice, bob, carol) = (await RegisterAsync(), await RegisterAsync(), await RegisterAsync());
        var groupId = (string)(await alice.CreateGroupAsync("erasure", bob.UserId, carol.UserId))["id"]!;
        var aliceInGroup = (string)(await alice.SendMessageAsync(new { groupId, content = "hello all" }))["id"]!;
        var bobInGroup = (string)(await bob.SendMessageAsync(new { groupId, content = $"hi @{alice.Username}" }))["id"]!;
        await ChatApiClient.ReadAsync(await alice.PutAsync($"api/messages/{bobInGroup}/reactions", new { emoji = "👍" }), HttpStatusCode.OK);
        var aliceDirect = (string)(await alice.SendMessageAsync(new { receiverId = bob.UserId, content = "just us" }))["id"]!;
        var bobDirect = (string)(await bob.SendMessageAsync(new { receiverId = alice.UserId, content = "sure" }))["id"]!;

        var start = (string)(await SyncAsync(bob, null))["cursor"]!;
        await using var bobLive = await RealtimeClient.ConnectAsync(fixture.Host.BaseAddress, bob.UserId, bob.AccessToken);
        await using var carolLive = await RealtimeClient.ConnectAsync(fixture.Host.BaseAddress, carol.UserId, carol.AccessToken);
        await bobLive.ReadyAsync();
        await carolLive.ReadyAsync();

        await ChatApiClient.ReadProblemAsync(await EraseAsync(alice, "not the password"), HttpStatusCode.BadRequest);
        Assert.Equal(HttpStatusCode.Accepted, (await EraseAsync(alice)).StatusCode);

        // Live: the deletes, the reaction taken back, the group without her (bob, the longest-standing member, now
        // its admin), and her profile as a deleted user; the profile comes last, once everything else is done.
        var erased = await bobLive.WaitForAsync(ChatHub.UserUpdated, u => u.Str("id") == alice.UserId);
        Assert.Equal(($"deleted-{alice.UserId}", "Deleted user", true), (erased.Str("username"), erased.Str("displayName"), erased.GetProperty("deleted").GetBoolean()));
        await bobLive.WaitForAsync(ChatHub.MessageDeleted, m => m.Str("id") == aliceInGroup);
        await bobLive.WaitForAsync(ChatHub.MessageDeleted, m => m.Str("id") == aliceDirect);
        await bobLive.WaitForAsync(ChatHub.ReactionsUpdated, m => m.Str("messageId") == bobInGroup);
        var group = await carolLive.WaitForAsync(ChatHub.GroupUpdated, g => g.Str("id") == groupId);
        Assert.Equal([bob.UserId, carol.UserId], group.GetProperty("members").EnumerateArray().Select(m => m.GetString()!));
        Assert.Equal([bob.UserId], group.GetProperty("admins").EnumerateArray().Select(m => m.GetString()!));
        await carolLive.WaitForAsync(ChatHub.MessageDeleted, m => m.Str("id") == aliceInGroup);
        Assert.Empty(carolLive.Received(ChatHub.MessageDeleted, m => m.Str("id") == aliceDirect));

        // Through sync: the same changes, from the cursor bob had before.
        var changes = (await SyncAsync(bob, start))["changes"]!.AsArray();
        Assert.Contains(changes, c => (string)c!["type"]! == ChatHub.MessageDeleted && (string)c["data"]!["id"]! == aliceInGroup);
        Assert.Contains(changes, c => (string)c!["type"]! == ChatHub.MessageDeleted && (string)c["data"]!["id"]! == aliceDirect);
        Assert.Contains(changes, c => (string)c!["type"]! == ChatHub.ReactionsUpdated && (string)c["data"]!["messageId"]! == bobInGroup);
        Assert.Contains(changes, c => (string)c!["type"]! == ChatHub.GroupUpdated && !c["data"]!["members"]!.AsArray().Any(m => (string)m! == alice.UserId));

        // The direct conversation stays for bob, with her message deleted and his own kept; nobody writes to her any more.
        var direct = await HistoryAsync(bob, $"with={alice.UserId}");
        Assert.True((bool)direct.Single(m => (string)m["id"]! == aliceDirect)["deleted"]!);
        Assert.Equal("sure", (string)direct.Single(m => (string)m["id"]! == bobDirect)["content"]!);
        Assert.Empty((await HistoryAsync(bob, $"groupId={groupId}")).Single(m => (string)m["id"]! == bobInGroup)["reactions"]?.AsArray() ?? []);
        await ChatApiClient.ReadProblemAsync(await bob.PostAsync("api/messages", new { receiverId = alice.UserId, content = "hello?" }), HttpStatusCode.NotFound);
        await ChatApiClient.ReadProblemAsync(await bob.PutAsync($"api/groups/{groupId}/members", new { add = new[] { alice.UserId } }), HttpStatusCode.BadRequest);
        var mention = await bob.SendMessageAsync(new { groupId, content = $"@{alice.Username} @deleted-{alice.UserId}" });
        Assert.Empty(mention["mentions"]?.AsArray() ?? []);

        // Not found, not signed in, and her names are free for anyone.
        var search = await ChatApiClient.ReadAsync(await bob.GetAsync($"api/users?search={alice.Username}"), HttpStatusCode.OK);
        Assert.Empty(search["items"]!.AsArray());
        Assert.Empty((await ChatApiClient.ReadAsync(await bob.GetAsync($"api/users?search=deleted-{alice.UserId}"), HttpStatusCode.OK))["items"]!.AsArray());
        await ChatApiClient.LoginAsync(Http, new { username = alice.Username, password = alice.Password }, HttpStatusCode.Unauthorized);
        await ChatApiClient.ReadProblemAsync(await alice.GetAsync("api/users/me"), HttpStatusCode.Unauthorized);
        var again = await ChatApiClient.ReadAsync(await Http.PostAsync("api/auth/register", JsonContent(new { username = alice.Username, email = alice.Email, password = "another-password-1" })), HttpStatusCode.Created);
        Assert.NotEqual(alice.UserId, (string)again["user"]!["id"]!);
    }

    [Fact]
    public async Task ErasingAUserWhileOthersSendToItLeavesNoneOfItsMessagesAndRefusesEverySendAfterward()
    {
        for (var round = 0; round < 3; round++)
        {
            var (alice, bob, carol) = (await RegisterAsync("burst"), await RegisterAsync("burst"), await RegisterAsync("burst"));
            var groupId = (string)(await alice.CreateGroupAsync("burst", bob.UserId, carol.UserId))["id"]!;
            var own = new List<string>();
            for (var i = 0; i < 5; i++)
            {
                own.Add((string)(await alice.SendMessageAsync(new { groupId, content = $"group {i}" }))["id"]!);
                own.Add((string)(await alice.SendMessageAsync(new { receiverId = bob.UserId, content = $"direct {i}" }))["id"]!);
            }

            await using var bobLive = await RealtimeClient.ConnectAsync(fixture.Host.BaseAddress, bob.UserId, bob.AccessToken);
            await bobLive.ReadyAsync();

            // Bob and carol keep writing to her (directly and with mentions) while her erasure is asked for and runs;
            // a repeated request in the middle changes nothing.
            var sends = Enumerable.Range(0, 30).Select(i => Task.Run(async () =>
            {
                var sender = i % 2 == 0 ? bob : carol;
                var response = i % 3 == 0
                    ? await sender.PostAsync("api/messages", new { groupId, content = $"@{alice.Username} burst {i}" })
                    : await sender.PostAsync("api/messages", new { receiverId = alice.UserId, content = $"burst {i}" });
                return response.StatusCode;
            })).ToList();
            var erase = Task.Run(() => EraseAsync(alice));
            var repeat = Task.Run(() => EraseAsync(alice));
            var statuses = await Task.WhenAll(sends);
            // Whichever comes second is accepted too, or finds the token already revoked by the first.
            var answers = new[] { (await erase).StatusCode, (await repeat).StatusCode };
            Assert.Contains(HttpStatusCode.Accepted, answers);
            Assert.All(answers, a => Assert.Contains(a, new[] { HttpStatusCode.Accepted, HttpStatusCode.Unauthorized }));
            Assert.All(statuses, s => Assert.Contains(s, new[] { HttpStatusCode.Created, HttpStatusCode.NotFound }));

            await bobLive.WaitForAsync(ChatHub.UserUpdated, u => u.Str("id") == alice.UserId);

            var seen = (await HistoryAsync(bob, $"groupId={groupId}")).Concat(await HistoryAsync(bob, $"with={alice.UserId}")).ToList();
            Assert.All(seen.Where(m => (string)m["senderId"]! == alice.UserId), m => Assert.True((bool)m["deleted"]!));
            Assert.Equal(own.Order(StringComparer.Ordinal), seen.Where(m => (string)m["senderId"]! == alice.UserId).Select(m => (string)m["id"]!).Order(StringComparer.Ordinal));
            var group = await ChatApiClient.ReadAsync(await bob.GetAsync($"api/groups/{groupId}"), HttpStatusCode.OK);
            Assert.DoesNotContain(alice.UserId, group["members"]!.AsArray().Select(m => (string)m!));
            await ChatApiClient.ReadProblemAsync(await carol.PostAsync("api/messages", new { receiverId = alice.UserId, content = "after" }), HttpStatusCode.NotFound);
        }
    }

    [Fact]
    public async Task AnErasureCutShortByAStopIsFinishedAfterTheRestart()
    {
        await using var host = await StandaloneHost.StartAsync();
        var (alice, bob) = (await ChatApiClient.RegisterAsync(host.Client, "stop"), await ChatApiClient.RegisterAsync(host.Client, "stop"));
        var groupId = (string)(await alice.CreateGroupAsync("stop", bob.UserId))["id"]!;
        var ids = new List<string>();
        for (var i = 0; i < 40; i++)
        {
            ids.Add((string)(await alice.SendMessageAsync(new { groupId, content = $"before the stop {i}" }))["id"]!);
        }

        Assert.Equal(HttpStatusCode.Accepted, (await EraseAsync(alice)).StatusCode);
        await host.KillAsync();

        await using var again = await host.StartAgainAsync();
        var bobAgain = bob.OnHost(again);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            var group = await ChatApiClient.ReadAsync(await bobAgain.GetAsync($"api/groups/{groupId}"), HttpStatusCode.OK);
            if (!group["members"]!.AsArray().Any(m => (string)m! == alice.UserId))
            {
                break;
            }

            await Task.Delay(200, deadline.Token);
        }

        var history = await HistoryAsync(bobAgain, $"groupId={groupId}");
        Assert.All(history.Where(m => (string)m["senderId"]! == alice.UserId), m => Assert.True((bool)m["deleted"]!));
        Assert.Equal(ids.Count, history.Count(m => (string)m["senderId"]! == alice.UserId));
        await ChatApiClient.LoginAsync(again.Client, new { username = alice.Username, password = alice.Password }, HttpStatusCode.Unauthorized);
    }

    private static StringContent JsonContent(object body) =>
        new(System.Text.Json.JsonSerializer.Serialize(body, ChatApiClient.Json), System.Text.Encoding.UTF8, "application/json");
}
