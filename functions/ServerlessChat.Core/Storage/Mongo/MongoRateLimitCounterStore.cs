using MongoDB.Bson;
using MongoDB.Driver;
using ServerlessChat.Core.Domain;

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
    private static readonly FindOneAndUpdateOptions<BsonDocument> ReturnBefore = new() { ReturnDocument = ReturnDocument.Before };

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

            if (attempt >= MaxAttempts)
            {
                throw new InvalidOperationException($"The strike record of a key kept changing for {MaxAttempts} attempts.");
            }

            // An expired one the TTL monitor has not removed yet: start it over at one (a conditional update, one
            // winner). None: create it at one with an insert, never an upsert (see MongoBson.UpdateCreatingAsync).
            // A concurrent strike that did either first leaves a live record the next attempt counts in.
            var restarted = await db.RateLimits.FindOneAndUpdateAsync(
                new BsonDocument { { "_id", id }, { "windowEnd", new BsonDocument("$not", new BsonDocument("$gt", now)) } },
                new BsonDocument("$set", new BsonDocument(update) { { "count", 1L } }),
                ReturnBefore, ct).ConfigureAwait(false);
            if (restarted is not null
                || await MongoBson.InsertIfMissingAsync(db.RateLimits, new BsonDocument(update) { { "_id", id }, { "count", 1L } }, ct).ConfigureAwait(false))
            {
                return null;
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
