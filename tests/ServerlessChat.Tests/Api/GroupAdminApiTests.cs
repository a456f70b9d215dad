using System.Net;
using System.Text.Json.Nodes;
using ServerlessChat.Core.Realtime;
using ServerlessChat.Tests.Infrastructure;
using ServerlessChat.Tests.Realtime;

namespace ServerlessChat.Tests.Api;

/// <summary>Group administration over HTTP, on the store the shared host runs on (MongoDB when CHAT_TEST_MONGODB is set).</summary>
[Collection(SharedHostCollection.Name)]
public sealed class GroupAdminApiTests(SharedHostFixture fixture)
{
    private HttpClient Http => fixture.Host.Client;

    [Fact]
    public async Task AdminsRenameAndDescribeAGroupAndMembersHearItAsGroupUpdatedAndInSync()
    {
        var (admin, member) = (await ChatApiClient.RegisterAsync(Http, "adm"), await ChatApiClient.RegisterAsync(Http, "mem"));
        var id = (string)(await admin.CreateGroupAsync("before", member.UserId))["id"]!;
        var start = await PinsApiTests.SyncStartAsync(member);
        await using var memberOnline = await RealtimeClient.ConnectAsync(fixture.Host.BaseAddress, member.UserId, member.AccessToken);

        var renamed = await ChatApiClient.ReadAsync(await admin.PatchAsync($"api/groups/{id}", new { name = "  after ", description = "Line one\nline two" }), HttpStatusCode.OK);

        Assert.Equal(("after", "Line one\nline two", false), ((string)renamed["name"]!, (string)renamed["description"]!, (bool)renamed["frozen"]!));
        var heard = await memberOnline.WaitForAsync(ChatHub.GroupUpdated, g => g.Str("name") == "after");
        Assert.Equal("Line one\nline two", heard.Str("description"));
        Assert.NotNull(heard.Str("cursor"));
        var got = await ChatApiClient.ReadAsync(await member.GetAsync($"api/groups/{id}"), HttpStatusCode.OK);
        Assert.Equal(("after", "Line one\nline two"), ((string)got["name"]!, (string)got["description"]!));
        var synced = (await PinsApiTests.SyncAllAsync(member, start)).Where(c => (string)c["type"]! == "groupUpdated").ToList();
        Assert.Equal("after", (string)synced[^1]["data"]!["name"]!);

        // Nothing given, nothing changed: 200 and no event.
        var same = await ChatApiClient.ReadAsync(await admin.PatchAsync($"api/groups/{id}", new { }), HttpStatusCode.OK);
        Assert.Equal((string)renamed["updatedAt"]!, (string)same["updatedAt"]!);
        await ChatApiClient.ReadProblemAsync(await member.PatchAsync($"api/groups/{id}", new { name = "mine" }), HttpStatusCode.Forbidden);
        var outsider = await ChatApiClient.RegisterAsync(Http, "out");
        await ChatApiClient.ReadProblemAsync(await outsider.PatchAsync($"api/groups/{id}", new { name = "mine" }), HttpStatusCode.NotFound);
        Assert.NotNull((await ChatApiClient.ReadProblemAsync(await admin.PatchAsync($"api/groups/{id}", new { name = "" }), HttpStatusCode.BadRequest))["errors"]!["name"]);
        Assert.NotNull((await ChatApiClient.ReadProblemAsync(await admin.PatchAsync($"api/groups/{id}", new { description = new string('d', 501) }), HttpStatusCode.BadRequest))["errors"]!["description"]);
        Assert.NotNull((await ChatApiClient.ReadProblemAsync(await admin.PatchAsync($"api/groups/{id}", new { avatarAttachmentId = "0123456789abcdef01234567" }), HttpStatusCode.BadRequest))["errors"]!["avatarAttachmentId"]);
        Assert.Equal("after", (string)(await ChatApiClient.ReadAsync(await member.GetAsync($"api/groups/{id}"), HttpStatusCode.OK))["name"]!);
        var cleared = await ChatApiClient.ReadAsync(await admin.PatchAsync($"api/groups/{id}", new { description = "" }), HttpStatusCode.OK);
        Assert.Equal("", (string)cleared["description"]!);
    }

