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
