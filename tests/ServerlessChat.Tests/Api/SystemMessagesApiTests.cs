using System.Net;
using System.Text.Json.Nodes;
using ServerlessChat.Core.Realtime;
using ServerlessChat.Tests.Infrastructure;
using ServerlessChat.Tests.Realtime;

namespace ServerlessChat.Tests.Api;

/// <summary>System messages of group changes over HTTP, on the store the shared host runs on (MongoDB when CHAT_TEST_MONGODB is set).</summary>
[Collection(SharedHostCollection.Name)]
public sealed class SystemMessagesApiTests(SharedHostFixture fixture)
{
    private HttpClient Http => fixture.Host.Client;

    [Fact]
    public async Task EveryKindOfGroupChangeLeavesOneSystemMessageInHistoryRealtimeAndSync()
    {
        var (ann, bob, carol) = (await ChatApiClient.RegisterAsync(Http, "ann"), await ChatApiClient.RegisterAsync(Http, "bob"), await ChatApiClient.RegisterAsync(Http, "car"));
        var start = await PinsApiTests.SyncStartAsync(bob);
        var groupId = (string)(await ann.CreateGroupAsync("Team", bob.UserId))["id"]!;
        await using var bobOnline = await RealtimeClient.ConnectAsync(fixture.Host.BaseAddress, bob.UserId, bob.AccessToken);

        await ChatApiClient.ReadAsync(await ann.PatchAsync($"api/groups/{groupId}", new { name = "Crew" }), HttpStatusCode.OK);
        var heard = await bobOnline.WaitForAsync(ChatHub.NewMessage, m => m.Str("senderId") == "system");
        Assert.Equal(("renamed", ann.UserId, "Crew"), (heard.GetProperty("system").Str("type"), heard.GetProperty("system").Str("actorId"), heard.GetProperty("system").Str("name")));
        Assert.NotNull(heard.Str("cursor"));

        await ChatApiClient.ReadAsync(await ann.PatchAsync($"api/groups/{groupId}", new { description = "no notice for this" }), HttpStatusCode.OK);
        await ChatApiClient.ReadAsync(await ann.PatchAsync($"api/groups/{groupId}", new { frozen = true }), HttpStatusCode.OK);
        await ChatApiClient.ReadAsync(await ann.PatchAsync($"api/groups/{groupId}", new { frozen = false }), HttpStatusCode.OK);
        await ChatApiClient.ReadAsync(await ann.PutAsync($"api/groups/{groupId}/members", new { add = new[] { carol.UserId } }), HttpStatusCode.OK);
        await ChatApiClient.ReadAsync(await ann.PutAsync($"api/groups/{groupId}/members", new { remove = new[] { carol.UserId } }), HttpStatusCode.OK);
        // Bob heard each while a member, and sync has the same, once each.
        var synced = (await PinsApiTests.SyncAllAsync(bob, start))
            .Where(c => (string)c["type"]! == "newMessage" && (string)c["data"]!["senderId"]! == "system")
            .Select(c => (string)c["data"]!["system"]!["type"]!).ToList();
        Assert.Equal(["created", "renamed", "frozen", "unfrozen", "membersAdded", "membersRemoved"], synced);
        await bob.SendMessageAsync(new { groupId, content = "bye" });
        await ChatApiClient.ReadAsync(await bob.PutAsync($"api/groups/{groupId}/members", new { remove = new[] { bob.UserId } }), HttpStatusCode.OK);

        var history = await ChatApiClient.ReadAsync(await ann.GetAsync($"api/messages?groupId={groupId}&limit=100"), HttpStatusCode.OK);
        var items = history["items"]!.AsArray().Reverse().ToList();
        var notices = items.Where(m => (string)m!["senderId"]! == "system").Select(m => m!["system"]!).ToList();
        Assert.Equal(["created", "renamed", "frozen", "unfrozen", "membersAdded", "membersRemoved", "left"], notices.Select(n => (string)n["type"]!));
        Assert.Equal("Team", (string)notices[0]["name"]!);
        Assert.Equal([bob.UserId], Ids(notices[0]["userIds"]));
        Assert.All(notices.Take(6), n => Assert.Equal(ann.UserId, (string)n["actorId"]!));
        Assert.Equal([carol.UserId], Ids(notices[4]["userIds"]));
        Assert.Equal([carol.UserId], Ids(notices[5]["userIds"]));
        Assert.Equal(bob.UserId, (string)notices[6]["actorId"]!);
        Assert.Equal([bob.UserId], Ids(notices[6]["userIds"]));
        Assert.Equal("Group renamed to Crew", (string)items.First(m => (string?)m!["system"]?["type"] == "renamed")!["content"]!);
    }

