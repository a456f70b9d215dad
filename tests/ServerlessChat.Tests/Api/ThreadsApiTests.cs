using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using ServerlessChat.Core.Realtime;
using ServerlessChat.Tests.Infrastructure;
using ServerlessChat.Tests.Realtime;

namespace ServerlessChat.Tests.Api;

/// <summary>Threads over HTTP, on the store the shared host runs on (MongoDB when CHAT_TEST_MONGODB is set).</summary>
[Collection(SharedHostCollection.Name)]
public sealed class ThreadsApiTests(SharedHostFixture fixture)
{
    private HttpClient Http => fixture.Host.Client;

    [Fact]
    public async Task RepliesGoToTheThreadTheRootCountsThemAndOnlyThoseAlsoInTheConversationReachItsHistory()
    {
        var (alice, bob, carol) = (await ChatApiClient.RegisterAsync(Http, "thr"), await ChatApiClient.RegisterAsync(Http, "thr"), await ChatApiClient.RegisterAsync(Http, "thr"));
        var groupId = (string)(await alice.CreateGroupAsync("threads", bob.UserId, carol.UserId))["id"]!;
        var root = (string)(await alice.SendMessageAsync(new { groupId, content = "what about friday?" }))["id"]!;
        await using var aliceOnline = await RealtimeClient.ConnectAsync(fixture.Host.BaseAddress, alice.UserId, alice.AccessToken);

        var inThread = await bob.SendMessageAsync(new { groupId, content = "works for me", threadId = root });
        Assert.Equal(root, (string?)inThread["threadId"]);
        Assert.False((bool)inThread["alsoInConversation"]!);
        var heard = await aliceOnline.WaitForAsync(ChatHub.NewMessage, m => m.Str("id") == (string)inThread["id"]!);
        Assert.Equal(root, heard.Str("threadId"));
        var rootHeard = await aliceOnline.WaitForAsync(ChatHub.MessageUpdated, m => m.Str("id") == root);
        Assert.Equal(1, rootHeard.GetProperty("thread").GetProperty("replyCount").GetInt64());
        Assert.NotNull(rootHeard.Str("cursor"));

        var shown = await carol.SendMessageAsync(new { groupId, content = "me too", threadId = root, alsoInConversation = true });
        await bob.SendMessageAsync(new { groupId, content = "see you", threadId = root });

        var history = (await ChatApiClient.ReadAsync(await alice.GetAsync($"api/messages?groupId={groupId}"), HttpStatusCode.OK))["items"]!.AsArray()
            .Where(m => m!["system"] is null).ToList();
        Assert.Equal([(string)shown["id"]!, root], history.Select(m => (string)m!["id"]!));
        var thread = history[1]!["thread"]!;
        Assert.Equal(3, (long)thread["replyCount"]!);
        Assert.Equal([bob.UserId, carol.UserId], thread["participantIds"]!.AsArray().Select(p => (string)p!));
        Assert.NotNull((string?)thread["lastReplyAt"]);
        Assert.Null(history[0]!["thread"]);

        // The thread, oldest first, a page at a time.
        var first = await ChatApiClient.ReadAsync(await carol.GetAsync($"api/messages/{root}/thread?limit=2"), HttpStatusCode.OK);
        Assert.Equal(["works for me", "me too"], first["items"]!.AsArray().Select(m => (string)m!["content"]!));
        var rest = await ChatApiClient.ReadAsync(await carol.GetAsync($"api/messages/{root}/thread?limit=2&after={first["nextAfter"]}"), HttpStatusCode.OK);
        Assert.Equal(["see you"], rest["items"]!.AsArray().Select(m => (string)m!["content"]!));
        Assert.Null(rest["nextAfter"]);

        // Search finds a reply kept in its thread.
        var found = await ChatApiClient.ReadAsync(await alice.GetAsync($"api/search/messages?q=works&groupId={groupId}"), HttpStatusCode.OK);
        Assert.Equal([(string)inThread["id"]!], found["items"]!.AsArray().Select(i => (string)i!["message"]!["id"]!));

        // Alice's unread: only the reply also in the conversation, which is also its latest.
        var conversation = (await ChatApiClient.ReadAsync(await alice.GetAsync("api/conversations"), HttpStatusCode.OK))["items"]!.AsArray()
            .Single(c => (string?)c!["group"]?["id"] == groupId)!;
        Assert.Equal(1, (long)conversation["unread"]!);
        Assert.Equal((string)shown["id"]!, (string)conversation["lastMessage"]!["id"]!);
    }

