using MongoDB.Bson;
using MongoDB.Driver;

namespace ServerlessChat.Core.Storage.Mongo;

/// <summary>One document per block, its _id the pair, so blocking twice is one document.</summary>
internal sealed class MongoBlockStore(MongoChatDatabase db) : IBlockStore
{
    public async Task BlockAsync(string blockerId, string blockedId, DateTimeOffset at, CancellationToken ct)
    {
        var blocker = StorageIds.RequireObjectId(blockerId, nameof(blockerId));
        var blocked = StorageIds.RequireObjectId(blockedId, nameof(blockedId));
        var update = new BsonDocument("$setOnInsert", new BsonDocument { { "blocker", blocker }, { "blocked", blocked }, { "createdAt", MongoBson.Time(at) } });
        await MongoBson.RetryOnDuplicateKeyAsync(() => db.Blocks.UpdateOneAsync(
            new BsonDocument("_id", Key(blocker, blocked)), update, new UpdateOptions { IsUpsert = true }, ct)).ConfigureAwait(false);
    }

    public async Task UnblockAsync(string blockerId, string blockedId, CancellationToken ct)
    {
        if (StorageIds.TryParse(blockerId, out var blocker) && StorageIds.TryParse(blockedId, out var blocked))
        {
            await db.Blocks.DeleteOneAsync(new BsonDocument("_id", Key(blocker, blocked)), ct).ConfigureAwait(false);
        }
    }

    public async Task<IReadOnlyList<string>> ListBlockedAsync(string blockerId, CancellationToken ct)
    {
        if (!StorageIds.TryParse(blockerId, out var blocker))
        {
            return [];
        }
        var documents = await db.Blocks.Find(new BsonDocument("blocker", blocker))
            .Sort(new BsonDocument { { "createdAt", 1 }, { "_id", 1 } }).ToListAsync(ct).ConfigureAwait(false);
        return documents.ConvertAll(d => d.GetId("blocked"));
    }

    public async Task<bool> IsBlockedAsync(string blockerId, string blockedId, CancellationToken ct) =>
        StorageIds.TryParse(blockerId, out var blocker) && StorageIds.TryParse(blockedId, out var blocked)
        && await db.Blocks.CountDocumentsAsync(new BsonDocument("_id", Key(blocker, blocked)), cancellationToken: ct).ConfigureAwait(false) > 0;

    private static string Key(ObjectId blocker, ObjectId blocked) => $"{blocker}:{blocked}";
}
