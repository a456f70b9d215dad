using MongoDB.Bson;
using MongoDB.Driver;
using ServerlessChat.Core.Domain;

namespace ServerlessChat.Core.Storage.Mongo;

internal sealed class MongoAuthTokenStore(MongoChatDatabase db) : IAuthTokenStore
{
    public Task InsertRefreshTokenAsync(RefreshTokenRecord token, CancellationToken ct) =>
        db.RefreshTokens.InsertOneAsync(new BsonDocument
        {
            { "_id", token.TokenHash },
            { "userId", StorageIds.RequireObjectId(token.UserId, nameof(token)) },
            { "familyId", token.FamilyId },
            { "createdAt", MongoBson.Time(token.CreatedAt) },
            { "expiresAt", MongoBson.Time(token.ExpiresAt) },
            { "usedAt", MongoBson.Time(token.UsedAt) },
            { "revokedAt", MongoBson.Time(token.RevokedAt) },
        }, cancellationToken: ct);

    public async Task<RefreshTokenRecord?> FindRefreshTokenAsync(string tokenHash, CancellationToken ct)
    {
        var d = await db.RefreshTokens.Find(new BsonDocument("_id", tokenHash)).FirstOrDefaultAsync(ct).ConfigureAwait(false);
        return d is null
            ? null
            : new RefreshTokenRecord(
                d["_id"].AsString,
                d.GetId("userId"),
                d["familyId"].AsString,
                d.GetTime("createdAt"),
                d.GetTime("expiresAt"),
                d.GetTimeOrNull("usedAt"),
                d.GetTimeOrNull("revokedAt"));
    }

    public async Task<bool> TryUseRefreshTokenAsync(string tokenHash, DateTimeOffset at, CancellationToken ct)
    {
        // {field: null} also matches a missing field; the match and the write are one atomic step per document.
        var filter = new BsonDocument { { "_id", tokenHash }, { "usedAt", BsonNull.Value }, { "revokedAt", BsonNull.Value } };
        var result = await db.RefreshTokens.UpdateOneAsync(filter, new BsonDocument("$set", new BsonDocument("usedAt", MongoBson.Time(at))), cancellationToken: ct).ConfigureAwait(false);
        return result.ModifiedCount == 1;
    }

    public Task RevokeRefreshFamilyAsync(string familyId, DateTimeOffset at, CancellationToken ct) =>
        db.RefreshTokens.UpdateManyAsync(
            new BsonDocument { { "familyId", familyId }, { "revokedAt", BsonNull.Value } },
            new BsonDocument("$set", new BsonDocument("revokedAt", MongoBson.Time(at))),
            cancellationToken: ct);

    public Task RevokeAllRefreshTokensAsync(string userId, DateTimeOffset at, CancellationToken ct)
    {
        if (!StorageIds.TryParse(userId, out var user))
        {
            return Task.CompletedTask;
        }
        return db.RefreshTokens.UpdateManyAsync(
            new BsonDocument { { "userId", user }, { "revokedAt", BsonNull.Value } },
            new BsonDocument("$set", new BsonDocument("revokedAt", MongoBson.Time(at))),
            cancellationToken: ct);
    }

    public async Task InsertResetTokenAsync(ResetTokenRecord token, CancellationToken ct)
    {
        var user = StorageIds.RequireObjectId(token.UserId, nameof(token));
        var createdAt = MongoBson.Time(token.CreatedAt);
        await db.ResetTokens.InsertOneAsync(new BsonDocument
        {
            { "_id", token.TokenHash },
            { "userId", user },
            { "createdAt", createdAt },
            { "expiresAt", MongoBson.Time(token.ExpiresAt) },
            { "usedAt", MongoBson.Time(token.UsedAt) },
        }, cancellationToken: ct).ConfigureAwait(false);

        // Without a transaction: the older live ones end, then this one ends if a newer one is already there.
        // Whatever the interleaving, the newest sees every older one, or is seen by it after its insert.
        var used = new BsonDocument("$set", new BsonDocument("usedAt", createdAt));
        await db.ResetTokens.UpdateManyAsync(
            new BsonDocument
            {
                { "userId", user },
                { "usedAt", BsonNull.Value },
                { "$or", new BsonArray
                    {
                        new BsonDocument("createdAt", new BsonDocument("$lt", createdAt)),
                        new BsonDocument { { "createdAt", createdAt }, { "_id", new BsonDocument("$lt", token.TokenHash) } },
                    }
                },
            },
            used, cancellationToken: ct).ConfigureAwait(false);
        var newer = await db.ResetTokens.Find(new BsonDocument
        {
            { "userId", user },
            { "$or", new BsonArray
                {
                    new BsonDocument("createdAt", new BsonDocument("$gt", createdAt)),
                    new BsonDocument { { "createdAt", createdAt }, { "_id", new BsonDocument("$gt", token.TokenHash) } },
                }
            },
        }).Limit(1).AnyAsync(ct).ConfigureAwait(false);
        if (newer)
        {
            await db.ResetTokens.UpdateOneAsync(
                new BsonDocument { { "_id", token.TokenHash }, { "usedAt", BsonNull.Value } }, used, cancellationToken: ct).ConfigureAwait(false);
        }
    }

    public Task UseAllResetTokensAsync(string userId, DateTimeOffset at, CancellationToken ct)
    {
        if (!StorageIds.TryParse(userId, out var user))
        {
            return Task.CompletedTask;
        }

        return db.ResetTokens.UpdateManyAsync(
            new BsonDocument { { "userId", user }, { "usedAt", BsonNull.Value } },
            new BsonDocument("$set", new BsonDocument("usedAt", MongoBson.Time(at))),
            cancellationToken: ct);
    }

    public async Task<ResetTokenRecord?> FindResetTokenAsync(string tokenHash, CancellationToken ct)
    {
        var d = await db.ResetTokens.Find(new BsonDocument("_id", tokenHash)).FirstOrDefaultAsync(ct).ConfigureAwait(false);
        return d is null
            ? null
            : new ResetTokenRecord(
                d["_id"].AsString,
                d.GetId("userId"),
                d.GetTime("createdAt"),
                d.GetTime("expiresAt"),
                d.GetTimeOrNull("usedAt"));
    }

    public async Task<bool> TryUseResetTokenAsync(string tokenHash, DateTimeOffset at, CancellationToken ct)
    {
        var filter = new BsonDocument { { "_id", tokenHash }, { "usedAt", BsonNull.Value } };
        var result = await db.ResetTokens.UpdateOneAsync(filter, new BsonDocument("$set", new BsonDocument("usedAt", MongoBson.Time(at))), cancellationToken: ct).ConfigureAwait(false);
        return result.ModifiedCount == 1;
    }

    public async Task<int> PurgeExpiredAsync(DateTimeOffset now, CancellationToken ct)
    {
        // The TTL indexes do this where the server runs them (Cosmos DB's RU API has TTL on _ts only), and then
        // there is little left here.
        var expired = new BsonDocument("expiresAt", new BsonDocument("$lt", MongoBson.Time(now)));
        var refresh = await db.RefreshTokens.DeleteManyAsync(expired, ct).ConfigureAwait(false);
        var reset = await db.ResetTokens.DeleteManyAsync(expired, ct).ConfigureAwait(false);
        // Past windows are never read again. Not counted: they are not tokens.
        await db.RateLimits.DeleteManyAsync(new BsonDocument("windowEnd", new BsonDocument("$lt", MongoBson.Time(now))), ct).ConfigureAwait(false);
        return (int)(refresh.DeletedCount + reset.DeletedCount);
    }
}