    [Fact]
    public async Task AThreadIdMustNameATopLevelMessageOfTheSameConversationAndOutsidersSeeNoThread()
    {
        var (alice, bob, outsider) = (await ChatApiClient.RegisterAsync(Http, "thr"), await ChatApiClient.RegisterAsync(Http, "thr"), await ChatApiClient.RegisterAsync(Http, "thr"));
        var root = (string)(await alice.SendMessageAsync(new { receiverId = bob.UserId, content = "root" }))["id"]!;
        var reply = (string)(await bob.SendMessageAsync(new { receiverId = alice.UserId, content = "reply", threadId = root }))["id"]!;
        var elsewhere = (string)(await alice.SendMessageAsync(new { receiverId = outsider.UserId, content = "elsewhere" }))["id"]!;

        foreach (var threadId in new[] { reply, elsewhere, "0123456789abcdef01234567", "not-an-id" })
        {
            var problem = await ChatApiClient.ReadProblemAsync(
                await alice.PostAsync("api/messages", new { receiverId = bob.UserId, content = "re", threadId }), HttpStatusCode.BadRequest);
            Assert.NotNull(problem["errors"]!["threadId"]);
        }
        var alone = await ChatApiClient.ReadProblemAsync(
            await alice.PostAsync("api/messages", new { receiverId = bob.UserId, content = "re", alsoInConversation = true }), HttpStatusCode.BadRequest);
        Assert.NotNull(alone["errors"]!["alsoInConversation"]);

        await ChatApiClient.ReadProblemAsync(await outsider.GetAsync($"api/messages/{root}/thread"), HttpStatusCode.NotFound);
        await ChatApiClient.ReadProblemAsync(await alice.GetAsync($"api/messages/{reply}/thread"), HttpStatusCode.NotFound);
        await ChatApiClient.ReadProblemAsync(await alice.GetAsync($"api/messages/{root}/thread?limit=0"), HttpStatusCode.BadRequest);
        await ChatApiClient.ReadProblemAsync(await alice.GetAsync($"api/messages/{root}/thread?after=zz"), HttpStatusCode.BadRequest);

        // Nothing refused was stored: the thread still has its one reply.
        var thread = await ChatApiClient.ReadAsync(await bob.GetAsync($"api/messages/{root}/thread"), HttpStatusCode.OK);
        Assert.Equal([reply], thread["items"]!.AsArray().Select(m => (string)m!["id"]!));
        Assert.Equal([root], (await ChatApiClient.ReadAsync(await bob.GetAsync($"api/messages?with={alice.UserId}"), HttpStatusCode.OK))["items"]!.AsArray().Select(m => (string)m!["id"]!));
    }

    [Fact]
    public async Task ABurstOfRepliesLeavesAnExactCountAndTheLatestRootEventCarriesIt()
    {
        var members = new List<ChatApiClient>();
        for (var i = 0; i < 4; i++)
        {
            members.Add(await ChatApiClient.RegisterAsync(Http, "thr"));
        }
        var owner = members[0];
        var groupId = (string)(await owner.CreateGroupAsync("burst", members.Skip(1).Select(m => m.UserId).ToArray()))["id"]!;

        for (var round = 0; round < 3; round++)
        {
            var root = (string)(await owner.SendMessageAsync(new { groupId, content = $"root {round}" }))["id"]!;
            var start = await PinsApiTests.SyncStartAsync(owner);
            await using var online = await RealtimeClient.ConnectAsync(fixture.Host.BaseAddress, owner.UserId, owner.AccessToken);

            const int replies = 24;
            var sends = await Task.WhenAll(Enumerable.Range(0, replies).Select(i =>
                members[i % members.Count].PostAsync("api/messages", new { groupId, content = $"r{i}", threadId = root })));
            Assert.All(sends, s => Assert.Equal(HttpStatusCode.Created, s.StatusCode));

            var rootNow = (await ChatApiClient.ReadAsync(await owner.GetAsync($"api/messages/{root}/thread?limit=100"), HttpStatusCode.OK))["items"]!.AsArray();
            Assert.Equal(replies, rootNow.Count);
            var history = (await ChatApiClient.ReadAsync(await owner.GetAsync($"api/messages?groupId={groupId}&limit=1"), HttpStatusCode.OK))["items"]!.AsArray();
            Assert.Equal(root, (string)history[0]!["id"]!);
            Assert.Equal(replies, (long)history[0]!["thread"]!["replyCount"]!);
            Assert.Equal(members.Count, history[0]!["thread"]!["participantIds"]!.AsArray().Count);

            // Sync lists the root's updates in the order they happened; the live event of the last one shows every reply.
            var updates = (await PinsApiTests.SyncAllAsync(owner, start))
                .Where(c => (string)c["type"]! == "messageUpdated" && (string)c["data"]!["id"]! == root).Select(c => (string)c["cursor"]!).ToList();
            Assert.Equal(replies, updates.Count);
            var last = await online.WaitForAsync(ChatHub.MessageUpdated, m => m.Str("id") == root && m.Str("cursor") == updates[^1]);
            Assert.Equal(replies, last.GetProperty("thread").GetProperty("replyCount").GetInt64());
        }
    }

