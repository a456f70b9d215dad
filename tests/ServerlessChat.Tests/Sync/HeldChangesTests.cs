using System.Net;
using MongoDB.Bson;
using MongoDB.Driver;
using ServerlessChat.Core.Storage.Mongo;
using ServerlessChat.Tests.Infrastructure;
using ServerlessChat.Tests.Realtime;
using ServerlessChat.Tests.Storage;

namespace ServerlessChat.Tests.Sync;

/// <summary>
/// On MongoDB a change-log entry is pending while its write runs, and a request killed between its write and the
/// entry's commit leaves it pending: sync stops before it until it is older than the settle window. Such a
/// message was never published either, so a connected client learns of it only by syncing again after that.
/// </summary>
public sealed class HeldChangesTests
{
    private const int SettleSeconds = 4;

    [SkippableFact]
    public async Task AConnectedClientWhoseSyncStoppedAtAnUnfinishedWriteGetsThatMessageOnceItSettles()
    {
        Skip.If(TestStorage.MongoConnectionString is null, MongoStorageFixture.SkipReason);
        await using var host = await StandaloneHost.StartAsync(new Dictionary<string, string?> { ["Sync__SettleSeconds"] = $"{SettleSeconds}" });
        var alice = await ChatApiClient.RegisterAsync(host.Client, "held");
        var bob = await ChatApiClient.RegisterAsync(host.Client, "held");
        await using var view = await ChatView.ConnectAsync(host.BaseAddress, alice);
        var first = await bob.SendMessageAsync(new { receiverId = alice.UserId, content = "first" });
        await view.HasMessageAsync((string)first["id"]!);
        var before = view.Client.Cursor!;

        await view.Client.DisconnectAsync();
        var second = await bob.SendMessageAsync(new { receiverId = alice.UserId, content = "second" });
        var secondId = (string)second["id"]!;
        // As a host killed between the message's write and its entry's commit leaves it (the message was stored,
        // never published): its entry pending.
        using (var mongo = new MongoClient(TestStorage.MongoConnectionString))
        {
            var changes = mongo.GetDatabase(host.Settings["Storage__MongoDatabase"]).GetCollection<BsonDocument>(MongoChatDatabase.ChangesName);
            var marked = await changes.UpdateOneAsync(new BsonDocument("entityId", secondId), new BsonDocument("$set", new BsonDocument("pending", true)));
            Assert.Equal(1, marked.ModifiedCount);
        }

        // The answer either stops before it and says when to ask again, or (read after the window) delivers it.
        var answer = await ChatApiClient.ReadAsync(await alice.GetAsync($"api/sync?since={Uri.EscapeDataString(before)}"), HttpStatusCode.OK);
        var delivered = answer["changes"]!.AsArray().Any(c => (string?)c!["data"]!["id"] == secondId);
        var settlesIn = (long?)answer["settlesInMs"];
        if (delivered)
        {
            Assert.Null(settlesIn);
        }
        else
        {
            Assert.InRange(settlesIn ?? -1, 1, SettleSeconds * 1000 + 1000);
        }

        // Connected again, the client's ready sync stops before it; nothing else would make it sync again.
        await view.Client.ConnectAsync().WaitAsync(RealtimeClient.Timeout * 2);
        await view.HasMessageAsync(secondId);
        Assert.Equal("second", view.Messages[secondId].Content);
        Assert.Empty(view.DeliveredTwice);
    }
}
