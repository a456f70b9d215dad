using System.Net;
using System.Text.Json.Nodes;
using ServerlessChat.Tests.Infrastructure;

namespace ServerlessChat.Tests.Api;

[Collection(SharedHostCollection.Name)]
public sealed class MentionsApiTests(SharedHostFixture fixture)
{
    private readonly HttpClient _http = fixture.Host.Client;

    [Fact]
    public async Task GroupMessagesMentionCurrentMembersIgnoringCaseButNeverTheSenderOrAStranger()
    {
        var (alice, bob, carol) = await TrioAsync();
        var stranger = await ChatApiClient.RegisterAsync(_http, "zed");
        var groupId = (string)(await alice.CreateGroupAsync("team", bob.UserId, carol.UserId))["id"]!;

        var message = await alice.SendMessageAsync(new
        {
            groupId,
            content = $"@{bob.Username.ToUpperInvariant()}, see @{alice.Username} and @{stranger.Username}; @{carol.Username}x is not @{carol.Username}!",
        });

        Assert.Equal([bob.UserId, carol.UserId], Mentions(message));
        Assert.Equal([bob.UserId, carol.UserId], Mentions(Assert.Single(await RepliesApiTests.HistoryAsync(bob, $"groupId={groupId}"))));
    }

    [Fact]
    public async Task TheLongestMatchingMemberNameWins()
    {
        var shortName = ChatApiClient.UniqueName("ann");
        var shortUser = await RegisterNamedAsync(shortName);
        var longUser = await RegisterNamedAsync(shortName + ".b");
        var sender = await ChatApiClient.RegisterAsync(_http, "sender");
        var groupId = (string)(await sender.CreateGroupAsync("names", shortUser.UserId, longUser.UserId))["id"]!;

        var both = await sender.SendMessageAsync(new { groupId, content = $"hi @{shortName}.b and @{shortName}." });

        Assert.Equal([longUser.UserId, shortUser.UserId], Mentions(both));
    }

    [Fact]
    public async Task DirectMessagesMentionNobody()
    {
        var (alice, bob, _) = await TrioAsync();

        var message = await alice.SendMessageAsync(new { receiverId = bob.UserId, content = $"hey @{bob.Username}" });

        Assert.Empty(Mentions(message));
    }

    [Fact]
    public async Task ConversationsCountTheUnreadMessagesThatMentionTheCaller()
    {
        var (alice, bob, carol) = await TrioAsync();
        var groupId = (string)(await alice.CreateGroupAsync("team", bob.UserId, carol.UserId))["id"]!;
        await alice.SendMessageAsync(new { groupId, content = $"@{bob.Username} one" });
        var second = (string)(await carol.SendMessageAsync(new { groupId, content = $"@{bob.Username} two" }))["id"]!;
        var third = (string)(await alice.SendMessageAsync(new { groupId, content = $"@{carol.Username} only" }))["id"]!;
        var deleted = (string)(await alice.SendMessageAsync(new { groupId, content = $"@{bob.Username} oops" }))["id"]!;
        Assert.Equal(HttpStatusCode.NoContent, (await alice.DeleteAsync($"api/messages/{deleted}")).StatusCode);

        Assert.Equal((3, 2), await UnreadAndMentionsAsync(bob, groupId));
        await ChatApiClient.ReadAsync(await bob.PostAsync("api/messages/read", new { groupId, upTo = second }), HttpStatusCode.OK);
        Assert.Equal((1, 0), await UnreadAndMentionsAsync(bob, groupId));
        Assert.Equal((2, 1), await UnreadAndMentionsAsync(carol, groupId));
        await ChatApiClient.ReadAsync(await carol.PostAsync("api/messages/read", new { groupId, upTo = third }), HttpStatusCode.OK);
        Assert.Equal((0, 0), await UnreadAndMentionsAsync(carol, groupId));
    }

    private static async Task<(long Unread, long Mentions)> UnreadAndMentionsAsync(ChatApiClient user, string groupId)
    {
        var list = await ChatApiClient.ReadAsync(await user.GetAsync("api/conversations"), HttpStatusCode.OK);
        var item = list["items"]!.AsArray().Single(i => (string?)i!["group"]?["id"] == groupId)!;
        return ((long)item["unread"]!, (long)item["mentions"]!);
    }

    private static List<string> Mentions(JsonNode message) => message["mentions"]!.AsArray().Select(m => (string)m!).ToList();

    private async Task<ChatApiClient> RegisterNamedAsync(string username)
    {
        var response = await _http.PostAsync("api/auth/register", System.Net.Http.Json.JsonContent.Create(new { username, email = $"{username}@example.test", password = "correct horse battery" }));
        var session = await ChatApiClient.ReadAsync(response, HttpStatusCode.Created);
        return new ChatApiClient(_http, (string)session["user"]!["id"]!, username, $"{username}@example.test", "correct horse battery",
            (string)session["accessToken"]!, (string)session["refreshToken"]!);
    }

    private async Task<(ChatApiClient, ChatApiClient, ChatApiClient)> TrioAsync() =>
        (await ChatApiClient.RegisterAsync(_http, "alice"), await ChatApiClient.RegisterAsync(_http, "bob"), await ChatApiClient.RegisterAsync(_http, "carol"));
}