    [Fact]
    public async Task TheCallersThreadsComeLatestReplyFirstWithUnreadCountsThatAThreadReadMarkerClears()
    {
        var (alice, bob, carol) = (await ChatApiClient.RegisterAsync(Http, "thr"), await ChatApiClient.RegisterAsync(Http, "thr"), await ChatApiClient.RegisterAsync(Http, "thr"));
        var groupId = (string)(await alice.CreateGroupAsync("list", bob.UserId, carol.UserId))["id"]!;
        var older = (string)(await alice.SendMessageAsync(new { groupId, content = "older root" }))["id"]!;
        var newer = (string)(await bob.SendMessageAsync(new { groupId, content = "newer root" }))["id"]!;
        await bob.SendMessageAsync(new { groupId, content = "re older", threadId = older });
        var mention = (string)(await bob.SendMessageAsync(new { groupId, content = $"@{carol.Username} look", threadId = newer }))["id"]!;
        var last = (string)(await carol.SendMessageAsync(new { groupId, content = "re older again", threadId = older }))["id"]!;

        // Alice started one; the latest reply was in it.
        var aliceThreads = await ChatApiClient.ReadAsync(await alice.GetAsync("api/threads"), HttpStatusCode.OK);
        var item = Assert.Single(aliceThreads["items"]!.AsArray())!;
        Assert.Equal(older, (string)item["root"]!["id"]!);
        Assert.Equal(2, (long)item["unread"]!);

        // Carol was mentioned in one and replied to the other; pages of one.
        var page = await ChatApiClient.ReadAsync(await carol.GetAsync("api/threads?limit=1"), HttpStatusCode.OK);
        Assert.Equal(older, (string)page["items"]![0]!["root"]!["id"]!);
        Assert.Equal(1, (long)page["items"]![0]!["unread"]!);
        var next = await ChatApiClient.ReadAsync(await carol.GetAsync($"api/threads?limit=1&before={page["nextBefore"]}"), HttpStatusCode.OK);
        Assert.Equal(newer, (string)next["items"]![0]!["root"]!["id"]!);
        Assert.Equal(1, (long)next["items"]![0]!["unread"]!);
        Assert.Null(next["nextBefore"]);

        await using var aliceOnline = await RealtimeClient.ConnectAsync(fixture.Host.BaseAddress, alice.UserId, alice.AccessToken);
        var read = await ChatApiClient.ReadAsync(await alice.PostAsync("api/messages/read", new { groupId, threadId = older, upTo = last }), HttpStatusCode.OK);
        Assert.Equal((0L, older), ((long)read["unread"]!, (string?)read["threadId"]));
        var heard = await aliceOnline.WaitForAsync(ChatHub.MessagesRead, m => m.Str("threadId") == older);
        Assert.Equal(last, heard.Str("upTo"));
        Assert.Equal(0, (long)(await ChatApiClient.ReadAsync(await alice.GetAsync("api/threads"), HttpStatusCode.OK))["items"]![0]!["unread"]!);

        // A message outside the thread is no marker for it.
        await ChatApiClient.ReadProblemAsync(await alice.PostAsync("api/messages/read", new { groupId, threadId = older, upTo = mention }), HttpStatusCode.NotFound);
        await ChatApiClient.ReadProblemAsync(await alice.GetAsync("api/threads?limit=0"), HttpStatusCode.BadRequest);
    }
}
