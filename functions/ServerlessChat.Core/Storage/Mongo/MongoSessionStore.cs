using MongoDB.Bson;
using MongoDB.Driver;
using ServerlessChat.Core.Domain;

namespace ServerlessChat.Core.Storage.Mongo;

internal sealed class MongoSessionStore(MongoChatDatabase db) : ISessionStore
{
    public Task CreateAsync(SessionRecord session, CancellationToken ct) =>
        db.Sessions.InsertOneAsync(new BsonDocument
        {
            { "_id", StorageIds.RequireObjectId(session.Id, nameof(session)) },
            { "userId", StorageIds.RequireObjectId(session.UserId, nameof(session)) },
            { "currentTokenHash", session.CurrentTokenHash },
            { "createdAt", MongoBson.Time(session.CreatedAt) },
            { "lastUsedAt", MongoBson.Time(session.LastUsedAt) },
            { "expiresAt", MongoBson.Time(session.ExpiresAt) },
            { "userAgent", MongoBson.Text(session.UserAgent) },
            { "endedAt", MongoBson.Time(session.EndedAt) },
        }, cancellationToken: ct);

    public async Task<SessionRecord?> FindAsync(string id, CancellationToken ct)
    {
        if (!StorageIds.TryParse(id, out var oid))
        {
            return null;
        }

        var d = await db.Sessions.Find(new BsonDocument("_id", oid)).FirstOrDefaultAsync(ct).ConfigureAwait(false);
        return d is null ? null : Map(d);
    }

    public async Task<bool> TryRotateAsync(
        string id, string expectedTokenHash, string newTokenHash, DateTimeOffset at, DateTimeOffset expiresAt, string? userAgent, CancellationToken ct)
    {
        if (!StorageIds.TryParse(id, out var oid))
        {
            return false;
        }

        // The match and the write are one atomic step on the one document: of two trades of a token, one matches.
        var filter = new BsonDocument { { "_id", oid }, { "currentTokenHash", expectedTokenHash }, { "endedAt", BsonNull.Value } };
        var set = new BsonDocument
        {
            { "currentTokenHash", newTokenHash },
            { "lastUsedAt", MongoBson.Time(at) },
            { "expiresAt", MongoBson.Time(expiresAt) },
        };
        if (userAgent is not null)
        {
            set["userAgent"] = userAgent;
        }

        var result = await db.Sessions.UpdateOneAsync(filter, new BsonDocument("$set", set), cancellationToken: ct).ConfigureAwait(false);
        return result.ModifiedCount == 1;
    }

    public async Task<bool> EndAsync(string id, DateTimeOffset at, CancellationToken ct)
    {
        if (!StorageIds.TryParse(id, out var oid))
        {
            return false;
        }

        var result = await db.Sessions.UpdateOneAsync(
            new BsonDocument { { "_id", oid }, { "endedAt", BsonNull.Value } },
            new BsonDocument("$set", new BsonDocument("endedAt", MongoBson.Time(at))),
            cancellationToken: ct).ConfigureAwait(false);
        return result.ModifiedCount == 1;
    }

    public async Task<IReadOnlyList<string>> EndAllAsync(string userId, string? exceptId, DateTimeOffset at, CancellationToken ct)
    {
        if (!StorageIds.TryParse(userId, out var user))
        {
            return [];
        }

        var filter = new BsonDocument { { "userId", user }, { "endedAt", BsonNull.Value } };
        if (exceptId is not null && StorageIds.TryParse(exceptId, out var except))
        {
            filter["_id"] = new BsonDocument("$ne", except);
        }

        var live = await db.Sessions.Find(filter).Project(new BsonDocument("_id", 1)).ToListAsync(ct).ConfigureAwait(false);
        if (live.Count == 0)
        {
            return [];
        }

        // Those listed are ended by this write unless ended meanwhile; one started in between is ended too and
        // reaches the instances' revocation lists through ListEndedSinceAsync like every other.
        await db.Sessions.UpdateManyAsync(filter, new BsonDocument("$set", new BsonDocument("endedAt", MongoBson.Time(at))), cancellationToken: ct)
            .ConfigureAwait(false);
        return [.. live.Select(d => d["_id"].AsObjectId.ToString())];
    }

    public async Task<IReadOnlyList<SessionRecord>> ListLiveAsync(string userId, DateTimeOffset now, int limit, CancellationToken ct)
    {
        if (!StorageIds.TryParse(userId, out var user))
        {
            return [];
        }

        var filter = new BsonDocument
        {
            { "userId", user },
            { "endedAt", BsonNull.Value },
            { "expiresAt", new BsonDocument("$gt", MongoBson.Time(now)) },
        };
        var docs = await db.Sessions.Find(filter)
            .Sort(new BsonDocument { { "lastUsedAt", -1 }, { "_id", -1 } })
            .Limit(limit)
            .ToListAsync(ct).ConfigureAwait(false);
        return [.. docs.Select(Map)];
    }

    public async Task<IReadOnlyList<EndedSession>> ListEndedSinceAsync(DateTimeOffset since, int limit, CancellationToken ct)
    {
        var docs = await db.Sessions.Find(new BsonDocument("endedAt", new BsonDocument("$gte", MongoBson.Time(since))))
            .Sort(new BsonDocument("endedAt", 1))
            .Limit(limit)
            .Project(new BsonDocument { { "userId", 1 }, { "endedAt", 1 } })
            .ToListAsync(ct).ConfigureAwait(false);
        return [.. docs.Select(d => new EndedSession(d["_id"].AsObjectId.ToString(), d.GetId("userId"), d.GetTime("endedAt")))];
    }

    public async Task<int> PurgeExpiredAsync(DateTimeOffset before, CancellationToken ct)
    {
        var result = await db.Sessions.DeleteManyAsync(new BsonDocument("expiresAt", new BsonDocument("$lt", MongoBson.Time(before))), ct).ConfigureAwait(false);
        return (int)result.DeletedCount;
    }

    private static SessionRecord Map(BsonDocument d) => new(
        d["_id"].AsObjectId.ToString(),
        d.GetId("userId"),
        d["currentTokenHash"].AsString,
        d.GetTime("createdAt"),
        d.GetTime("lastUsedAt"),
        d.GetTime("expiresAt"),
        d.GetStringOrNull("userAgent"),
        d.GetTimeOrNull("endedAt"));
}
