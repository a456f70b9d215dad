using System.Net;
using ServerlessChat.Core.Realtime;
using ServerlessChat.Tests.Infrastructure;
using ServerlessChat.Tests.Realtime;

namespace ServerlessChat.Tests.Api;

/// <summary>"Seen by" over HTTP, on the store the shared host runs on (MongoDB when CHAT_TEST_MONGODB is set).</summary>
[Collection(SharedHostCollection.Name)]
public sealed class ReadMarkersApiTests(SharedHostFixture fixture)
{
    private HttpClient Http => fixture.Host.Client;

    [Fact]
    public async Task MembersSeeWhereEachOtherMemberHasReadToAndHearItMove()
    {
        var (alice, bob, carol, outsider) = (await ChatApiClient.RegisterAsync(Http, "seen"), await ChatApiClient.RegisterAsync(Http, "seen"),
            await ChatApiClient.RegisterAsync(Http, "seen"), await ChatApiClient.RegisterAsync(Http, "out"));
        var groupId = (string)(await alice.CreateGroupAsync("seen by", bob.UserId, carol.UserId))["id"]!;
        var first = (string)(await alice.SendMessageAsync(new { groupId, content = "one" }))["id"]!;
        var second = (string)(await alice.SendMessageAsync(new { groupId, content = "two" }))["id"]!;
        var path = $"api/conversations/{Uri.EscapeDataString($"g:{groupId}")}/read-markers";
        Assert.Empty((await ChatApiClient.ReadAsync(await alice.GetAsync(path), HttpStatusCode.OK))["items"]!.AsArray());
        await using var aliceOnline = await RealtimeClient.ConnectAsync(fixture.Host.BaseAddress, alice.UserId, alice.AccessToken);

        var before = DateTimeOffset.UtcNow.AddSeconds(-5);
        await ChatApiClient.ReadAsync(await bob.PostAsync("api/messages/read", new { groupId, upTo = second }), HttpStatusCode.OK);
        await ChatApiClient.ReadAsync(await carol.PostAsync("api/messages/read", new { groupId, upTo = first }), HttpStatusCode.OK);
        await aliceOnline.WaitForAsync(ChatHub.MessagesRead, r => r.Str("readerId") == carol.UserId);

        var items = (await ChatApiClient.ReadAsync(await alice.GetAsync(path), HttpStatusCode.OK))["items"]!.AsArray();
        Assert.Equal([(bob.UserId, second), (carol.UserId, first)], items.Select(i => ((string)i!["userId"]!, (string)i["upTo"]!)));
        Assert.All(items, i => Assert.InRange(DateTimeOffset.Parse((string)i!["readAt"]!), before, DateTimeOffset.UtcNow.AddSeconds(5)));

        await ChatApiClient.ReadProblemAsync(await outsider.GetAsync(path), HttpStatusCode.NotFound);
        await ChatApiClient.ReadProblemAsync(await outsider.GetAsync("api/conversations/g:nope/read-markers"), HttpStatusCode.NotFound);
        // Who left is no longer listed.
        await ChatApiClient.ReadAsync(await carol.PutAsync($"api/groups/{groupId}/members", new { remove = new[] { carol.UserId } }), HttpStatusCode.OK);
        Assert.Equal([bob.UserId], (await ChatApiClient.ReadAsync(await alice.GetAsync(path), HttpStatusCode.OK))["items"]!.AsArray().Select(i => (string)i!["userId"]!));
    }

    [Fact]
    public async Task ConcurrentReadsOfAGroupLeaveEveryMemberAtItsFurthest()
    {
        var users = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => ChatApiClient.RegisterAsync(Http, "seen")));
        var groupId = (string)(await users[0].CreateGroupAsync("burst", users.Skip(1).Select(u => u.UserId).ToArray()))["id"]!;
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add((string)(await users[0].SendMessageAsync(new { groupId, content = $"m{i}" }))["id"]!);
        }

        var responses = await Task.WhenAll(users.Skip(1).SelectMany(u => ids.Select(id => u.PostAsync("api/messages/read", new { groupId, upTo = id }))));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        var items = (await ChatApiClient.ReadAsync(await users[0].GetAsync($"api/conversations/{Uri.EscapeDataString($"g:{groupId}")}/read-markers"), HttpStatusCode.OK))["items"]!.AsArray();
        Assert.Equal(users.Skip(1).Select(u => u.UserId).Order(StringComparer.Ordinal), items.Select(i => (string)i!["userId"]!).Order(StringComparer.Ordinal));
        Assert.All(items, i => Assert.Equal(ids[^1], (string)i!["upTo"]!));
    }
}
