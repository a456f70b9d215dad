using MongoDB.Bson;
using MongoDB.Driver;
using ServerlessChat.Core.Domain;
using ServerlessChat.Core.Realtime;
using ServerlessChat.Core.Search;

namespace ServerlessChat.Core.Storage.Mongo;

internal sealed class MongoMessageStore(MongoChatDatabase db, MongoChangeLog changes) : IMessageStore
{
    private static readonly FindOneAndUpdateOptions<BsonDocument> ReturnAfter = new() { ReturnDocument = ReturnDocument.After };

    public async Task<(MessageRecord Message, bool Created, ChangeRecord? Change)> InsertAsync(MessageRecord message, CancellationToken ct)
    {
        var id = StorageIds.RequireObjectId(message.Id, nameof(message));
        var sender = StorageIds.RequireObjectId(message.SenderId, nameof(message));
        // Cosmos DB indexes a missing field as null, so without a key of its own every message lacking a client id
        // would collide in the unique index; the message's own id never collides.
        var dedupeKey = message.ClientMessageId ?? id.ToString();
        var document = new BsonDocument
        {
            { "_id", id },
            { "conversationId", message.ConversationId },
            { "sender", sender },
            { "receiver", MongoBson.Oid(message.ReceiverId) },
            { "groupId", MongoBson.Oid(message.GroupId) },
            { "content", message.Content },
            { "timestamp", MongoBson.Time(message.CreatedAt) },
            { "editedAt", MongoBson.Time(message.EditedAt) },
            { "deleted", message.Deleted },
            { "isRead", false },
            { "clientMessageId", MongoBson.Text(message.ClientMessageId) },
            { "dedupeKey", dedupeKey },
            { "replyTo", MongoBson.Oid(message.ReplyToId) },
            { "mentions", MongoBson.Oids(message.Mentions) },
            // The normalized words, for search: a multikey index serves prefix ranges per conversation.
            { "searchWords", new BsonArray(message.Deleted ? [] : SearchText.IndexWords(message.Content)) },
        };
        try
        {
            await db.Messages.InsertOneAsync(document, cancellationToken: ct).ConfigureAwait(false);
        }
        catch (MongoWriteException ex) when (MongoBson.IsDuplicateKey(ex))
        {
            var filter = new BsonDocument { { "conversationId", message.ConversationId }, { "sender", sender }, { "dedupeKey", dedupeKey } };
            var existing = await db.Messages.Find(filter).FirstOrDefaultAsync(ct).ConfigureAwait(false);
            if (existing is null)
            {
                throw;
            }
            // Completes a first attempt that stopped before its conversation was touched.
            var repeated = Map(existing);
            await MongoConversationStore.TouchAsync(db, ConversationRecord.LatestOf(repeated), ct, repeated.SenderId).ConfigureAwait(false);
            return (repeated, false, null);
        }
        var change = await changes.AppendAsync(message.ConversationId, ChatHub.NewMessage, id.ToString(), ct).ConfigureAwait(false);
        var stored = Map(document);
        await MongoConversationStore.TouchAsync(db, ConversationRecord.LatestOf(stored), ct, stored.SenderId).ConfigureAwait(false);
        return (stored, true, change);
    }

    public async Task<IReadOnlyList<MessageRecord>> FindByIdsAsync(string conversationId, IReadOnlyCollection<string> ids, CancellationToken ct)
    {
        var objectIds = new BsonArray();
        foreach (var id in ids)
        {
            if (StorageIds.TryParse(id, out var objectId))
            {
                objectIds.Add(objectId);
            }
        }
        if (objectIds.Count == 0)
        {
            return [];
        }
        var filter = new BsonDocument { { "conversationId", conversationId }, { "_id", new BsonDocument("$in", objectIds) } };
        var documents = await db.Messages.Find(filter).ToListAsync(ct).ConfigureAwait(false);
        return documents.ConvertAll(Map);
    }

    private async Task<Changed<MessageRecord>?> RecordAsync(BsonDocument? document, string changeType, CancellationToken ct)
    {
        if (document is null)
        {
            return null;
        }
        var message = Map(document);
        return new(message, await changes.AppendAsync(message.ConversationId, changeType, message.Id, ct).ConfigureAwait(false));
    }

    public async Task<MessageRecord?> FindByIdAsync(string id, CancellationToken ct)
    {
        if (!StorageIds.TryParse(id, out var objectId))
        {
            return null;
        }
        var document = await db.Messages.Find(new BsonDocument("_id", objectId)).FirstOrDefaultAsync(ct).ConfigureAwait(false);
        return document is null ? null : Map(document);
    }

    public async Task<IReadOnlyList<MessageRecord>> GetPageAsync(string conversationId, string? beforeId, int limit, CancellationToken ct)
    {
        ObjectId before = default;
        if (limit <= 0 || (beforeId is not null && !StorageIds.TryParse(beforeId, out before)))
        {
            return [];
        }
        var (filter, sort) = PageQuery(conversationId, beforeId is null ? null : before);
        var documents = await db.Messages.Find(filter).Sort(sort).Limit(limit).ToListAsync(ct).ConfigureAwait(false);
        return documents.ConvertAll(Map);
    }

