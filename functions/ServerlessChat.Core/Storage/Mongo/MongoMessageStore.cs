using MongoDB.Bson;
using MongoDB.Driver;
using ServerlessChat.Core.Domain;
using ServerlessChat.Core.Realtime;
using ServerlessChat.Core.Search;

namespace ServerlessChat.Core.Storage.Mongo;

/// <summary>
/// Messages, one document each in <c>messages</c> (shard key conversationId). Every write that the change log
/// records goes through <see cref="MongoChangeLog.RecordAsync"/>, its requests each through the throttling policy
/// (so that a retry repeats one request, not the whole record-write-commit).
/// </summary>
internal sealed class MongoMessageStore(MongoChatDatabase db, MongoChangeLog changes, MongoThrottlingPolicy policy) : IMessageStore
{
    private static readonly FindOneAndUpdateOptions<BsonDocument> ReturnAfter = new() { ReturnDocument = ReturnDocument.After };

    public async Task<(MessageRecord Message, bool Created, ChangeRecord? Change)> InsertAsync(MessageRecord message, CancellationToken ct)
    {
        var id = StorageIds.RequireObjectId(message.Id, nameof(message));
        var sender = StorageIds.RequireObjectId(message.SenderId, nameof(message));
        // Cosmos DB indexes a missing field as null, so without a key of its own every message lacking a client id
        // would collide in the unique index; the message's own id never collides.
        var dedupeKey = message.ClientMessageId ?? id.ToString();
        var threadId = message.ThreadId is null ? (ObjectId?)null : StorageIds.RequireObjectId(message.ThreadId, nameof(message));
        var inConversation = threadId is null || message.InConversation;
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
            { "threadId", threadId is { } root ? root : BsonNull.Value },
            // Only on a reply kept in its thread, so that the history's filter ($ne) needs no migration of older messages.
            { "threadOnly", !inConversation, !inConversation },
            // The normalized words, for search: a multikey index serves prefix ranges per conversation. A system
            // message's text is a fallback for clients that do not render notices: search leaves it out.
            { "searchWords", new BsonArray(message.Deleted || message.System is not null ? [] : SearchText.IndexWords(message.Content)) },
            // Only on system messages, so that the unread count's filter needs no migration of older messages.
            { "system", SystemDocument(message.System), message.System is not null },
        };
        var ((stored, created), change) = await changes.RecordAsync(message.ConversationId, ChatHub.NewMessage, id.ToString(), async () =>
        {
            if (await policy.ExecuteAsync(() => MongoBson.InsertIfMissingAsync(db.Messages, document, ct), ct).ConfigureAwait(false))
            {
                if (threadId is { } root)
                {
                    var rootSender = await policy.ExecuteAsync(() => AddReplyAsync(message.ConversationId, root, sender, message.CreatedAt, ct), ct).ConfigureAwait(false);
                    foreach (var member in message.Mentions.Prepend(message.SenderId).Append(rootSender).OfType<string>().Distinct(StringComparer.Ordinal))
                    {
                        await policy.ExecuteAsync(() => MongoThreadStore.JoinAsync(db, member, root.ToString(), message.ConversationId, ct), ct).ConfigureAwait(false);
                    }
                }
                return ((Message: Map(document), Created: true), true);
            }
            // The same sender's clientMessageId is taken (or this very message was stored by an attempt that
            // reported an error): that message is the answer, and this entry records nothing.
            var filter = new BsonDocument { { "conversationId", message.ConversationId }, { "sender", sender }, { "dedupeKey", dedupeKey } };
            var existing = await policy.ExecuteAsync(() => db.Messages.Find(filter).FirstOrDefaultAsync(ct), ct).ConfigureAwait(false)
                ?? throw new InvalidOperationException("A message insert was refused as a duplicate, but no message has its keys.");
            return ((Message: Map(existing), Created: false), false);
        }, ct,
        // Either way the conversation's latest is touched: a repeat completes a first attempt that stopped before it.
        alongside: r => policy.ExecuteAsync(async () =>
        {
            // A reply kept in its thread is never the conversation's latest.
            if (r.Message.InConversation)
            {
                // A group change or a call is no taking part in the conversation (which makes a user reachable).
                await MongoConversationStore.TouchAsync(db, ConversationRecord.LatestOf(r.Message), ct, r.Message.System is null ? r.Message.SenderId : null).ConfigureAwait(false);
            }
            return true;
        }, ct)).ConfigureAwait(false);
        // A repeat answers with the change that stored the message, committing it if the attempt that wrote the
        // message stopped before it did (the write is there, so the entry is true).
        return created ? (stored, true, change) : (stored, false, await changes.FindCreationAsync(stored, ct).ConfigureAwait(false));
    }

    /// <summary>
    /// Adds a reply to its root in one pipeline update of the root (atomic on the one document, so racing replies
    /// all count): one more, the latest time, the sender appended once. Only $set, clear of DocumentDB's
    /// duplicated arrays (see MongoConversationStore). Returns the root's sender, null when there is no such root.
    /// </summary>
    private async Task<string?> AddReplyAsync(string conversationId, ObjectId root, ObjectId sender, DateTimeOffset at, CancellationToken ct)
    {
        var participants = new BsonDocument("$ifNull", new BsonArray { "$threadParticipants", new BsonArray() });
        var stage = new BsonDocument("$set", new BsonDocument
        {
            { "threadReplies", new BsonDocument("$add", new BsonArray { new BsonDocument("$ifNull", new BsonArray { "$threadReplies", 0L }), 1L }) },
            { "threadLastReplyAt", new BsonDocument("$max", new BsonArray { "$threadLastReplyAt", MongoBson.Time(at) }) },
            { "threadParticipants", new BsonDocument("$cond", new BsonArray
                {
                    new BsonDocument("$in", new BsonArray { sender, participants }),
                    participants,
                    new BsonDocument("$concatArrays", new BsonArray { participants, new BsonArray { sender } }),
                }) },
        });
        var update = new PipelineUpdateDefinition<BsonDocument>(PipelineDefinition<BsonDocument, BsonDocument>.Create(stage));
        var filter = new BsonDocument { { "conversationId", conversationId }, { "_id", root }, { "threadId", BsonNull.Value } };
        var options = new FindOneAndUpdateOptions<BsonDocument> { Projection = new BsonDocument("sender", 1) };
        var before = await db.Messages.FindOneAndUpdateAsync(filter, update, options, ct).ConfigureAwait(false);
        return before?.GetIdOrNull("sender");
    }

    public async Task<IReadOnlyList<MessageRecord>> GetThreadPageAsync(string conversationId, string rootId, string? afterId, int limit, CancellationToken ct)
    {
        ObjectId after = default;
        if (limit <= 0 || !StorageIds.TryParse(rootId, out var root) || (afterId is not null && !StorageIds.TryParse(afterId, out after)))
        {
            return [];
        }
        var filter = new BsonDocument { { "conversationId", conversationId }, { "threadId", root } };
        if (afterId is not null)
        {
            filter.Add("_id", new BsonDocument("$gt", after));
        }
        var documents = await db.Messages.Find(filter).Sort(new BsonDocument("_id", 1)).Limit(limit).ToListAsync(ct).ConfigureAwait(false);
        return documents.ConvertAll(Map);
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

    /// <summary>
    /// Finds the message (for its conversation, the change log's partition), then runs <paramref name="write"/>
    /// (an update returning the message after it, null when it matched nothing) as a change of <paramref name="changeType"/>.
    /// </summary>
    private async Task<Changed<MessageRecord>?> RecordAsync(ObjectId id, string changeType, Func<Task<BsonDocument?>> write, CancellationToken ct)
    {
        var found = await policy.ExecuteAsync(() => db.Messages.Find(new BsonDocument("_id", id)).Project(new BsonDocument("conversationId", 1)).FirstOrDefaultAsync(ct), ct)
            .ConfigureAwait(false);
        if (found is null)
        {
            return null;
        }
        var (document, change) = await changes.RecordAsync(found["conversationId"].AsString, changeType, id.ToString(), async () =>
        {
            var written = await policy.ExecuteAsync(write, ct).ConfigureAwait(false);
            return (written, written is not null);
        }, ct).ConfigureAwait(false);
        return document is null ? null : new(Map(document), change!);
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
        filter.Add("threadOnly", new BsonDocument("$ne", true));
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

    public async Task<Changed<MessageRecord>?> UpdateContentAsync(string id, string content, IReadOnlyList<string> mentions, DateTimeOffset editedAt, CancellationToken ct)
    {
        if (!StorageIds.TryParse(id, out var objectId))
        {
            return null;
        }
        // One pipeline update of the one document: the text it had joins its history (with when that text was
        // written, the newest last, the oldest dropped beyond the kept number), and the text, its words and its
        // mentions are replaced, so neither search nor the mention counts ever see a mix of two versions. A
        // pipeline holds only $set, which also stays clear of DocumentDB's duplicated arrays (MongoConversationStore).
        var kept = new BsonDocument { { "content", "$content" }, { "at", new BsonDocument("$ifNull", new BsonArray { "$editedAt", "$timestamp" }) } };
        var history = new BsonDocument("$concatArrays", new BsonArray { new BsonDocument("$ifNull", new BsonArray { "$edits", new BsonArray() }), new BsonArray { kept } });
        var stage = new BsonDocument("$set", new BsonDocument
        {
            { "edits", new BsonDocument("$slice", new BsonArray { history, -MessageEditRecord.MaxKept }) },
            { "content", new BsonDocument("$literal", content) },
            { "editedAt", MongoBson.Time(editedAt) },
            { "searchWords", new BsonDocument("$literal", new BsonArray(SearchText.IndexWords(content))) },
            { "mentions", new BsonDocument("$literal", MongoBson.Oids(mentions)) },
        });
        var update = new PipelineUpdateDefinition<BsonDocument>(PipelineDefinition<BsonDocument, BsonDocument>.Create(stage));
        var filter = new BsonDocument { { "_id", objectId }, { "deleted", new BsonDocument("$ne", true) } };
        return await RecordAsync(objectId, ChatHub.MessageUpdated, async () =>
            await db.Messages.FindOneAndUpdateAsync(filter, update, ReturnAfter, ct).ConfigureAwait(false), ct).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<MessageEditRecord>> ListEditsAsync(string id, CancellationToken ct)
    {
        if (!StorageIds.TryParse(id, out var objectId))
        {
            return [];
        }
        var document = await db.Messages.Find(new BsonDocument { { "_id", objectId }, { "deleted", new BsonDocument("$ne", true) } })
            .Project(new BsonDocument("edits", 1)).FirstOrDefaultAsync(ct).ConfigureAwait(false);
        return document is not null && document.TryGetValue("edits", out var edits) && edits.IsBsonArray
            ? edits.AsBsonArray.Select(e => e.AsBsonDocument).Select(e => new MessageEditRecord(e["content"].AsString, e.GetTime("at"))).ToList()
            : [];
    }

    public async Task<Changed<MessageRecord>?> MarkDeletedAsync(string id, DateTimeOffset at, CancellationToken ct, string? deletedBy = null)
    {
        if (!StorageIds.TryParse(id, out var objectId))
        {
            return null;
        }
        var set = new BsonDocument { { "deleted", true }, { "content", "" }, { "editedAt", MongoBson.Time(at) }, { "searchWords", new BsonArray() } };
        if (deletedBy is not null)
        {
            set["deletedBy"] = deletedBy;
        }

        var update = new BsonDocument
        {
            { "$set", set },
            { "$unset", new BsonDocument { { "reactionEmoji", "" }, { "edits", "" } } },
        };
        return await RecordAsync(objectId, ChatHub.MessageDeleted, async () =>
        {
            var document = await db.Messages.FindOneAndUpdateAsync(new BsonDocument("_id", objectId), update, ReturnAfter, ct).ConfigureAwait(false);
            if (document is not null)
            {
                // After the flag: a reaction or pin added in between sees the message deleted and removes itself
                // (MongoReactionStore, MongoPinStore).
                await db.Reactions.DeleteManyAsync(new BsonDocument { { "conversationId", document["conversationId"] }, { "messageId", objectId } }, ct).ConfigureAwait(false);
                await MongoPinStore.PullAsync(db, document["conversationId"].AsString, objectId, ct).ConfigureAwait(false);
            }
            return document;
        }, ct).ConfigureAwait(false);
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
        filter.Add("threadOnly", new BsonDocument("$ne", true));
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
        filter.Add("threadOnly", new BsonDocument("$ne", true));
        filter.Add("system", new BsonDocument("$exists", false));
        return await db.Messages.CountDocumentsAsync(filter, cancellationToken: ct).ConfigureAwait(false);
    }

    private static BsonValue SystemDocument(SystemNotice? notice) =>
        notice is null
            ? BsonNull.Value
            : new BsonDocument
            {
                { "type", notice.Type },
                { "actorId", MongoBson.Text(notice.ActorId) },
                { "userIds", notice.UserIds is null ? BsonNull.Value : new BsonArray(notice.UserIds) },
                { "name", MongoBson.Text(notice.Name) },
                { "callId", MongoBson.Text(notice.CallId) },
                { "outcome", MongoBson.Text(notice.Outcome) },
                { "durationSeconds", notice.DurationSeconds is { } seconds ? seconds : BsonNull.Value },
            };

    private static SystemNotice? MapSystem(BsonDocument d) =>
        d.TryGetValue("system", out var value) && value is BsonDocument s
            ? new SystemNotice(
                s["type"].AsString,
                s.GetStringOrNull("actorId"),
                s.TryGetValue("userIds", out var ids) && ids is BsonArray list ? list.Select(i => i.AsString).ToList() : null,
                s.GetStringOrNull("name"),
                s.GetStringOrNull("callId"),
                s.GetStringOrNull("outcome"),
                s.TryGetValue("durationSeconds", out var seconds) && seconds.IsNumeric ? seconds.ToInt32() : null)
            : null;

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
        d.GetIds("mentions"))
    {
        DeletedBy = d.GetStringOrNull("deletedBy"),
        ThreadId = d.GetIdOrNull("threadId"),
        InConversation = !(d.TryGetValue("threadOnly", out var threadOnly) && threadOnly.IsBoolean && threadOnly.AsBoolean),
        Thread = d.TryGetValue("threadReplies", out var replies) && replies.IsNumeric && replies.ToInt64() > 0
            ? new ThreadSummary(replies.ToInt64(), d.GetTime("threadLastReplyAt"), d.GetIds("threadParticipants"))
            : null,
        Links = d.TryGetValue("links", out var links) && links.IsBsonArray ? links.AsBsonArray.Select(l => MongoLinkPreviewStore.Map(l.AsBsonDocument)).ToList() : [],
        System = MapSystem(d),
    };
}
