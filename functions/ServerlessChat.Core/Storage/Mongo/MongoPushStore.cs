using MongoDB.Bson;
using MongoDB.Driver;

namespace ServerlessChat.Core.Storage.Mongo;

/// <summary>
/// A subscription's _id is its endpoint (unique by construction); a mute's _id is the user and conversation
/// pair, so muting twice is one document.
/// </summary>
internal sealed class MongoPushStore(MongoChatDatabase db) : IPushStore
{
    public async Task SaveSubscriptionAsync(PushSubscriptionRecord subscription, int maxPerUser, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPerUser, 1);
        var user = StorageIds.RequireObjectId(subscription.UserId, nameof(subscription.UserId));
        var document = new BsonDocument
        {
            { "_id", subscription.Endpoint },
            { "userId", user },
            { "p256dh", subscription.P256dh },
            { "auth", subscription.Auth },
            { "createdAt", MongoBson.Time(subscription.CreatedAt) },
        };
        await MongoBson.RetryOnDuplicateKeyAsync(() => db.PushSubscriptions.ReplaceOneAsync(
            new BsonDocument("_id", subscription.Endpoint), document, new ReplaceOptions { IsUpsert = true }, ct)).ConfigureAwait(false);

        // Each save trims after its own write, so the last trim of a burst sees every save before it. A subscription
        // is removed only with the createdAt read here: one saved again meanwhile (newer now) stays.
        var surplus = await db.PushSubscriptions.Find(new BsonDocument("userId", user))
            .Sort(new BsonDocument { { "createdAt", -1 }, { "_id", -1 } })
            .Skip(maxPerUser)
            .Project(new BsonDocument { { "_id", 1 }, { "createdAt", 1 } })
            .ToListAsync(ct).ConfigureAwait(false);
        foreach (var old in surplus)
        {
            await db.PushSubscriptions.DeleteOneAsync(
                new BsonDocument { { "_id", old["_id"] }, { "userId", user }, { "createdAt", old["createdAt"] } }, ct).ConfigureAwait(false);
        }
    }

    public async Task DeleteSubscriptionAsync(string userId, string endpoint, CancellationToken ct)
    {
        if (StorageIds.TryParse(userId, out var user))
        {
            await db.PushSubscriptions.DeleteOneAsync(new BsonDocument { { "_id", endpoint }, { "userId", user } }, ct).ConfigureAwait(false);
        }
    }

    public Task DeleteEndpointAsync(string endpoint, CancellationToken ct) =>
        db.PushSubscriptions.DeleteOneAsync(new BsonDocument("_id", endpoint), ct);

    public async Task<IReadOnlyList<PushSubscriptionRecord>> ListSubscriptionsAsync(string userId, CancellationToken ct)
    {
        if (!StorageIds.TryParse(userId, out var user))
        {
            return [];
        }
        var documents = await db.PushSubscriptions.Find(new BsonDocument("userId", user))
            .Sort(new BsonDocument { { "createdAt", 1 }, { "_id", 1 } }).ToListAsync(ct).ConfigureAwait(false);
        return documents.ConvertAll(Map);
    }

    public async Task<IReadOnlyList<PushSubscriptionRecord>> ListSubscriptionsAsync(IReadOnlyCollection<string> userIds, CancellationToken ct)
    {
        var users = StorageIds.NormalizeAll(userIds);
        if (users.Count == 0)
        {
            return [];
        }
        // The {userId, createdAt} index serves each user's range; the order within a user is kept by the sort below.
        var documents = await db.PushSubscriptions.Find(new BsonDocument("userId", new BsonDocument("$in", MongoBson.Oids(users))))
            .ToListAsync(ct).ConfigureAwait(false);
        return documents.ConvertAll(Map)
            .OrderBy(s => s.UserId, StringComparer.Ordinal).ThenBy(s => s.CreatedAt).ThenBy(s => s.Endpoint, StringComparer.Ordinal).ToList();
    }

    private static PushSubscriptionRecord Map(BsonDocument d) =>
        new(d.GetId("userId"), d["_id"].AsString, d["p256dh"].AsString, d["auth"].AsString, d.GetTime("createdAt"));

    public async Task MuteAsync(string userId, string conversationId, CancellationToken ct)
    {
        var user = StorageIds.RequireObjectId(userId, nameof(userId));
        var update = new BsonDocument("$setOnInsert", new BsonDocument { { "userId", user }, { "conversationId", conversationId } });
        await MongoBson.RetryOnDuplicateKeyAsync(() => db.Mutes.UpdateOneAsync(
            new BsonDocument("_id", Key(user, conversationId)), update, new UpdateOptions { IsUpsert = true }, ct)).ConfigureAwait(false);
    }

    public async Task UnmuteAsync(string userId, string conversationId, CancellationToken ct)
    {
        if (StorageIds.TryParse(userId, out var user))
        {
            await db.Mutes.DeleteOneAsync(new BsonDocument("_id", Key(user, conversationId)), ct).ConfigureAwait(false);
        }
    }

    public async Task<bool> IsMutedAsync(string userId, string conversationId, CancellationToken ct) =>
        StorageIds.TryParse(userId, out var user)
        && await db.Mutes.CountDocumentsAsync(new BsonDocument("_id", Key(user, conversationId)), cancellationToken: ct).ConfigureAwait(false) > 0;

    public async Task<IReadOnlyList<string>> FindMutedAsync(string conversationId, IReadOnlyCollection<string> userIds, CancellationToken ct)
    {
        var keys = new BsonArray();
        foreach (var id in StorageIds.NormalizeAll(userIds))
        {
            keys.Add(Key(StorageIds.RequireObjectId(id), conversationId));
        }
        if (keys.Count == 0)
        {
            return [];
        }
        var documents = await db.Mutes.Find(new BsonDocument("_id", new BsonDocument("$in", keys)))
            .Project(new BsonDocument("userId", 1)).ToListAsync(ct).ConfigureAwait(false);
        return documents.ConvertAll(d => d.GetId("userId"));
    }

    // The user's mutes are the _id range from "{user}|" up to "{user}}" ('}' follows '|'): the _id index answers it
    // in order, with no index of its own.
    public async Task<IReadOnlyList<string>> ListMutedAsync(string userId, CancellationToken ct)
    {
        if (!StorageIds.TryParse(userId, out var user))
        {
            return [];
        }
        var range = new BsonDocument("_id", new BsonDocument { { "$gte", $"{user}|" }, { "$lt", $"{user}}}" } });
        var documents = await db.Mutes.Find(range).Sort(new BsonDocument("_id", 1)).ToListAsync(ct).ConfigureAwait(false);
        return documents.ConvertAll(d => d["conversationId"].AsString);
    }

    private static string Key(ObjectId user, string conversationId) => $"{user}|{conversationId}";
}
