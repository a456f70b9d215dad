using System.Net;
using MongoDB.Bson;
using ServerlessChat.Core.Domain;
using ServerlessChat.Core.Realtime;
using ServerlessChat.Tests.Infrastructure;
using ServerlessChat.Tests.Realtime;

namespace ServerlessChat.Tests.Scale;

/// <summary>
/// A user with more conversations than any list the server reads at once (it used to read the latest 1,000):
/// search with no scope and presence still reach the oldest. The conversations are seeded through the store the
/// host runs on (SQLite, or MongoDB with CHAT_TEST_MONGODB), then the host is started on it.
/// </summary>
public sealed class EveryConversationReachedTests
{
    private const int Conversations = 1100;
    private const string Password = "every-conversation-password";

    [Fact]
    public async Task AWordInTheOldestOf1100DirectConversationsIsFoundByAnUnscopedSearchAndItsPeerSeesThePresence()
    {
        var data = Directory.CreateTempSubdirectory("serverlesschat-reach-").FullName;
        var word = $"needle{Guid.NewGuid():N}"[..18];
        List<UserRecord> users;
        using (var seed = await SeedStore.OpenForHostAsync(data))
        {
            users = await seed.CreateUsersAsync("re", Conversations + 1, Password);
            var alice = users[0];
            var start = DateTimeOffset.UtcNow.AddHours(-1);
            // The oldest conversation holds the word; each later one is a second newer, so the oldest is last by activity.
            for (var i = 1; i <= Conversations; i++)
            {
                var peer = users[i];
                var content = i == 1 ? $"the {word} is here" : $"hello number {i}";
                await seed.Messages.InsertAsync(new MessageRecord(ObjectId.GenerateNewId().ToString(), ConversationIds.Direct(alice.Id, peer.Id),
                    alice.Id, peer.Id, null, content, start.AddSeconds(i), null, false, null), CancellationToken.None);
            }
        }

        await using var host = await StandaloneHost.StartAsync(new Dictionary<string, string?>(), data);
        var aliceClient = await SignInAsync(host, users[0]);
        var oldestPeer = await SignInAsync(host, users[1]);

        var page = await ChatApiClient.ReadAsync(await aliceClient.GetAsync($"api/search/messages?q={word}"), HttpStatusCode.OK);
        var hit = Assert.Single(page["items"]!.AsArray())!;
        Assert.Equal($"the {word} is here", (string)hit["message"]!["content"]!);
        Assert.Equal(oldestPeer.UserId, (string)hit["message"]!["receiverId"]!);
        Assert.True((bool)page["complete"]!);

        // Alice spoke in all 1,100: the peer of the oldest is in the audience of her presence.
        await using var peerLive = await RealtimeClient.ConnectAsync(host.BaseAddress, oldestPeer.UserId, oldestPeer.AccessToken);
        await using var aliceLive = await RealtimeClient.ConnectAsync(host.BaseAddress, aliceClient.UserId, aliceClient.AccessToken);
        var presence = await peerLive.WaitForAsync(ChatHub.Presence, p => p.Str("userId") == aliceClient.UserId);
        Assert.True(presence.GetProperty("online").GetBoolean());
    }

    private static async Task<ChatApiClient> SignInAsync(StandaloneHost host, UserRecord user)
    {
        var session = await ChatApiClient.LoginAsync(host.Client, new { username = user.Username, password = Password });
        return new ChatApiClient(host.Client, user.Id, user.Username, user.Email, Password, (string)session["accessToken"]!, (string)session["refreshToken"]!);
    }
}
