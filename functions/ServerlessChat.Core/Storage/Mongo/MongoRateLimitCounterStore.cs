using MongoDB.Bson;
using MongoDB.Driver;

namespace ServerlessChat.Core.Storage.Mongo;

internal sealed class MongoRateLimitCounterStore(MongoChatDatabase db) : IRateLimitCounterStore
{
    private const int MaxAttempts = 5;

    private static readonly FindOneAndUpdateOptions<BsonDocument> UpsertReturnAfter = new() { IsUpsert = true, ReturnDocument = ReturnDocument.After };
    private static readonly FindOneAndUpdateOptions<BsonDocument> ReturnAfter = new() { ReturnDocument = ReturnDocument.After };

    public async Task<long> IncrementAsync(string key, DateTimeOffset windowEnd, CancellationToken ct)
    {
        var window = MongoBson.Time(windowEnd);
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                // The usual case, one round trip: the key is new (inserted with count 1) or in this window.
                var counted = await db.RateLimits.FindOneAndUpdateAsync(
                    new BsonDocument { { "_id", key }, { "windowEnd", window } },
                    new BsonDocument("$inc", new BsonDocument("count", 1L)),
                    UpsertReturnAfter, ct).ConfigureAwait(false);
                return counted["count"].ToInt64();
            }
            catch (MongoCommandException ex) when (MongoBson.IsDuplicateKey(ex) && attempt < MaxAttempts)
            {
                // The key holds another window (a duplicate _id stopped the upsert): start this one, unless a
                // concurrent request already did, in which case counting in it is the next attempt's job.
                var restarted = await db.RateLimits.FindOneAndUpdateAsync(
                    new BsonDocument { { "_id", key }, { "windowEnd", new BsonDocument("$ne", window) } },
                    new BsonDocument("$set", new BsonDocument { { "windowEnd", window }, { "count", 1L } }),
                    ReturnAfter, ct).ConfigureAwait(false);
                if (restarted is not null)
                {
                    return 1;
                }
            }
        }
    }
}
