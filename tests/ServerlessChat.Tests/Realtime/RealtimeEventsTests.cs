using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using ServerlessChat.Core.Realtime;
using ServerlessChat.Tests.Infrastructure;

namespace ServerlessChat.Tests.Realtime;

[Collection(RealtimeHostCollection.Name)]
public sealed class RealtimeEventsTests(RealtimeHostFixture fixture) : IAsyncLifetime
{
    private readonly List<RealtimeClient> _connections = [];

    private StandaloneHost Host => fixture.Host;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var connection in _connections)
        {
            await connection.DisposeAsync();
        }
    }

    [Fact]
    public async Task NegotiateAnswersTheHubUrlAndAHubTokenThatTheApiRefuses()
    {
        var user = await RegisterAsync();
        var answer = await ChatApiClient.ReadAsync(await user.PostAsync("api/negotiate?negotiateVersion=1", null), HttpStatusCode.OK);
        Assert.Equal(new Uri(Host.BaseAddress, "hubs/chat").ToString(), (string)answer["url"]!);
        var hubToken = (string)answer["accessToken"]!;
        Assert.False(string.IsNullOrEmpty(hubToken));

        using var withHubToken = new HttpRequestMessage(HttpMethod.Get, "api/users/me");
        withHubToken.Headers.Authorization = new AuthenticationHeaderValue("Bearer", hubToken);
        await ChatApiClient.ReadProblemAsync(await Host.Client.SendAsync(withHubToken), HttpStatusCode.Unauthorized);

        await ChatApiClient.ReadProblemAsync(await Host.Client.PostAsync("api/negotiate", null), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task NegotiatesCloseTheirSocketAfterTheAnswerAndOtherRequestsKeepTheirsAlive()
    {
        var user = await RegisterAsync();
        using var negotiated = await user.PostAsync("api/negotiate?negotiateVersion=1", null);
        var answer = await ChatApiClient.ReadAsync(negotiated, HttpStatusCode.OK);
        Assert.True(negotiated.Headers.ConnectionClose, "POST /api/negotiate answers Connection: close");

        // The hub's own negotiate, as the SignalR client sends it after the redirect.
        using var hubNegotiate = new HttpRequestMessage(HttpMethod.Post, "hubs/chat/negotiate?negotiateVersion=1");
        hubNegotiate.Headers.Authorization = new AuthenticationHeaderValue("Bearer", (string)answer["accessToken"]!);
        using var hubAnswer = await Host.Client.SendAsync(hubNegotiate);
        Assert.Equal(HttpStatusCode.OK, hubAnswer.StatusCode);
        Assert.True(hubAnswer.Headers.ConnectionClose, "the hub's negotiate answers Connection: close");

        using var me = await user.GetAsync("api/users/me");
        Assert.Equal(HttpStatusCode.OK, me.StatusCode);
        Assert.NotEqual(true, me.Headers.ConnectionClose);
    }

    [Fact]
    public async Task TheHubRefusesApiAccessTokensAndMissingTokens()
    {
        var user = await RegisterAsync();
        foreach (var token in new[] { user.AccessToken, "", "not-a-token" })
        {
            // Straight at the hub, skipping the redirect: only a hub token from negotiate opens it.
            var connection = new HubConnectionBuilder().WithUrl(new Uri(Host.BaseAddress, "hubs/chat"), options =>
            {
                options.AccessTokenProvider = () => Task.FromResult<string?>(token);
                options.Transports = HttpTransportType.WebSockets;
            }).Build();
            await using (connection)
            {
                var error = await Assert.ThrowsAsync<HttpRequestException>(() => connection.StartAsync());
                Assert.Equal(HttpStatusCode.Unauthorized, error.StatusCode);
            }
        }
    }

    [Fact]
    public async Task DirectMessageReachesReceiverAndSendersOtherConnectionButNobodyElse()
    {
        var (alice, bob, carol) = (await RegisterAsync(), await RegisterAsync(), await RegisterAsync());
        var aliceOne = await ConnectAsync(alice);
        var aliceTwo = await ConnectAsync(alice);
        var bobPhone = await ConnectAsync(bob);
        var bobLaptop = await ConnectAsync(bob);
        var carolOnly = await ConnectAsync(carol);

        var sent = await alice.SendMessageAsync(new { receiverId = bob.UserId, content = "hello bob" });
        var id = (string)sent["id"]!;
        foreach (var connection in new[] { aliceOne, aliceTwo, bobPhone, bobLaptop })
        {
            var received = await connection.WaitForAsync(ChatHub.NewMessage, m => m.Str("id") == id);
            Assert.Equal("hello bob", received.Str("content"));
            Assert.Equal(alice.UserId, received.Str("senderId"));
            Assert.Equal(bob.UserId, received.Str("receiverId"));
        }

        await carolOnly.SentinelAsync(Host.Client);
        Assert.Empty(carolOnly.Received(ChatHub.NewMessage, m => m.Str("id") == id));
    }

    [Fact]
    public async Task ARepeatedSendPublishesTheStoredMessageAgainUnderItsOwnCursor()
    {
        // The first attempt stored the message, but its publish never reached bob (here: bob was not connected; in
        // production: a host that died between the write and the publish). The sender's retry must reach him live.
        var (alice, bob, carol) = (await RegisterAsync(), await RegisterAsync(), await RegisterAsync());
        var request = new { receiverId = bob.UserId, content = "stored, then the host died", clientMessageId = "retry-after-crash" };
        var first = await alice.SendMessageAsync(request);
        var bobConnection = await ConnectAsync(bob);
        var carolConnection = await ConnectAsync(carol);

        var repeat = await ChatApiClient.ReadAsync(await alice.PostAsync("api/messages", request), HttpStatusCode.OK);

        var received = await bobConnection.WaitForAsync(ChatHub.NewMessage, m => m.Str("id") == (string)first["id"]!);
        Assert.Equal("stored, then the host died", received.Str("content"));
        // One change, one cursor: a client that had it from the first publish or from sync skips it.
        Assert.Equal((string)first["cursor"]!, received.Str("cursor"));
        Assert.Equal((string)first["cursor"]!, (string)repeat["cursor"]!);
        await carolConnection.SentinelAsync(Host.Client);
        Assert.Empty(carolConnection.Received(ChatHub.NewMessage, m => m.Str("id") == (string)first["id"]!));
    }

    [Fact]
    public async Task EditDeleteAndReadReachBothSidesOfTheConversationOnly()
    {
        var (alice, bob, carol) = (await RegisterAsync(), await RegisterAsync(), await RegisterAsync());
        var aliceOther = await ConnectAsync(alice);
        var bobConnection = await ConnectAsync(bob);
        var carolConnection = await ConnectAsync(carol);
        var id = (string)(await alice.SendMessageAsync(new { receiverId = bob.UserId, content = "first" }))["id"]!;

        await ChatApiClient.ReadAsync(await alice.PatchAsync($"api/messages/{id}", new { content = "edited" }), HttpStatusCode.OK);
        foreach (var connection in new[] { aliceOther, bobConnection })
        {
            var updated = await connection.WaitForAsync(ChatHub.MessageUpdated, m => m.Str("id") == id);
            Assert.Equal("edited", updated.Str("content"));
            Assert.NotNull(updated.Str("editedAt"));
        }

        var read = await ChatApiClient.ReadAsync(await bob.PostAsync("api/messages/read", new { with = alice.UserId, upTo = id }), HttpStatusCode.OK);
        foreach (var connection in new[] { aliceOther, bobConnection })
        {
            var readEvent = await connection.WaitForAsync(ChatHub.MessagesRead, m => m.Str("upTo") == id);
            Assert.Equal(bob.UserId, readEvent.Str("readerId"));
            Assert.Equal((string)read["conversationId"]!, readEvent.Str("conversationId"));
        }

        Assert.Equal(HttpStatusCode.NoContent, (await alice.DeleteAsync($"api/messages/{id}")).StatusCode);
        foreach (var connection in new[] { aliceOther, bobConnection })
        {
            var deleted = await connection.WaitForAsync(ChatHub.MessageDeleted, m => m.Str("id") == id);
            Assert.Equal((string)read["conversationId"]!, deleted.Str("conversationId"));
        }

        await carolConnection.SentinelAsync(Host.Client);
        Assert.Equal([ChatHub.NewMessage], carolConnection.ReceivedNames());
    }

    [Fact]
    public async Task GroupEventsReachMembersOnlyAndFollowMembershipChangesOfOpenConnections()
    {
        var (admin, member, outsider, joiner) = (await RegisterAsync(), await RegisterAsync(), await RegisterAsync(), await RegisterAsync());
        var adminConnection = await ConnectAsync(admin);
        var memberConnection = await ConnectAsync(member);
        var outsiderConnection = await ConnectAsync(outsider);
        var joinerConnection = await ConnectAsync(joiner);

        // Created while everyone is connected: the members' open connections join the group at once.
        var group = await admin.CreateGroupAsync("realtime", member.UserId);
        var groupId = (string)group["id"]!;
        await memberConnection.WaitForAsync(ChatHub.GroupUpdated, g => g.Str("id") == groupId);

        var first = (string)(await member.SendMessageAsync(new { groupId, content = "to the group" }))["id"]!;
        await adminConnection.WaitForAsync(ChatHub.NewMessage, m => m.Str("id") == first);
        await memberConnection.WaitForAsync(ChatHub.NewMessage, m => m.Str("id") == first);

        // Added while connected: the next group message reaches the joiner's already open connection.
        await ChatApiClient.ReadAsync(await admin.PutAsync($"api/groups/{groupId}/members", new { add = new[] { joiner.UserId } }), HttpStatusCode.OK);
        var joined = await joinerConnection.WaitForAsync(ChatHub.GroupUpdated, g => g.Str("id") == groupId);
        Assert.Contains(joiner.UserId, joined.GetProperty("members").EnumerateArray().Select(m => m.GetString()));
        var second = (string)(await admin.SendMessageAsync(new { groupId, content = "welcome" }))["id"]!;
        await joinerConnection.WaitForAsync(ChatHub.NewMessage, m => m.Str("id") == second);

        // Removed while connected: told once, then nothing more from the group.
        await ChatApiClient.ReadAsync(await admin.PutAsync($"api/groups/{groupId}/members", new { remove = new[] { member.UserId } }), HttpStatusCode.OK);
        await memberConnection.WaitForAsync(ChatHub.GroupUpdated, g => g.Str("id") == groupId
            && !g.GetProperty("members").EnumerateArray().Any(m => m.GetString() == member.UserId));
        var third = (string)(await admin.SendMessageAsync(new { groupId, content = "after the removal" }))["id"]!;
        await joinerConnection.WaitForAsync(ChatHub.NewMessage, m => m.Str("id") == third);

        await memberConnection.SentinelAsync(Host.Client);
        Assert.Empty(memberConnection.Received(ChatHub.NewMessage, m => m.Str("id") == third));
        await outsiderConnection.SentinelAsync(Host.Client);
        Assert.Empty(outsiderConnection.Received(ChatHub.NewMessage, m => m.Str("groupId") == groupId));
        Assert.Empty(outsiderConnection.Received(ChatHub.GroupUpdated));
    }

    [Fact]
    public async Task ANewConnectionOfAMemberJoinsItsGroups()
    {
        var (admin, member) = (await RegisterAsync(), await RegisterAsync());
        var groupId = (string)(await admin.CreateGroupAsync("later", member.UserId))["id"]!;
        var memberConnection = await ConnectAsync(member);
        var id = (string)(await admin.SendMessageAsync(new { groupId, content = "hi all" }))["id"]!;
        await memberConnection.WaitForAsync(ChatHub.NewMessage, m => m.Str("id") == id);
    }

    [Fact]
    public async Task GroupMessagesSentAtOnceReachEveryMemberInTheSameOrder()
    {
        var users = new List<ChatApiClient>();
        for (var i = 0; i < 4; i++)
        {
            users.Add(await RegisterAsync());
        }

        var connections = new List<RealtimeClient>();
        foreach (var user in users)
        {
            connections.Add(await ConnectAsync(user));
        }

        var groupId = (string)(await users[0].CreateGroupAsync("at once", users.Skip(1).Select(u => u.UserId).ToArray()))["id"]!;
        foreach (var connection in connections.Skip(1))
        {
            await connection.WaitForAsync(ChatHub.GroupUpdated, g => g.Str("id") == groupId);
        }

        // Every member sends at once, so that messages commit together and their sends race for the group.
        var sends = users.SelectMany(user => Enumerable.Range(0, 10).Select(k => user.SendMessageAsync(new { groupId, content = $"burst {k}" })));
        var ids = (await Task.WhenAll(sends)).Select(m => (string)m["id"]!).ToList();
        foreach (var connection in connections)
        {
            foreach (var id in ids)
            {
                await connection.WaitForAsync(ChatHub.NewMessage, m => m.Str("id") == id);
            }
        }

        // The group's "created" system message is not part of the burst.
        var orders = connections.Select(c => c.Received(ChatHub.NewMessage, m => m.Str("groupId") == groupId && m.Str("senderId") != "system").Select(m => m.Str("id")).ToList()).ToList();
        Assert.All(orders, order => Assert.Equal(ids.Count, order.Count));
        Assert.All(orders.Skip(1), order => Assert.Equal(orders[0], order));
    }

    [Fact]
    public async Task TypingReachesTheOthersInTheConversationOnly()
    {
        var (alice, bob, carol, dave) = (await RegisterAsync(), await RegisterAsync(), await RegisterAsync(), await RegisterAsync());
        var aliceConnection = await ConnectAsync(alice);
        var bobConnection = await ConnectAsync(bob);
        var carolConnection = await ConnectAsync(carol);
        var daveConnection = await ConnectAsync(dave);
        var groupId = (string)(await alice.CreateGroupAsync("typists", bob.UserId, carol.UserId))["id"]!;

        Assert.Equal(HttpStatusCode.Accepted, (await alice.PostAsync("api/typing", new { receiverId = bob.UserId })).StatusCode);
        var direct = await bobConnection.WaitForAsync(ChatHub.Typing, t => t.Str("conversationId")!.StartsWith("d:", StringComparison.Ordinal));
        Assert.Equal(alice.UserId, direct.Str("userId"));

        Assert.Equal(HttpStatusCode.Accepted, (await alice.PostAsync("api/typing", new { groupId })).StatusCode);
        foreach (var connection in new[] { bobConnection, carolConnection })
        {
            var inGroup = await connection.WaitForAsync(ChatHub.Typing, t => t.Str("conversationId") == $"g:{groupId}");
            Assert.Equal(alice.UserId, inGroup.Str("userId"));
        }

        await aliceConnection.SentinelAsync(Host.Client);
        Assert.Empty(aliceConnection.Received(ChatHub.Typing));
        await daveConnection.SentinelAsync(Host.Client);
        Assert.Empty(daveConnection.Received(ChatHub.Typing));
        Assert.Single(carolConnection.Received(ChatHub.Typing));
    }

    [Fact]
    public async Task TypingIsCoalescedWithinItsTwoSecondWindow()
    {
        // Windows are aligned to the clock (every instance computes the same one); a pair of requests that
        // happens to straddle a window boundary proves nothing, so it is tried again with fresh users.
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var (alice, bob) = (await RegisterAsync(), await RegisterAsync());
            await alice.SendMessageAsync(new { receiverId = bob.UserId, content = "typing next" });
            var bobConnection = await ConnectAsync(bob);
            var windowBefore = Window(DateTimeOffset.UtcNow);
            Assert.Equal(HttpStatusCode.Accepted, (await alice.PostAsync("api/typing", new { receiverId = bob.UserId })).StatusCode);
            Assert.Equal(HttpStatusCode.Accepted, (await alice.PostAsync("api/typing", new { receiverId = bob.UserId })).StatusCode);
            var windowAfter = Window(DateTimeOffset.UtcNow);
            await bobConnection.WaitForAsync(ChatHub.Typing);
            await bobConnection.SentinelAsync(Host.Client);
            if (windowBefore != windowAfter)
            {
                continue;
            }

            Assert.Single(bobConnection.Received(ChatHub.Typing));
            return;
        }

        Assert.Fail("Every attempt straddled a window boundary.");
    }

    [Fact]
    public async Task TypingIsRefusedOutsideTheCallersConversations()
    {
        var (alice, bob) = (await RegisterAsync(), await RegisterAsync());
        var othersGroup = (string)(await bob.CreateGroupAsync("private"))["id"]!;
        await ChatApiClient.ReadProblemAsync(await alice.PostAsync("api/typing", new { groupId = othersGroup }), HttpStatusCode.NotFound);
        await ChatApiClient.ReadProblemAsync(await alice.PostAsync("api/typing", new { receiverId = "0123456789abcdef01234567" }), HttpStatusCode.NotFound);
        await ChatApiClient.ReadProblemAsync(await alice.PostAsync("api/typing", new { receiverId = alice.UserId }), HttpStatusCode.BadRequest);
        await ChatApiClient.ReadProblemAsync(await alice.PostAsync("api/typing", new { receiverId = bob.UserId, groupId = othersGroup }), HttpStatusCode.BadRequest);
        await ChatApiClient.ReadProblemAsync(await alice.PostAsync("api/typing", new { }), HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task CallSignalsReachOnlyTheCalleeAndOnlyBetweenUsersWhoShareAConversation()
    {
        var (caller, callee, stranger) = (await RegisterAsync(), await RegisterAsync(), await RegisterAsync());
        var callerConnection = await ConnectAsync(caller);
        var calleeConnection = await ConnectAsync(callee);
        var strangerConnection = await ConnectAsync(stranger);
        await caller.SendMessageAsync(new { receiverId = callee.UserId, content = "call you?" });
        await callee.SendMessageAsync(new { receiverId = caller.UserId, content = "sure" });

        var offer = new { toUserId = callee.UserId, callId = "call-1", type = "offer", payload = new { type = "offer", sdp = "v=0\r\n" } };
        Assert.Equal(HttpStatusCode.Accepted, (await caller.PostAsync("api/calls/signal", offer)).StatusCode);
        var signal = await calleeConnection.WaitForAsync(ChatHub.CallSignal);
        Assert.Equal("call-1", signal.Str("callId"));
        Assert.Equal(caller.UserId, signal.Str("fromUserId"));
        Assert.Equal("offer", signal.Str("type"));
        Assert.Equal("v=0\r\n", signal.GetProperty("payload").Str("sdp"));

        var answer = new { toUserId = caller.UserId, callId = "call-1", type = "answer", payload = "answer-sdp" };
        Assert.Equal(HttpStatusCode.Accepted, (await callee.PostAsync("api/calls/signal", answer)).StatusCode);
        Assert.Equal("answer-sdp", (await callerConnection.WaitForAsync(ChatHub.CallSignal)).GetProperty("payload").GetString());
        var hangup = new { toUserId = callee.UserId, callId = "call-1", type = "hangup" };
        Assert.Equal(HttpStatusCode.Accepted, (await caller.PostAsync("api/calls/signal", hangup)).StatusCode);
        await calleeConnection.WaitForAsync(ChatHub.CallSignal, s => s.Str("type") == "hangup");

        var toStranger = new { toUserId = stranger.UserId, callId = "call-2", type = "offer", payload = "sdp" };
        await ChatApiClient.ReadProblemAsync(await caller.PostAsync("api/calls/signal", toStranger), HttpStatusCode.Forbidden);
        var toNobody = new { toUserId = "0123456789abcdef01234567", callId = "call-3", type = "offer", payload = "sdp" };
        await ChatApiClient.ReadProblemAsync(await caller.PostAsync("api/calls/signal", toNobody), HttpStatusCode.NotFound);

        await strangerConnection.SentinelAsync(Host.Client);
        Assert.Empty(strangerConnection.Received(ChatHub.CallSignal));
        await callerConnection.SentinelAsync(Host.Client);
        Assert.Single(callerConnection.Received(ChatHub.CallSignal));
    }

    [Fact]
    public async Task CallSignalsAreValidated()
    {
        var (caller, callee) = (await RegisterAsync(), await RegisterAsync());
        await caller.SendMessageAsync(new { receiverId = callee.UserId, content = "hi" });
        var cases = new (object Body, string Field)[]
        {
            (new { toUserId = callee.UserId, callId = "c", type = "ring", payload = "x" }, "type"),
            (new { toUserId = callee.UserId, type = "offer", payload = "x" }, "callId"),
            (new { toUserId = callee.UserId, callId = "has space", type = "offer", payload = "x" }, "callId"),
            (new { toUserId = callee.UserId, callId = "c", type = "offer" }, "payload"),
            (new { toUserId = callee.UserId, callId = "c", type = "ice", payload = 42 }, "payload"),
            (new { toUserId = callee.UserId, callId = "c", type = "offer", payload = new string('x', 17 * 1024) }, "payload"),
            (new { toUserId = caller.UserId, callId = "c", type = "offer", payload = "x" }, "toUserId"),
            (new { callId = "c", type = "offer", payload = "x" }, "toUserId"),
        };
        foreach (var (body, field) in cases)
        {
            var problem = await ChatApiClient.ReadProblemAsync(await caller.PostAsync("api/calls/signal", body), HttpStatusCode.BadRequest);
            Assert.NotNull(problem["errors"]?[field]);
        }
    }

    [Fact]
    public async Task IceServersComeFromConfiguration()
    {
        var user = await RegisterAsync();
        var answer = await ChatApiClient.ReadAsync(await user.GetAsync("api/calls/ice-servers"), HttpStatusCode.OK);
        var servers = answer["iceServers"]!.AsArray();
        Assert.Equal(2, servers.Count);
        Assert.Equal(["stun:stun.example.test:3478"], servers[0]!["urls"]!.AsArray().Select(u => (string)u!));
        Assert.False(servers[0]!.AsObject().ContainsKey("username"));
        Assert.Equal(["turn:turn.example.test:3478?transport=udp", "turns:turn.example.test:5349"], servers[1]!["urls"]!.AsArray().Select(u => (string)u!));
        Assert.Equal("turn-user", (string)servers[1]!["username"]!);
        Assert.Equal("turn-secret", (string)servers[1]!["credential"]!);
        await ChatApiClient.ReadProblemAsync(await Host.Client.GetAsync("api/calls/ice-servers"), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task AHostWithATurnServerWithoutCredentialsDoesNotStart()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => StandaloneHost.StartAsync(new Dictionary<string, string?>
        {
            ["Calls__IceServers__0__Urls__0"] = "turn:turn.example.test:3478",
        }));
        Assert.Contains("Calls:IceServers:0", error.Message, StringComparison.Ordinal);
    }

    private Task<ChatApiClient> RegisterAsync() => ChatApiClient.RegisterAsync(Host.Client, "rt");

    private async Task<RealtimeClient> ConnectAsync(ChatApiClient user)
    {
        var connection = await RealtimeClient.ConnectAsync(Host.BaseAddress, user.UserId, user.AccessToken);
        _connections.Add(connection);
        return connection;
    }


    private static long Window(DateTimeOffset at) => at.ToUnixTimeMilliseconds() / 2000;
}
