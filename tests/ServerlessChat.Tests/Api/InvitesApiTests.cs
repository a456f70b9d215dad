using System.Net;
using System.Text.Json.Nodes;
using MongoDB.Bson;
using ServerlessChat.Core.Realtime;
using ServerlessChat.Tests.Infrastructure;
using ServerlessChat.Tests.Realtime;

namespace ServerlessChat.Tests.Api;

/// <summary>Invite links over HTTP, on the store the shared host runs on (MongoDB when CHAT_TEST_MONGODB is set).</summary>
[Collection(SharedHostCollection.Name)]
public sealed class InvitesApiTests(SharedHostFixture fixture)
{
    private HttpClient Http => fixture.Host.Client;

    [Fact]
    public async Task AnInviteShowsItsGroupAndJoinsOnceWithGroupUpdatedForTheMembers()
    {
        var (admin, joiner) = (await ChatApiClient.RegisterAsync(Http, "adm"), await ChatApiClient.RegisterAsync(Http, "join"));
        var groupId = (string)(await admin.CreateGroupAsync("open house"))["id"]!;
        await using var adminOnline = await RealtimeClient.ConnectAsync(fixture.Host.BaseAddress, admin.UserId, admin.AccessToken);
        await using var joinerOnline = await RealtimeClient.ConnectAsync(fixture.Host.BaseAddress, joiner.UserId, joiner.AccessToken);

        var invite = await ChatApiClient.ReadAsync(await admin.PostAsync($"api/groups/{groupId}/invites", new { maxUses = 5 }), HttpStatusCode.Created);
        var token = (string)invite["token"]!;
        Assert.Equal((5, 0), ((int)invite["maxUses"]!, (int)invite["uses"]!));
        Assert.Null(invite["expiresAt"]);

        var preview = await ChatApiClient.ReadAsync(await joiner.GetAsync($"api/invites/{token}"), HttpStatusCode.OK);
        Assert.Equal((groupId, "open house", 1), ((string)preview["groupId"]!, (string)preview["name"]!, (int)preview["memberCount"]!));

        var joined = await ChatApiClient.ReadAsync(await joiner.PostAsync($"api/invites/{token}/join", null), HttpStatusCode.OK);
        Assert.Equal([admin.UserId, joiner.UserId], Ids(joined["members"]));
        await adminOnline.WaitForAsync(ChatHub.GroupUpdated, g => g.GetProperty("members").GetArrayLength() == 2);
        // The joiner's own connection is in the group from now on: it hears the group's next message.
        var next = (string)(await admin.SendMessageAsync(new { groupId, content = "welcome" }))["id"]!;
        await joinerOnline.WaitForAsync(ChatHub.NewMessage, m => m.Str("id") == next);

        var again = await ChatApiClient.ReadAsync(await joiner.PostAsync($"api/invites/{token}/join", null), HttpStatusCode.OK);
        Assert.Equal((string)joined["updatedAt"]!, (string)again["updatedAt"]!);
        var listed = Assert.Single((await ChatApiClient.ReadAsync(await admin.GetAsync($"api/groups/{groupId}/invites"), HttpStatusCode.OK))["items"]!.AsArray())!;
        Assert.Equal((token, 1), ((string)listed["token"]!, (int)listed["uses"]!));
    }

