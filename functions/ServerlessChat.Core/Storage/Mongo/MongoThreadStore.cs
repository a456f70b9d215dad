using MongoDB.Bson;
using MongoDB.Driver;
using ServerlessChat.Core.Domain;

namespace ServerlessChat.Core.Storage.Mongo;

/// <summary>Thread members in <c>threadMembers</c>, one document per (user, root) keyed by both, listed by user.</summary>
internal sealed class MongoThreadStore(MongoChatDatabase db) : IThreadStore
{
    private static string Key(string userId, string rootId) => $"{userId}:{rootId}";

    /// <summary>Adds the user to the thread; a racing join of the same user is the same document, inserted once.</summary>
    internal static Task<bool> JoinAsync(MongoChatDatabase db, string userId, string rootId, string conversationId, CancellationToken ct) =>
        MongoBson.InsertIfMissingAsync(db.ThreadMembers, new BsonDocument
        {
            { "_id", Key(userId, rootId) },
            { "userId", userId },
            { "rootId", rootId },
            { "conversationId", conversationId },
        }, ct);

    public async Task<IReadOnlyList<ThreadMemberRecord>> ListForUserAsync(string userId, int limit, CancellationToken ct)
    {
        if (limit <= 0)
        {
            return [];
        }
        var documents = await db.ThreadMembers.Find(new BsonDocument("userId", userId)).Limit(limit).ToListAsync(ct).ConfigureAwait(false);
        return documents.ConvertAll(d => new ThreadMemberRecord(d["userId"].AsString, d["rootId"].AsString, d["conversationId"].AsString, d.GetStringOrNull("readUpTo")));
    }

    public async Task<string?> AdvanceReadAsync(string userId, string rootId, string upTo, CancellationToken ct)
    {
        if (!StorageIds.TryParse(upTo, out _))
        {
            return null;
        }
        // $max on strings compares them as ObjectIds in hex compare: by time, never backwards.
        var document = await db.ThreadMembers.FindOneAndUpdateAsync<BsonDocument>(
            new BsonDocument("_id", Key(userId, rootId)),
            new BsonDocument("$max", new BsonDocument("readUpTo", upTo)),
            new FindOneAndUpdateOptions<BsonDocument> { ReturnDocument = ReturnDocument.After }, ct).ConfigureAwait(false);
        return document?.GetStringOrNull("readUpTo");
    }

    public async Task<long> CountUnreadAsync(string conversationId, string rootId, string userId, string? afterId, CancellationToken ct)
    {
        ObjectId after = default;
        if (!StorageIds.TryParse(rootId, out var root) || (afterId is not null && !StorageIds.TryParse(afterId, out after)))
        {
            return 0;
        }
        var filter = new BsonDocument { { "conversationId", conversationId }, { "threadId", root } };
        if (afterId is not null)
        {
            filter.Add("_id", new BsonDocument("$gt", after));
        }
        filter.Add("sender", new BsonDocument("$ne", StorageIds.TryParse(userId, out var user) ? user : (BsonValue)userId));
        filter.Add("deleted", new BsonDocument("$ne", true));
        return await db.Messages.CountDocumentsAsync(filter, cancellationToken: ct).ConfigureAwait(false);
    }
}
