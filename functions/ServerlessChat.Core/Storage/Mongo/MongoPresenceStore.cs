using MongoDB.Bson;
using MongoDB.Driver;
using ServerlessChat.Core.Domain;

namespace ServerlessChat.Core.Storage.Mongo;

internal sealed class MongoPresenceStore(MongoChatDatabase db) : IPresenceStore
{
    private static readonly FindOneAndUpdateOptions<BsonDocument> ReturnAfter = new() { ReturnDocument = ReturnDocument.After };

    // lastSeenAt only moves forward ($max): instances' clocks differ a little, and a late event must not make an
    // online user look stale to ExpireAsync.

    // Counts are $inc on an existing document, never an upsert (see MongoBson.UpdateCreatingAsync).

    public async Task<PresenceRecord> ConnectedAsync(string userId, DateTimeOffset at, CancellationToken ct)
    {
        var user = StorageIds.RequireObjectId(userId);
        var update = new BsonDocument
        {
            { "$inc", new BsonDocument("connections", 1) },
            { "$max", new BsonDocument("lastSeenAt", MongoBson.Time(at)) },
        };
        var document = await MongoBson.UpdateCreatingAsync(db.Presence, Seed(user, at),
            async () => (BsonDocument?)await db.Presence.FindOneAndUpdateAsync(new BsonDocument("_id", user), update, ReturnAfter, ct).ConfigureAwait(false), ct).ConfigureAwait(false);
        return Map(document);
    }

    public async Task<PresenceRecord> DisconnectedAsync(string userId, DateTimeOffset at, CancellationToken ct)
    {
        var user = StorageIds.RequireObjectId(userId);
        var seen = new BsonDocument("lastSeenAt", MongoBson.Time(at));
        var decremented = await db.Presence.FindOneAndUpdateAsync(
            new BsonDocument { { "_id", user }, { "connections", new BsonDocument("$gt", 0) } },
            new BsonDocument { { "$inc", new BsonDocument("connections", -1) }, { "$max", seen } },
            ReturnAfter, ct).ConfigureAwait(false);
        if (decremented is not null)
        {
            return Map(decremented);
        }

        // No open connection counted (a missed connect, or one the expiry already zeroed): never below zero.
        var document = await MongoBson.UpdateCreatingAsync(db.Presence, Seed(user, at),
            async () => (BsonDocument?)await db.Presence.FindOneAndUpdateAsync(new BsonDocument("_id", user), new BsonDocument("$max", seen), ReturnAfter, ct).ConfigureAwait(false), ct).ConfigureAwait(false);
        return Map(document);
    }

    private static BsonDocument Seed(ObjectId user, DateTimeOffset at) =>
        new() { { "_id", user }, { "connections", 0 }, { "lastSeenAt", MongoBson.Time(at) } };

    public async Task<IReadOnlyList<PresenceRecord>> HeartbeatAsync(IReadOnlyCollection<string> userIds, DateTimeOffset at, CancellationToken ct)
    {
        var ids = StorageIds.NormalizeAll(userIds);
        if (ids.Count == 0)
        {
            return [];
        }

        // One update for all, then their records: a user who disconnected in between is left out, as if the
        // disconnect had come first.
        var connected = new BsonDocument
        {
            { "_id", new BsonDocument("$in", MongoBson.Oids(ids)) },
            { "connections", new BsonDocument("$gt", 0) },
        };
        await db.Presence.UpdateManyAsync(connected, new BsonDocument("$max", new BsonDocument("lastSeenAt", MongoBson.Time(at))), cancellationToken: ct)
            .ConfigureAwait(false);
        var documents = await db.Presence.Find(connected).ToListAsync(ct).ConfigureAwait(false);
        return documents.ConvertAll(Map);
    }

    public async Task<IReadOnlyList<PresenceRecord>> GetAsync(IReadOnlyCollection<string> userIds, CancellationToken ct)
    {
        var ids = StorageIds.NormalizeAll(userIds);
        if (ids.Count == 0)
        {
            return [];
        }
        var documents = await db.Presence.Find(new BsonDocument("_id", new BsonDocument("$in", MongoBson.Oids(ids)))).ToListAsync(ct).ConfigureAwait(false);
        return documents.ConvertAll(Map);
    }

    public async Task<IReadOnlyList<PresenceRecord>> ExpireAsync(DateTimeOffset cutoff, CancellationToken ct)
    {
        var stale = new BsonDocument
        {
            { "connections", new BsonDocument("$gt", 0) },
            { "lastSeenAt", new BsonDocument("$lt", MongoBson.Time(cutoff)) },
        };
        var candidates = await db.Presence.Find(stale).Project(new BsonDocument("_id", 1)).ToListAsync(ct).ConfigureAwait(false);

        // Re-checked per user in the same atomic step as the write: a user who reconnected or sent a heartbeat
        // since the query is left alone, and two instances expiring at once report each user once.
        var expired = new List<PresenceRecord>();
        foreach (var candidate in candidates)
        {
            var filter = new BsonDocument(stale) { { "_id", candidate["_id"] } };
            var document = await db.Presence.FindOneAndUpdateAsync(
                filter, new BsonDocument("$set", new BsonDocument("connections", 0)), ReturnAfter, ct).ConfigureAwait(false);
            if (document is not null)
            {
                expired.Add(Map(document));
            }
        }
        return expired;
    }

    private static PresenceRecord Map(BsonDocument d) => new(d.GetId("_id"), d["connections"].ToInt32(), d.GetTime("lastSeenAt"));
}
