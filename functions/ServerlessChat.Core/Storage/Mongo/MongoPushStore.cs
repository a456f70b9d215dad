using MongoDB.Bson;
using MongoDB.Driver;

namespace ServerlessChat.Core.Storage.Mongo;

/// <summary>
/// A subscription's _id is its endpoint (unique by construction); a mute's _id is the user and conversation
/// pair, so muting twice is one document.
/// </summary>
internal sealed class MongoPushStore(MongoChatDatabase db) : IPushStore
{
    public async Task SaveSubscriptionAsync(PushSubscriptionRecord subscription, CancellationToken ct)
    {
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
        return documents.ConvertAll(d => new PushSubscriptionRecord(
            d.GetId("userId"), d["_id"].AsString, d["p256dh"].AsString, d["auth"].AsString, d.GetTime("createdAt")));
    }

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