    [Fact]
    public async Task WhileAGroupIsFrozenOnlyItsAdminsSend()
    {
        var (admin, member) = (await ChatApiClient.RegisterAsync(Http, "adm"), await ChatApiClient.RegisterAsync(Http, "mem"));
        var groupId = (string)(await admin.CreateGroupAsync("frozen", member.UserId))["id"]!;
        await using var memberOnline = await RealtimeClient.ConnectAsync(fixture.Host.BaseAddress, member.UserId, member.AccessToken);

        var frozen = await ChatApiClient.ReadAsync(await admin.PatchAsync($"api/groups/{groupId}", new { frozen = true }), HttpStatusCode.OK);
        Assert.True((bool)frozen["frozen"]!);
        await memberOnline.WaitForAsync(ChatHub.GroupUpdated, g => g.GetProperty("frozen").GetBoolean());

        await ChatApiClient.ReadProblemAsync(await member.PostAsync("api/messages", new { groupId, content = "let me speak" }), HttpStatusCode.Forbidden);
        await admin.SendMessageAsync(new { groupId, content = "announcement" });

        await ChatApiClient.ReadAsync(await admin.PatchAsync($"api/groups/{groupId}", new { frozen = false }), HttpStatusCode.OK);
        await member.SendMessageAsync(new { groupId, content = "thanks" });
    }