    [Fact]
    public async Task OnlyAdminsManageInvitesAndARevokedExpiredOrUsedUpInviteIsNotFound()
    {
        var (admin, member, stranger) = (await ChatApiClient.RegisterAsync(Http, "adm"), await ChatApiClient.RegisterAsync(Http, "mem"), await ChatApiClient.RegisterAsync(Http, "str"));
        var groupId = (string)(await admin.CreateGroupAsync("closed", member.UserId))["id"]!;

        await ChatApiClient.ReadProblemAsync(await member.PostAsync($"api/groups/{groupId}/invites", new { }), HttpStatusCode.Forbidden);
        await ChatApiClient.ReadProblemAsync(await member.GetAsync($"api/groups/{groupId}/invites"), HttpStatusCode.Forbidden);
        await ChatApiClient.ReadProblemAsync(await stranger.PostAsync($"api/groups/{groupId}/invites", new { }), HttpStatusCode.NotFound);
        Assert.NotNull((await ChatApiClient.ReadProblemAsync(await admin.PostAsync($"api/groups/{groupId}/invites", new { maxUses = 0 }), HttpStatusCode.BadRequest))["errors"]!["maxUses"]);
        Assert.NotNull((await ChatApiClient.ReadProblemAsync(
            await admin.PostAsync($"api/groups/{groupId}/invites", new { expiresAt = DateTimeOffset.UtcNow.AddMinutes(-1) }), HttpStatusCode.BadRequest))["errors"]!["expiresAt"]);

        var revoked = (string)(await ChatApiClient.ReadAsync(await admin.PostAsync($"api/groups/{groupId}/invites", new { }), HttpStatusCode.Created))["token"]!;
        await ChatApiClient.ReadProblemAsync(await member.DeleteAsync($"api/groups/{groupId}/invites/{revoked}"), HttpStatusCode.Forbidden);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"api/groups/{groupId}/invites/{revoked}")).StatusCode);
        await ChatApiClient.ReadProblemAsync(await admin.DeleteAsync($"api/groups/{groupId}/invites/nope"), HttpStatusCode.NotFound);
        await ChatApiClient.ReadProblemAsync(await stranger.GetAsync($"api/invites/{revoked}"), HttpStatusCode.NotFound);
        await ChatApiClient.ReadProblemAsync(await stranger.PostAsync($"api/invites/{revoked}/join", null), HttpStatusCode.NotFound);

        var once = (string)(await ChatApiClient.ReadAsync(await admin.PostAsync($"api/groups/{groupId}/invites", new { maxUses = 1 }), HttpStatusCode.Created))["token"]!;
        await ChatApiClient.ReadAsync(await stranger.PostAsync($"api/invites/{once}/join", null), HttpStatusCode.OK);
        var late = await ChatApiClient.RegisterAsync(Http, "late");
        await ChatApiClient.ReadProblemAsync(await late.PostAsync($"api/invites/{once}/join", null), HttpStatusCode.NotFound);
        await ChatApiClient.ReadProblemAsync(await late.GetAsync("api/invites/not%20a%20token"), HttpStatusCode.NotFound);
        Assert.Empty((await ChatApiClient.ReadAsync(await admin.GetAsync($"api/groups/{groupId}/invites"), HttpStatusCode.OK))["items"]!.AsArray());
        Assert.DoesNotContain(late.UserId, Ids((await ChatApiClient.ReadAsync(await admin.GetAsync($"api/groups/{groupId}"), HttpStatusCode.OK))["members"]));
    }

    [Fact]
    public async Task ConcurrentJoinsStopAtTheMemberCapAndALimitedInviteAtItsUses()
    {
        var admin = await ChatApiClient.RegisterAsync(Http, "adm");
        var groupId = (string)(await admin.CreateGroupAsync("nearly full"))["id"]!;
        // Fill the group to 246 of 256 with members made in the store, faster than 245 registrations.
        using (var seed = await SeedStore.OpenForHostAsync(fixture.Host.DataDirectory))
        {
            var filler = Enumerable.Range(0, 245).Select(_ => ObjectId.GenerateNewId().ToString()).ToList();
            Assert.NotNull(await seed.Groups.UpdateMembersAsync(groupId, 1, [admin.UserId, .. filler], [admin.UserId], DateTimeOffset.UtcNow, default));
        }
        var joiners = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => ChatApiClient.RegisterAsync(Http, "join")));
        var token = (string)(await ChatApiClient.ReadAsync(await admin.PostAsync($"api/groups/{groupId}/invites", new { }), HttpStatusCode.Created))["token"]!;

        // Every joiner twice: a user's repeat races with its first join and with the others.
        var responses = await Task.WhenAll(joiners.Concat(joiners).Select(j => j.PostAsync($"api/invites/{token}/join", null)));

        var group = await ChatApiClient.ReadAsync(await admin.GetAsync($"api/groups/{groupId}"), HttpStatusCode.OK);
        var members = Ids(group["members"]);
        Assert.Equal(256, members.Count);
        Assert.Equal(256, members.Distinct().Count());
        var inside = joiners.Where(j => members.Contains(j.UserId)).ToList();
        Assert.Equal(10, inside.Count);
        Assert.All(responses, r => Assert.True(r.StatusCode is HttpStatusCode.OK or HttpStatusCode.Conflict, $"{r.StatusCode}"));
        foreach (var refused in responses.Where(r => r.StatusCode == HttpStatusCode.Conflict))
        {
            await ChatApiClient.ReadProblemAsync(refused, HttpStatusCode.Conflict);
        }
        // Uses that joined nobody were given back.
        Assert.Equal(10, (int)Assert.Single((await ChatApiClient.ReadAsync(await admin.GetAsync($"api/groups/{groupId}/invites"), HttpStatusCode.OK))["items"]!.AsArray())!["uses"]!);

        var limitedGroup = (string)(await admin.CreateGroupAsync("limited"))["id"]!;
        var limited = (string)(await ChatApiClient.ReadAsync(await admin.PostAsync($"api/groups/{limitedGroup}/invites", new { maxUses = 4 }), HttpStatusCode.Created))["token"]!;
        var limitedResponses = await Task.WhenAll(joiners.Select(j => j.PostAsync($"api/invites/{limited}/join", null)));
        Assert.Equal(4, limitedResponses.Count(r => r.StatusCode == HttpStatusCode.OK));
        Assert.Equal(16, limitedResponses.Count(r => r.StatusCode == HttpStatusCode.NotFound));
        Assert.Equal(5, Ids((await ChatApiClient.ReadAsync(await admin.GetAsync($"api/groups/{limitedGroup}"), HttpStatusCode.OK))["members"]).Count);
    }

    [Fact]
    public async Task AGroupHasAtMostTwentyLiveInvitesEvenWhenCreatedAtOnce()
    {
        var admin = await ChatApiClient.RegisterAsync(Http, "adm");
        var groupId = (string)(await admin.CreateGroupAsync("many links"))["id"]!;

        var responses = await Task.WhenAll(Enumerable.Range(0, 30).Select(_ => admin.PostAsync($"api/groups/{groupId}/invites", new { })));

        var created = responses.Count(r => r.StatusCode == HttpStatusCode.Created);
        Assert.InRange(created, 1, 20);
        Assert.All(responses, r => Assert.True(r.StatusCode is HttpStatusCode.Created or HttpStatusCode.Conflict, $"{r.StatusCode}"));
        Assert.Equal(created, (await ChatApiClient.ReadAsync(await admin.GetAsync($"api/groups/{groupId}/invites"), HttpStatusCode.OK))["items"]!.AsArray().Count);
        for (var i = created; i < 20; i++)
        {
            await ChatApiClient.ReadAsync(await admin.PostAsync($"api/groups/{groupId}/invites", new { }), HttpStatusCode.Created);
        }
        await ChatApiClient.ReadProblemAsync(await admin.PostAsync($"api/groups/{groupId}/invites", new { }), HttpStatusCode.Conflict);
    }

    private static List<string> Ids(JsonNode? array) => array!.AsArray().Select(i => (string)i!).ToList();
}