    /// <summary>The history query: one partition (the shard key), a range on {conversationId, _id} read backwards.</summary>
    internal static (BsonDocument Filter, BsonDocument Sort) PageQuery(string conversationId, ObjectId? before)
    {
        var filter = new BsonDocument("conversationId", conversationId);
        if (before is { } cursor)
        {
            filter.Add("_id", new BsonDocument("$lt", cursor));
        }
        return (filter, new BsonDocument("_id", -1));
    }

    public async Task<Changed<MessageRecord>?> UpdateContentAsync(string id, string content, DateTimeOffset editedAt, CancellationToken ct)
    {
        if (!StorageIds.TryParse(id, out var objectId))
        {
            return null;
        }
        // Content and words in one document update, so search never sees the old words with the new text.
        var update = new BsonDocument("$set", new BsonDocument
        {
            { "content", content }, { "editedAt", MongoBson.Time(editedAt) }, { "searchWords", new BsonArray(SearchText.IndexWords(content)) },
        });
        var filter = new BsonDocument { { "_id", objectId }, { "deleted", new BsonDocument("$ne", true) } };
        var document = await db.Messages.FindOneAndUpdateAsync(filter, update, ReturnAfter, ct).ConfigureAwait(false);
        return await RecordAsync(document, ChatHub.MessageUpdated, ct).ConfigureAwait(false);
    }

    public async Task<Changed<MessageRecord>?> MarkDeletedAsync(string id, DateTimeOffset at, CancellationToken ct)
    {
        if (!StorageIds.TryParse(id, out var objectId))
        {
            return null;
        }
        var update = new BsonDocument
        {
            { "$set", new BsonDocument { { "deleted", true }, { "content", "" }, { "editedAt", MongoBson.Time(at) }, { "searchWords", new BsonArray() } } },
            { "$unset", new BsonDocument("reactionEmoji", "") },
        };
        var document = await db.Messages.FindOneAndUpdateAsync(new BsonDocument("_id", objectId), update, ReturnAfter, ct).ConfigureAwait(false);
        if (document is null)
        {
            return null;
        }
        // After the flag: a reaction added in between sees the message deleted and removes itself (MongoReactionStore).
        await db.Reactions.DeleteManyAsync(new BsonDocument { { "conversationId", document["conversationId"] }, { "messageId", objectId } }, ct).ConfigureAwait(false);
        return await RecordAsync(document, ChatHub.MessageDeleted, ct).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<MessageRecord>> FindByIdsAsync(IReadOnlyCollection<string> ids, CancellationToken ct)
    {
        var objectIds = ids.Select(id => StorageIds.TryParse(id, out var o) ? (BsonValue)o : null).OfType<BsonValue>().Distinct().ToList();
        if (objectIds.Count == 0)
        {
            return [];
        }
        var documents = await db.Messages.Find(new BsonDocument("_id", new BsonDocument("$in", new BsonArray(objectIds)))).ToListAsync(ct).ConfigureAwait(false);
        return documents.ConvertAll(Map);
    }

    /// <summary>Served by {conversationId, mentions, _id}: one user's mentions in one conversation, a range on _id.</summary>
    public async Task<long> CountUnreadMentionsAsync(string conversationId, string userId, string? afterId, CancellationToken ct)
    {
        ObjectId after = default;
        if ((afterId is not null && !StorageIds.TryParse(afterId, out after)) || !StorageIds.TryParse(userId, out var user))
        {
            return 0;
        }
        var filter = new BsonDocument { { "conversationId", conversationId }, { "mentions", user } };
        if (afterId is not null)
        {
            filter.Add("_id", new BsonDocument("$gt", after));
        }
        filter.Add("deleted", new BsonDocument("$ne", true));
        return await db.Messages.CountDocumentsAsync(filter, cancellationToken: ct).ConfigureAwait(false);
    }

    public async Task<long> CountUnreadAsync(string conversationId, string userId, string? afterId, CancellationToken ct)
    {
        ObjectId after = default;
        if (afterId is not null && !StorageIds.TryParse(afterId, out after))
        {
            return 0;
        }
        var filter = new BsonDocument("conversationId", conversationId);
        if (afterId is not null)
        {
            filter.Add("_id", new BsonDocument("$gt", after));
        }
        filter.Add("sender", new BsonDocument("$ne", StorageIds.TryParse(userId, out var user) ? user : (BsonValue)userId));
        filter.Add("deleted", new BsonDocument("$ne", true));
        return await db.Messages.CountDocumentsAsync(filter, cancellationToken: ct).ConfigureAwait(false);
    }

    internal static MessageRecord Map(BsonDocument d) => new(
        d.GetId("_id"),
        d["conversationId"].AsString,
        d.GetId("sender"),
        d.GetIdOrNull("receiver"),
        d.GetIdOrNull("groupId"),
        d["content"].AsString,
        d.GetTime("timestamp"),
        d.GetTimeOrNull("editedAt"),
        d.TryGetValue("deleted", out var deleted) && deleted.IsBoolean && deleted.AsBoolean,
        d.GetStringOrNull("clientMessageId"),
        d.GetIdOrNull("replyTo"),
        d.GetIds("mentions"));
}