    [Fact]
    public async Task AdminsAreMadeAndUnmadeButTheLastOneStays()
    {
        var (admin, member) = (await ChatApiClient.RegisterAsync(Http, "adm"), await ChatApiClient.RegisterAsync(Http, "mem"));
        var id = (string)(await admin.CreateGroupAsync("admins", member.UserId))["id"]!;
        var stranger = await ChatApiClient.RegisterAsync(Http, "str");
        await using var memberOnline = await RealtimeClient.ConnectAsync(fixture.Host.BaseAddress, member.UserId, member.AccessToken);

        await ChatApiClient.ReadProblemAsync(await member.PutAsync($"api/groups/{id}/admins/{member.UserId}", null), HttpStatusCode.Forbidden);
        await ChatApiClient.ReadProblemAsync(await admin.DeleteAsync($"api/groups/{id}/admins/{admin.UserId}"), HttpStatusCode.Conflict);
        await ChatApiClient.ReadProblemAsync(await admin.PutAsync($"api/groups/{id}/admins/{stranger.UserId}", null), HttpStatusCode.NotFound);

        var promoted = await ChatApiClient.ReadAsync(await admin.PutAsync($"api/groups/{id}/admins/{member.UserId}", null), HttpStatusCode.OK);
        Assert.Equal([admin.UserId, member.UserId], Ids(promoted["admins"]));
        await memberOnline.WaitForAsync(ChatHub.GroupUpdated, g => g.GetProperty("admins").GetArrayLength() == 2);

        var stepped = await ChatApiClient.ReadAsync(await admin.DeleteAsync($"api/groups/{id}/admins/{admin.UserId}"), HttpStatusCode.OK);
        Assert.Equal([member.UserId], Ids(stepped["admins"]));
        await ChatApiClient.ReadProblemAsync(await admin.PatchAsync($"api/groups/{id}", new { name = "not any more" }), HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task ConcurrentDemotionsOfEveryAdminLeaveExactlyOne()
    {
        for (var round = 0; round < 3; round++)
        {
            var users = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => ChatApiClient.RegisterAsync(Http, "dem")));
            var id = (string)(await users[0].CreateGroupAsync("demote", users.Skip(1).Select(u => u.UserId).ToArray()))["id"]!;
            foreach (var user in users.Skip(1))
            {
                await ChatApiClient.ReadAsync(await users[0].PutAsync($"api/groups/{id}/admins/{user.UserId}", null), HttpStatusCode.OK);
            }

            var responses = await Task.WhenAll(users.SelectMany(by => users.Select(target => by.DeleteAsync($"api/groups/{id}/admins/{target.UserId}"))));

            foreach (var response in responses)
            {
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    Assert.NotEmpty((await ChatApiClient.ReadAsync(response, HttpStatusCode.OK))["admins"]!.AsArray());
                }
                else if (response.StatusCode != HttpStatusCode.Forbidden)
                {
                    // Refused as the last admin; a caller demoted meanwhile gets 403 instead.
                    await ChatApiClient.ReadProblemAsync(response, HttpStatusCode.Conflict);
                }
            }
            var group = await ChatApiClient.ReadAsync(await users[0].GetAsync($"api/groups/{id}"), HttpStatusCode.OK);
            Assert.Single(group["admins"]!.AsArray());
        }
    }

    [Fact]
    public async Task AMutedMemberCannotSendUntilItsMuteEndsOrItIsUnmuted()
    {
        var (admin, member, other) = (await ChatApiClient.RegisterAsync(Http, "adm"), await ChatApiClient.RegisterAsync(Http, "mem"), await ChatApiClient.RegisterAsync(Http, "oth"));
        var groupId = (string)(await admin.CreateGroupAsync("muting", member.UserId, other.UserId))["id"]!;
        await using var otherOnline = await RealtimeClient.ConnectAsync(fixture.Host.BaseAddress, other.UserId, other.AccessToken);

        var muted = await ChatApiClient.ReadAsync(await admin.PutAsync($"api/groups/{groupId}/muted-members/{member.UserId}", new { }), HttpStatusCode.OK);
        Assert.Equal(member.UserId, (string)Assert.Single(muted["mutedMembers"]!.AsArray())!["userId"]!);
        await otherOnline.WaitForAsync(ChatHub.GroupUpdated, g => g.GetProperty("mutedMembers").GetArrayLength() == 1);
        await ChatApiClient.ReadProblemAsync(await member.PostAsync("api/messages", new { groupId, content = "hello?" }), HttpStatusCode.Forbidden);
        await other.SendMessageAsync(new { groupId, content = "others still speak" });
        await ChatApiClient.ReadProblemAsync(await other.PutAsync($"api/groups/{groupId}/muted-members/{admin.UserId}", new { }), HttpStatusCode.Forbidden);
        Assert.NotNull((await ChatApiClient.ReadProblemAsync(
            await admin.PutAsync($"api/groups/{groupId}/muted-members/{other.UserId}", new { until = DateTimeOffset.UtcNow.AddMinutes(-1) }), HttpStatusCode.BadRequest))["errors"]!["until"]);

        var unmuted = await ChatApiClient.ReadAsync(await admin.DeleteAsync($"api/groups/{groupId}/muted-members/{member.UserId}"), HttpStatusCode.OK);
        Assert.Empty(unmuted["mutedMembers"]!.AsArray());
        await member.SendMessageAsync(new { groupId, content = "back" });

        // A mute with an end lifts by itself.
        var until = DateTimeOffset.UtcNow.AddSeconds(2);
        var timed = await ChatApiClient.ReadAsync(await admin.PutAsync($"api/groups/{groupId}/muted-members/{member.UserId}", new { until }), HttpStatusCode.OK);
        Assert.NotNull((string?)timed["mutedMembers"]![0]!["until"]);
        await ChatApiClient.ReadProblemAsync(await member.PostAsync("api/messages", new { groupId, content = "too soon" }), HttpStatusCode.Forbidden);
        var deadline = DateTimeOffset.UtcNow.AddSeconds(15);
        HttpStatusCode status;
        do
        {
            // The mute's own end is the clock here: wait until it has passed, then try.
            var wait = until - DateTimeOffset.UtcNow;
            await Task.Delay(wait > TimeSpan.Zero ? wait + TimeSpan.FromMilliseconds(50) : TimeSpan.FromMilliseconds(100));
            status = (await member.PostAsync("api/messages", new { groupId, content = "free again" })).StatusCode;
        }
        while (status != HttpStatusCode.Created && DateTimeOffset.UtcNow < deadline);
        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Empty((await ChatApiClient.ReadAsync(await member.GetAsync($"api/groups/{groupId}"), HttpStatusCode.OK))["mutedMembers"]!.AsArray());
    }

    [Fact]
    public async Task AMemberWhoLeftIsNotListedAsMuted()
    {
        var (admin, member) = (await ChatApiClient.RegisterAsync(Http, "adm"), await ChatApiClient.RegisterAsync(Http, "mem"));
        var groupId = (string)(await admin.CreateGroupAsync("leaving", member.UserId))["id"]!;
        await ChatApiClient.ReadAsync(await admin.PutAsync($"api/groups/{groupId}/muted-members/{member.UserId}", new { }), HttpStatusCode.OK);

        var left = await ChatApiClient.ReadAsync(await member.PutAsync($"api/groups/{groupId}/members", new { remove = new[] { member.UserId } }), HttpStatusCode.OK);

        Assert.Empty(left["mutedMembers"]!.AsArray());
        Assert.Empty((await ChatApiClient.ReadAsync(await admin.GetAsync($"api/groups/{groupId}"), HttpStatusCode.OK))["mutedMembers"]!.AsArray());
        await ChatApiClient.ReadProblemAsync(await admin.DeleteAsync($"api/groups/{groupId}/muted-members/{member.UserId}"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task ConcurrentMutesOfDifferentMembersAreAllKept()
    {
        var users = await Task.WhenAll(Enumerable.Range(0, 13).Select(_ => ChatApiClient.RegisterAsync(Http, "mut")));
        var admin = users[0];
        var groupId = (string)(await admin.CreateGroupAsync("mutes", users.Skip(1).Select(u => u.UserId).ToArray()))["id"]!;

        var responses = await Task.WhenAll(users.Skip(1).Select(u => admin.PutAsync($"api/groups/{groupId}/muted-members/{u.UserId}", new { })));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        var group = await ChatApiClient.ReadAsync(await admin.GetAsync($"api/groups/{groupId}"), HttpStatusCode.OK);
        Assert.Equal(users.Skip(1).Select(u => u.UserId).Order(StringComparer.Ordinal),
            group["mutedMembers"]!.AsArray().Select(m => (string)m!["userId"]!).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task ConcurrentRenamesAllApplyAndOneStands()
    {
        var (admin, member) = (await ChatApiClient.RegisterAsync(Http, "adm"), await ChatApiClient.RegisterAsync(Http, "mem"));
        var id = (string)(await admin.CreateGroupAsync("start", member.UserId))["id"]!;
        var start = await PinsApiTests.SyncStartAsync(member);

        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => admin.PatchAsync($"api/groups/{id}", new { name = $"name {i}" })));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        var stands = (string)(await ChatApiClient.ReadAsync(await member.GetAsync($"api/groups/{id}"), HttpStatusCode.OK))["name"]!;
        Assert.StartsWith("name ", stands, StringComparison.Ordinal);
        var synced = (await PinsApiTests.SyncAllAsync(member, start)).Where(c => (string)c["type"]! == "groupUpdated").ToList();
        Assert.InRange(synced.Count, 20, 21);
        Assert.Equal(stands, (string)synced[^1]["data"]!["name"]!);
    }

    [Fact]
    public async Task AnAdminDeletesAMembersMessageAndAMemberCannotDeleteOthers()
    {
        var (admin, member, other) = (await ChatApiClient.RegisterAsync(Http, "adm"), await ChatApiClient.RegisterAsync(Http, "mem"), await ChatApiClient.RegisterAsync(Http, "oth"));
        var groupId = (string)(await admin.CreateGroupAsync("moderated", member.UserId, other.UserId))["id"]!;
        var id = (string)(await member.SendMessageAsync(new { groupId, content = "something rude" }))["id"]!;
        await using var memberOnline = await RealtimeClient.ConnectAsync(fixture.Host.BaseAddress, member.UserId, member.AccessToken);

        await ChatApiClient.ReadProblemAsync(await other.DeleteAsync($"api/messages/{id}"), HttpStatusCode.Forbidden);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"api/messages/{id}")).StatusCode);

        await memberOnline.WaitForAsync(ChatHub.MessageDeleted, m => m.Str("id") == id);
        var stored = (await ChatApiClient.ReadAsync(await member.GetAsync($"api/messages?groupId={groupId}"), HttpStatusCode.OK))["items"]![0]!;
        Assert.True((bool)stored["deleted"]!);
        Assert.Equal("", (string)stored["content"]!);
    }

    private static List<string> Ids(JsonNode? array) => array!.AsArray().Select(i => (string)i!).ToList();
}
