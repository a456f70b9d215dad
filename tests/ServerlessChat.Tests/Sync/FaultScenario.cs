using System.Net;
using System.Text.Json.Nodes;
using ServerlessChat.Core.Domain;
using ServerlessChat.Tests.Infrastructure;
using ServerlessChat.Tests.Realtime;

namespace ServerlessChat.Tests.Sync;

/// <summary>
/// Users send, edit, delete, react and read at random (seeded) while their realtime connections are cut at random;
/// afterwards every user's view must equal a fresh read of the API.
/// </summary>
internal sealed class FaultScenario(int seed, IReadOnlyList<ChatApiClient> users, Func<HttpClient> http)
{
    private static readonly string[] Emoji = ["👍", "🎉", "❤️"];

    private readonly Random _random = new(seed);
    private readonly List<(string Id, string ConversationId, string SenderId, bool Deleted)> _sent = [];

    public string GroupId { get; private set; } = "";

    public async Task CreateGroupAsync()
    {
        GroupId = (string)(await Actor(0).CreateGroupAsync("faults", users.Skip(1).Select(u => u.UserId).ToArray()))["id"]!;
    }

    /// <summary>Runs <paramref name="operations"/> random operations, calling <paramref name="fault"/> before some of them.</summary>
    public async Task RunAsync(int operations, Func<Random, int, Task> fault)
    {
        for (var i = 0; i < operations; i++)
        {
            await fault(_random, i);
            var actor = _random.Next(users.Count);
            var roll = _random.Next(100);
            var own = _sent.Where(m => m.SenderId == users[actor].UserId && !m.Deleted).ToList();
            if (roll < 50 || own.Count == 0)
            {
                await SendAsync(actor);
            }
            else if (roll < 65)
            {
                var message = own[_random.Next(own.Count)];
                await ChatApiClient.ReadAsync(await Actor(actor).PatchAsync($"api/messages/{message.Id}", new { content = $"edit {i}" }), HttpStatusCode.OK);
            }
            else if (roll < 75)
            {
                var message = own[_random.Next(own.Count)];
                Assert.Equal(HttpStatusCode.NoContent, (await Actor(actor).DeleteAsync($"api/messages/{message.Id}")).StatusCode);
                _sent[_sent.IndexOf(message)] = message with { Deleted = true };
            }
            else if (roll < 87)
            {
                await ReactAsync(actor);
            }
            else
            {
                await ReadAsync(actor);
            }
        }
    }

    /// <summary>The user's view equals what the API answers now, message by message, read state included.</summary>
    public async Task AssertConvergedAsync(ChatView client)
    {
        var user = users.Single(u => u.UserId == client.UserId);
        var expected = new List<string>();
        foreach (var (query, _) in Conversations(user.UserId))
        {
            string? before = null;
            do
            {
                var page = await ChatApiClient.ReadAsync(await Actor(user).GetAsync($"api/messages?{query}&limit=100{(before is null ? "" : $"&before={before}")}"), HttpStatusCode.OK);
                foreach (var m in page["items"]!.AsArray())
                {
                    var editedAt = (string?)m!["editedAt"];
                    expected.Add(Describe((string)m["id"]!, (string)m["content"]!, (bool)m["deleted"]!,
                        editedAt is null ? null : DateTimeOffset.Parse(editedAt, System.Globalization.CultureInfo.InvariantCulture), (bool)m["isRead"]!,
                        ChatView.DescribeReactions(m["reactions"]!.AsArray().Select(r => ((string)r!["emoji"]!, r["userIds"]!.AsArray().Select(u => (string)u!))))));
                }

                before = (string?)page["nextBefore"];
            }
            while (before is not null);
        }

        var ids = Conversations(user.UserId).Select(c => c.ConversationId).ToHashSet();
        var actual = client.Messages.Where(m => ids.Contains(m.Value.ConversationId))
            .Select(m => Describe(m.Key, m.Value.Content, m.Value.Deleted, m.Value.EditedAt, client.IsRead(m.Key), client.Reactions.GetValueOrDefault(m.Key, "")))
            .ToList();
        var missing = expected.Except(actual).ToList();
        var extra = actual.Except(expected).ToList();
        Assert.True(missing.Count == 0 && extra.Count == 0 && expected.Count == actual.Count,
            $"user {user.Username}: missing or different {string.Join(" | ", missing)}; not in the API {string.Join(" | ", extra)}");
        Assert.Empty(client.DeliveredTwice);
        Assert.Empty(client.HandlerErrors);
    }

