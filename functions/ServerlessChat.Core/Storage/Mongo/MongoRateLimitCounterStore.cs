using MongoDB.Bson;
using MongoDB.Driver;
using ServerlessChat.Core.Domain;

namespace ServerlessChat.Core.Storage.Mongo;

internal sealed class MongoRateLimitCounterStore(MongoChatDatabase db) : IRateLimitCounterStore
{
    private const int MaxAttempts = 5;

    private static readonly FindOneAndUpdateOptions<BsonDocument> UpsertReturnAfter = new() { IsUpsert = true, ReturnDocument = ReturnDocument.After };
    private static readonly FindOneAndUpdateOptions<BsonDocument> ReturnAfter = new() { ReturnDocument = ReturnDocument.After };
    private static readonly FindOneAndUpdateOptions<BsonDocument> ReturnBefore = new() { ReturnDocument = ReturnDocument.Before };
    private static readonly FindOneAndUpdateOptions<BsonDocument> UpsertReturnBefore = new() { IsUpsert = true, ReturnDocument = ReturnDocument.Before };

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

    // Strike records share the collection with the windows: windowEnd is their expiry, so the TTL index and the
    // purge drop them too. Their ids are prefixed, apart from the windows' keys.
    public async Task<StrikeRecord?> StrikeAsync(string key, DateTimeOffset at, DateTimeOffset expiresAt, CancellationToken ct)
    {
        var id = StrikeId(key);
        var now = MongoBson.Time(at);
        var update = new BsonDocument { { "lastAt", now }, { "windowEnd", MongoBson.Time(expiresAt) } };
        for (var attempt = 0; ; attempt++)
        {
            // The usual case: a live record takes one more strike.
            var live = await db.RateLimits.FindOneAndUpdateAsync(
                new BsonDocument { { "_id", id }, { "windowEnd", new BsonDocument("$gt", now) } },
                new BsonDocument { { "$inc", new BsonDocument("count", 1L) }, { "$set", update } },
                ReturnBefore, ct).ConfigureAwait(false);
            if (live is not null)
            {
                return ToStrike(live);
            }

            try
            {
                // None, or an expired one the TTL monitor has not removed yet: start over at one.
                await db.RateLimits.FindOneAndUpdateAsync(
                    new BsonDocument { { "_id", id }, { "windowEnd", new BsonDocument("$not", new BsonDocument("$gt", now)) } },
                    new BsonDocument("$set", new BsonDocument(update) { { "count", 1L } }),
                    UpsertReturnBefore, ct).ConfigureAwait(false);
                return null;
            }
            catch (MongoCommandException ex) when (MongoBson.IsDuplicateKey(ex) && attempt < MaxAttempts)
            {
                // A concurrent strike created the record first: count in it (the next attempt).
            }
        }
    }

    public async Task<StrikeRecord?> FindStrikesAsync(string key, DateTimeOffset now, CancellationToken ct)
    {
        var found = await db.RateLimits.Find(new BsonDocument { { "_id", StrikeId(key) }, { "windowEnd", new BsonDocument("$gt", MongoBson.Time(now)) } })
            .FirstOrDefaultAsync(ct).ConfigureAwait(false);
        return found is null ? null : ToStrike(found);
    }

    public Task ClearStrikesAsync(string key, CancellationToken ct) =>
        db.RateLimits.DeleteOneAsync(new BsonDocument("_id", StrikeId(key)), ct);

    private static string StrikeId(string key) => $"strike:{key}";

    private static StrikeRecord ToStrike(BsonDocument document) =>
        new(document["count"].ToInt64(), document.GetTime("lastAt"), document.GetTime("windowEnd"));
}
