using MongoDB.Bson;
using MongoDB.Driver;
using ServerlessChat.Core.Domain;
using ServerlessChat.Core.Storage.Mongo;

namespace ServerlessChat.Tests.Storage;

/// <summary>Runs against a real MongoDB (or Cosmos DB for MongoDB) when CHAT_TEST_MONGODB holds its connection string.</summary>
public sealed class MongoStorageContractTests(MongoStorageFixture fixture)
    : StorageContractTests(fixture), IClassFixture<MongoStorageFixture>
{
    [SkippableFact]
    public async Task HistoryQueryIsAnIndexScanOnConversationId()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var (a, b) = (NewId(), NewId());
        for (var i = 0; i < 30; i++)
        {
            await Fixture.Host.Messages.InsertAsync(
                new MessageRecord(NewId(), ConversationIds.Direct(a, b), a, b, null, $"m{i}", Now(), null, false, null), default);
        }
        var (filter, sort) = MongoMessageStore.PageQuery(ConversationIds.Direct(a, b), ObjectId.GenerateNewId());
        var db = Fixture.Host.Get<MongoChatDatabase>().Database;

        var explain = await db.RunCommandAsync<BsonDocument>(new BsonDocument
        {
            { "explain", new BsonDocument { { "find", MongoChatDatabase.MessagesName }, { "filter", filter }, { "sort", sort }, { "limit", 25 } } },
            { "verbosity", "queryPlanner" },
        });

        var winningPlan = explain["queryPlanner"]["winningPlan"].AsBsonDocument;
        var scans = Stages(winningPlan).Where(s => s.GetValue("stage", "").AsString == "IXSCAN").ToList();
        Assert.NotEmpty(scans);
        Assert.All(scans, s => Assert.Equal("conversationId", LeadingKey(s)));
        Assert.DoesNotContain(Stages(winningPlan), s => s.GetValue("stage", "").AsString == "COLLSCAN");
        if (scans.All(s => s.Contains("keyPattern")))
        {
            // MongoDB reads the index backwards. DocumentDB (its default settings) sorts the conversation's range
            // after the index scan unless documentdb.enableIndexOrderbyPushdown is on.
            Assert.DoesNotContain(Stages(winningPlan), s => s.GetValue("stage", "").AsString == "SORT");
        }
    }

    [SkippableFact]
    public async Task ARepeatedSendCommitsTheEntryOfAnAttemptThatStoppedAfterItsWrite()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var (a, b) = (NewId(), NewId());
        var clientId = Unique("client");
        var (message, _, change) = await Fixture.Host.Messages.InsertAsync(
            new MessageRecord(NewId(), ConversationIds.Direct(a, b), a, b, null, "first", Now(), null, false, clientId), default);
        // The host died between the message's write and the commit of its entry: the entry is left pending.
        var changes = Fixture.Host.Get<MongoChatDatabase>().Changes;
        var key = new BsonDocument("_id", $"{change!.ConversationId}|{change.Seq}");
        await changes.UpdateOneAsync(key, new BsonDocument("$set", new BsonDocument("pending", true)));
        var before = await Fixture.Host.Get<ServerlessChat.Core.Storage.IChangeLog>().FindAsync([(change.ConversationId, change.Seq)], default);
        Assert.True(Assert.Single(before).Pending);

        var (again, created, repeated) = await Fixture.Host.Messages.InsertAsync(
            new MessageRecord(NewId(), ConversationIds.Direct(a, b), a, b, null, "retry", Now(), null, false, clientId), default);

        Assert.False(created);
        Assert.Equal(message, again);
        Assert.Equal(change, repeated);
        var after = await Fixture.Host.Get<ServerlessChat.Core.Storage.IChangeLog>().FindAsync([(change.ConversationId, change.Seq)], default);
        Assert.False(Assert.Single(after).Pending);
    }

    /// <summary>
    /// The first field of a scan's index: MongoDB reports the key pattern; DocumentDB (Cosmos DB vCore) only the
    /// index name, as MongoDB names indexes ("conversationId_1__id_1": each field, then its direction).
    /// </summary>
    private static string LeadingKey(BsonDocument scan) =>
        scan.TryGetValue("keyPattern", out var pattern) && pattern.IsBsonDocument
            ? pattern.AsBsonDocument.GetElement(0).Name
            : System.Text.RegularExpressions.Regex.Match(scan["indexName"].AsString, "^(.+?)_(-?1|text|hashed|2dsphere)(_|$)").Groups[1].Value;

    private static IEnumerable<BsonDocument> Stages(BsonDocument plan)
    {
        yield return plan;
        foreach (var element in plan.Elements)
        {
            var children = element.Value switch
            {
                BsonDocument child => [child],
                BsonArray array => array.OfType<BsonDocument>(),
                _ => Enumerable.Empty<BsonDocument>(),
            };
            foreach (var stage in children.SelectMany(Stages))
            {
                yield return stage;
            }
        }
    }
}