    [Fact]
    public async Task SystemMessagesAreNeverUnreadCannotBeEditedAndOnlyAdminsDeleteThem()
    {
        var (ann, bob) = (await ChatApiClient.RegisterAsync(Http, "ann"), await ChatApiClient.RegisterAsync(Http, "bob"));
        var groupId = (string)(await ann.CreateGroupAsync("Quiet", bob.UserId))["id"]!;
        await ChatApiClient.ReadAsync(await ann.PatchAsync($"api/groups/{groupId}", new { name = "Still quiet" }), HttpStatusCode.OK);

        var conversation = await ConversationAsync(bob, groupId);
        Assert.Equal(0, (int)conversation["unread"]!);
        Assert.Equal(("system", "renamed"), ((string)conversation["lastMessage"]!["senderId"]!, (string)conversation["lastMessage"]!["system"]!["type"]!));

        var notices = (await ChatApiClient.ReadAsync(await ann.GetAsync($"api/messages?groupId={groupId}"), HttpStatusCode.OK))["items"]!.AsArray();
        var renamed = (string)notices[0]!["id"]!;
        await ChatApiClient.ReadProblemAsync(await ann.PatchAsync($"api/messages/{renamed}", new { content = "rewritten" }), HttpStatusCode.Forbidden);
        await ChatApiClient.ReadProblemAsync(await bob.DeleteAsync($"api/messages/{renamed}"), HttpStatusCode.Forbidden);
        var deleted = await ann.DeleteAsync($"api/messages/{renamed}");
        Assert.True(deleted.IsSuccessStatusCode, deleted.StatusCode.ToString());

        // A user's message after them counts; the notices never do.
        await ann.SendMessageAsync(new { groupId, content = "hello" });
        Assert.Equal(1, (int)(await ConversationAsync(bob, groupId))["unread"]!);
        var search = await ChatApiClient.ReadAsync(await bob.GetAsync($"api/search/messages?q=quiet&groupId={groupId}"), HttpStatusCode.OK);
        Assert.Empty(search["items"]!.AsArray());
    }

    [Fact]
    public async Task ConcurrentRenamesAddsAndJoinsLeaveExactlyOneSystemMessagePerChange()
    {
        for (var round = 0; round < 3; round++)
        {
            var admin = await ChatApiClient.RegisterAsync(Http, "adm");
            var others = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => ChatApiClient.RegisterAsync(Http, "bur")));
            var groupId = (string)(await admin.CreateGroupAsync("burst"))["id"]!;
            var names = Enumerable.Range(0, 8).Select(i => $"name {round}-{i}").ToList();
            var adds = others.Take(6).ToList();
            var joiners = others.Skip(6).ToList();
            var invite = (string)(await ChatApiClient.ReadAsync(await admin.PostAsync($"api/groups/{groupId}/invites", new { }), HttpStatusCode.Created))["token"]!;
            var renaming = names.Select(n => admin.PatchAsync($"api/groups/{groupId}", new { name = n })).ToList();
            var adding = adds.Select(a => admin.PutAsync($"api/groups/{groupId}/members", new { add = new[] { a.UserId } })).ToList();
            var joining = joiners.SelectMany(j => new[] { j.PostAsync($"api/invites/{invite}/join", null), j.PostAsync($"api/invites/{invite}/join", null) }).ToList();
            await Task.WhenAll(renaming.Concat(adding).Concat(joining));

            // A change that lost every retry to the others answers 409 and changed nothing; each other one left its notice.
            Assert.All(renaming.Concat(adding), r => Assert.Contains(r.Result.StatusCode, new[] { HttpStatusCode.OK, HttpStatusCode.Conflict }));
            Assert.All(joining, r => Assert.Equal(HttpStatusCode.OK, r.Result.StatusCode));
            var renamedTo = names.Where((_, i) => renaming[i].Result.StatusCode == HttpStatusCode.OK).ToList();
            var addedIds = adds.Where((_, i) => adding[i].Result.StatusCode == HttpStatusCode.OK).Concat(joiners).Select(u => u.UserId).ToList();
            Assert.NotEmpty(renamedTo);