    // messageDeleted carries no time, so a deleted message's editedAt (the time of the delete) is not compared.
    private static string Describe(string id, string content, bool deleted, DateTimeOffset? editedAt, bool isRead, string reactions) =>
        $"{id} deleted={deleted} read={isRead} edited={(editedAt is null || deleted ? "" : editedAt.Value.ToUnixTimeMilliseconds())} reactions={reactions} {content}";

    private IEnumerable<(string Query, string ConversationId)> Conversations(string userId) =>
        users.Where(u => u.UserId != userId).Select(u => ($"with={u.UserId}", ConversationIds.Direct(userId, u.UserId)))
            .Append(($"groupId={GroupId}", ConversationIds.Group(GroupId)));

    private async Task SendAsync(int actor)
    {
        var sender = users[actor];
        JsonNode message;
        if (_random.Next(3) == 0)
        {
            message = await Actor(actor).SendMessageAsync(new { groupId = GroupId, content = $"group {_sent.Count}" });
        }
        else
        {
            var peer = users.Where(u => u != sender).ElementAt(_random.Next(users.Count - 1));
            message = await Actor(actor).SendMessageAsync(new { receiverId = peer.UserId, content = $"to {peer.Username} {_sent.Count}" });
        }

        _sent.Add(((string)message["id"]!, (string)message["conversationId"]!, sender.UserId, false));
    }

    /// <summary>Adds or takes back (at random) a reaction to an undeleted message of one of the actor's conversations.</summary>
    private async Task ReactAsync(int actor)
    {
        var reactor = users[actor].UserId;
        var visible = _sent.Where(m => !m.Deleted && (m.ConversationId.StartsWith("g:", StringComparison.Ordinal) || m.ConversationId.Split(':')[1..].Contains(reactor))).ToList();
        if (visible.Count == 0)
        {
            return;
        }

        var message = visible[_random.Next(visible.Count)];
        var emoji = Emoji[_random.Next(Emoji.Length)];
        var response = _random.Next(3) == 0
            ? await Actor(actor).DeleteAsync($"api/messages/{message.Id}/reactions/{Uri.EscapeDataString(emoji)}")
            : await Actor(actor).PutAsync($"api/messages/{message.Id}/reactions", new { emoji });
        await ChatApiClient.ReadAsync(response, HttpStatusCode.OK);
    }

    private async Task ReadAsync(int actor)
    {
        var reader = users[actor];
        var (query, conversationId) = Conversations(reader.UserId).ElementAt(_random.Next(users.Count));
        var latest = _sent.Where(m => m.ConversationId == conversationId).Select(m => m.Id).Order(StringComparer.Ordinal).LastOrDefault();
        if (latest is null)
        {
            return;
        }

        var parts = query.Split('=');
        object body = parts[0] == "with" ? new { with = parts[1], upTo = latest } : new { groupId = parts[1], upTo = latest };
        await ChatApiClient.ReadAsync(await Actor(actor).PostAsync("api/messages/read", body), HttpStatusCode.OK);
    }

    private ChatApiClient Actor(int index) => Actor(users[index]);

    private ChatApiClient Actor(ChatApiClient user) => new(http(), user.UserId, user.Username, user.Email, user.Password, user.AccessToken, user.RefreshToken);

    public static async Task SettleAsync(ChatView client, HttpClient http)
    {
        await client.SyncedAsync();
        var sentinel = await ChatApiClient.RegisterAsync(http, "sentinel");
        var id = (string)(await sentinel.SendMessageAsync(new { receiverId = client.UserId, content = "sentinel" }))["id"]!;
        await client.HasMessageAsync(id);
        await client.SyncedAsync();
    }
}
