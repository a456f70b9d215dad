using MongoDB.Bson;
using MongoDB.Driver;

namespace ServerlessChat.Core.Storage.Mongo;

/// <summary>
/// One document per key holding its current window and count. Counting is $inc on an existing document of the
/// window, never an upsert (see <see cref="MongoBson.UpdateCreatingAsync"/>): a missing key is created with count 0,
/// ignoring a duplicate, and a key of an older window is restarted by one conditional update, which one request wins.
/// </summary>
internal sealed class MongoRateLimitCounterStore(MongoChatDatabase db) : IRateLimitCounterStore
{
    private const int MaxAttempts = 5;

    private static readonly FindOneAndUpdateOptions<BsonDocument> ReturnAfter = new() { ReturnDocument = ReturnDocument.After };

    public async Task<long> IncrementAsync(string key, DateTimeOffset windowEnd, CancellationToken ct)
    {
        var window = MongoBson.Time(windowEnd);
        for (var attempt = 0; ; attempt++)
        {
            // The usual case, one round trip: the key is in this window.
            var counted = await db.RateLimits.FindOneAndUpdateAsync(
                new BsonDocument { { "_id", key }, { "windowEnd", window } },
                new BsonDocument("$inc", new BsonDocument("count", 1L)),
                ReturnAfter, ct).ConfigureAwait(false);
            if (counted is not null)
            {
                return counted["count"].ToInt64();
            }
            if (attempt >= MaxAttempts)
            {
                throw new InvalidOperationException($"The rate-limit window of a key kept moving for {MaxAttempts} attempts.");
            }

            // New key: create it at zero. A key of another window: start this one at zero, unless a concurrent
            // request already did. Either way the next attempt counts.
            var document = new BsonDocument { { "_id", key }, { "windowEnd", window }, { "count", 0L } };
            if (!await MongoBson.InsertIfMissingAsync(db.RateLimits, document, ct).ConfigureAwait(false))
            {
                await db.RateLimits.UpdateOneAsync(
                    new BsonDocument { { "_id", key }, { "windowEnd", new BsonDocument("$ne", window) } },
                    new BsonDocument("$set", new BsonDocument { { "windowEnd", window }, { "count", 0L } }),
                    cancellationToken: ct).ConfigureAwait(false);
            }
        }
    }
}