            var items = (await ChatApiClient.ReadAsync(await admin.GetAsync($"api/messages?groupId={groupId}&limit=100"), HttpStatusCode.OK))["items"]!.AsArray();
            var notices = items.Select(m => m!["system"]).OfType<JsonNode>().ToList();
            var renames = notices.Where(n => (string)n["type"]! == "renamed").Select(n => (string)n["name"]!).ToList();
            Assert.Equal(renamedTo.Order(), renames.Order());
            var added = notices.Where(n => (string)n["type"]! == "membersAdded").ToList();
            Assert.Equal(addedIds.Order(), added.SelectMany(n => Ids(n["userIds"])).Order());
            // A join names the joiner as actor; an admin's add names the admin.
            Assert.All(added, n => Assert.Contains((string)n["actorId"]!, Ids(n["userIds"]).Append(admin.UserId)));
        }
    }

    [Fact]
    public async Task ACallLeavesOneRecordWithItsOutcomeEvenWhenBothSidesHangUpAtOnce()
    {
        var (ann, bob) = (await ChatApiClient.RegisterAsync(Http, "ann"), await ChatApiClient.RegisterAsync(Http, "bob"));
        await ann.SendMessageAsync(new { receiverId = bob.UserId, content = "call you?" });
        await bob.SendMessageAsync(new { receiverId = ann.UserId, content = "sure" });
        await using var bobOnline = await RealtimeClient.ConnectAsync(fixture.Host.BaseAddress, bob.UserId, bob.AccessToken);
        async Task Signal(ChatApiClient from, ChatApiClient to, string callId, string type, object? payload = null) =>
            Assert.Equal(HttpStatusCode.Accepted, (await from.PostAsync("api/calls/signal", new { toUserId = to.UserId, callId, type, payload = payload ?? new { sdp = "v=0" } })).StatusCode);

        await Signal(ann, bob, "missed-1", "offer");
        await Signal(ann, bob, "missed-1", "hangup", new { reason = "missed" });
        var missed = await bobOnline.WaitForAsync(ChatHub.NewMessage, m => m.Str("senderId") == "system");
        Assert.Equal(("call", "missed", "missed-1", ann.UserId), (missed.GetProperty("system").Str("type"), missed.GetProperty("system").Str("outcome"),
            missed.GetProperty("system").Str("callId"), missed.GetProperty("system").Str("actorId")));

        await Signal(ann, bob, "declined-1", "offer");
        await Signal(bob, ann, "declined-1", "hangup", new { reason = "declined" });

        // Answered calls that both sides hang up at the same moment: one record each.
        var calls = Enumerable.Range(0, 10).Select(i => $"ended-{i}").ToList();
        foreach (var call in calls)
        {
            await Signal(ann, bob, call, "offer");
            await Signal(bob, ann, call, "answer");
            await Task.WhenAll(Signal(ann, bob, call, "hangup", new { reason = "hangup" }), Signal(bob, ann, call, "hangup", new { reason = "hangup" }));
        }

        // A hangup of a call nobody offered, and a repeated one, record nothing.
        await Signal(ann, bob, "never-offered", "hangup");
        await Signal(bob, ann, "missed-1", "hangup");

        var items = (await ChatApiClient.ReadAsync(await bob.GetAsync($"api/messages?with={ann.UserId}&limit=100"), HttpStatusCode.OK))["items"]!.AsArray();
        var records = items.Select(m => m!["system"]).OfType<JsonNode>().ToList();
        Assert.Equal(new[] { "declined-1", "missed-1" }.Concat(calls).Order(), records.Select(r => (string)r["callId"]!).Order());
        Assert.Equal("declined", (string)records.Single(r => (string)r["callId"]! == "declined-1")["outcome"]!);
        Assert.All(records.Where(r => ((string)r["callId"]!).StartsWith("ended-", StringComparison.Ordinal)), r =>
        {
            Assert.Equal("ended", (string)r["outcome"]!);
            Assert.True((int)r["durationSeconds"]! >= 0);
        });

        // The call records are the conversation's latest, and never unread.
        var conversation = (await ChatApiClient.ReadAsync(await bob.GetAsync("api/conversations"), HttpStatusCode.OK))["items"]!.AsArray()
            .Single(c => (string?)c!["peer"]?["id"] == ann.UserId)!;
        Assert.Equal(1, (int)conversation["unread"]!);
        Assert.Equal("call", (string)conversation["lastMessage"]!["system"]!["type"]!);
    }

    private async Task<JsonNode> ConversationAsync(ChatApiClient user, string groupId)
    {
        var list = await ChatApiClient.ReadAsync(await user.GetAsync("api/conversations"), HttpStatusCode.OK);
        return list["items"]!.AsArray().Single(c => (string?)c!["group"]?["id"] == groupId)!;
    }

    private static string[] Ids(JsonNode? list) => list!.AsArray().Select(i => (string)i!).ToArray();
}
