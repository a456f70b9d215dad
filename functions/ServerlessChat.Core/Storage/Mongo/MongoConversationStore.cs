using MongoDB.Bson;
using MongoDB.Driver;
using ServerlessChat.Core.Domain;
using ServerlessChat.Core.Realtime;

namespace ServerlessChat.Core.Storage.Mongo;

internal sealed class MongoConversationStore(MongoChatDatabase db, MongoChangeLog changes) : IConversationStore
{
    private static readonly FindOneAndUpdateOptions<BsonDocument> UpsertReturnBefore =
        new() { IsUpsert = true, ReturnDocument = ReturnDocument.Before };

    public Task TouchAsync(ConversationRecord conversation, CancellationToken ct) => TouchAsync(db, conversation, ct);

    /// <summary>
    /// The write of <see cref="TouchAsync"/>; the message store runs it after each insert, with the message's sender
    /// as <paramref name="speaker"/>, kept in the conversation's <c>speakers</c> (who took part) in the same update.
    /// </summary>
    internal static async Task TouchAsync(MongoChatDatabase db, ConversationRecord conversation, CancellationToken ct, string? speaker = null)
    {
        var participants = StorageGuards.Participants(conversation);
        var lastMessageId = StorageIds.RequireObjectId(conversation.LastMessageId, nameof(conversation));
        var groupId = MongoBson.Oid(conversation.GroupId);

        // Matches only when the stored message is older; otherwise the upsert tries to insert a second document
        // with the same _id, which the duplicate key refuses: exactly "never backwards", without an update
        // pipeline (which Cosmos DB does not run).
        var filter = new BsonDocument
        {
            { "_id", conversation.ConversationId },
            { "lastMessageId", new BsonDocument("$lt", lastMessageId) },
        };
        var update = new BsonDocument
        {
            { "$set", new BsonDocument { { "lastMessageId", lastMessageId }, { "updatedAt", MongoBson.Time(conversation.UpdatedAt) } } },
            { "$setOnInsert", new BsonDocument { { "participants", MongoBson.Oids(participants) }, { "groupId", groupId } } },
        };
        var speakerId = speaker is null ? null : (BsonValue)StorageIds.RequireObjectId(speaker, nameof(speaker));
        if (speakerId is not null)
        {
            update.Add("$addToSet", new BsonDocument("speakers", speakerId));
        }
        try
        {
            await db.Conversations.UpdateOneAsync(filter, update, new UpdateOptions { IsUpsert = true }, ct).ConfigureAwait(false);
        }
        catch (MongoWriteException ex) when (MongoBson.IsDuplicateKey(ex))
        {
            // The conversation already has this message or a newer one; the sender still took part.
            if (speakerId is not null)
            {
                await db.Conversations.UpdateOneAsync(
                    new BsonDocument("_id", conversation.ConversationId), new BsonDocument("$addToSet", new BsonDocument("speakers", speakerId)), cancellationToken: ct).ConfigureAwait(false);
            }
        }
    }

    public async Task<IReadOnlyList<ConversationSpeaker>> FindSpeakersAsync(IReadOnlyCollection<string> conversationIds, IReadOnlyCollection<string> userIds, CancellationToken ct)
    {
        var users = StorageIds.NormalizeAll(userIds).ToHashSet(StringComparer.Ordinal);
        if (conversationIds.Count == 0 || users.Count == 0)
        {
            return [];
        }
        // At most one document per conversation, by _id.
        var documents = await db.Conversations
            .Find(new BsonDocument("_id", new BsonDocument("$in", new BsonArray(conversationIds.Distinct(StringComparer.Ordinal)))))
            .Project(new BsonDocument("speakers", 1))
            .ToListAsync(ct).ConfigureAwait(false);
        var found = new List<ConversationSpeaker>();
        foreach (var document in documents)
        {
            if (document.TryGetValue("speakers", out var speakers) && speakers.IsBsonArray)
            {
                found.AddRange(speakers.AsBsonArray.Select(s => s.AsObjectId.ToString()).Where(users.Contains)
                    .Select(u => new ConversationSpeaker(document["_id"].AsString, u)));
            }
        }
        return found;
    }

    public async Task<ConversationRecord?> FindAsync(string conversationId, CancellationToken ct)
    {
        var document = await db.Conversations.Find(new BsonDocument("_id", conversationId)).FirstOrDefaultAsync(ct).ConfigureAwait(false);
        return document is null ? null : Map(document);
    }

    public async Task<IReadOnlyList<ConversationRecord>> ListAsync(string userId, IReadOnlyCollection<string> groupIds, int limit, CancellationToken ct)
    {
        if (limit <= 0)
        {
            return [];
        }
        // Each branch of the $or is served by its own index ({participants, updatedAt} and {groupId}).
        var branches = new BsonArray();
        if (StorageIds.TryParse(userId, out var user))
        {
            branches.Add(new BsonDocument("participants", user));
        }
        var groups = StorageIds.NormalizeAll(groupIds);
        if (groups.Count > 0)
        {
            branches.Add(new BsonDocument("groupId", new BsonDocument("$in", MongoBson.Oids(groups))));
        }
        if (branches.Count == 0)
        {
            return [];
        }
        var filter = branches.Count == 1 ? branches[0].AsBsonDocument : new BsonDocument("$or", branches);
        var documents = await db.Conversations.Find(filter)
            .Sort(new BsonDocument { { "updatedAt", -1 }, { "lastMessageId", -1 } })
            .Limit(limit)
            .ToListAsync(ct).ConfigureAwait(false);
        return documents.ConvertAll(Map);
    }

    public async Task<(string UpTo, ChangeRecord? Change)> AdvanceReadMarkerAsync(string conversationId, string userId, string upTo, CancellationToken ct)
    {
        var user = StorageIds.RequireObjectId(userId);
        var marker = StorageIds.RequireObjectId(upTo);
        var update = new BsonDocument
        {
            { "$max", new BsonDocument("upTo", marker) },
            { "$setOnInsert", new BsonDocument { { "conversationId", conversationId }, { "userId", user } } },
        };
        var before = await MongoBson.RetryOnDuplicateKeyAsync(() => db.ReadMarkers.FindOneAndUpdateAsync(
            new BsonDocument("_id", $"{conversationId}|{user}"), update, UpsertReturnBefore, ct)).ConfigureAwait(false);

        ObjectId? previous = before is not null && before.TryGetValue("upTo", out var stored) && stored.IsObjectId ? stored.AsObjectId : null;
        var now = previous is { } p && p > marker ? p : marker;

        var moved = previous is null || now > previous.Value;
        if (!ConversationIds.IsGroup(conversationId) && moved)
        {
            // isRead of the original design: only the newly covered range, so each advance touches each message once.
            var range = new BsonDocument("$lte", now);
            if (previous is { } from)
            {
                range.Add("$gt", from);
            }
            var filter = new BsonDocument
            {
                { "conversationId", conversationId },
                { "_id", range },
                { "receiver", user },
                { "isRead", false },
            };
            await db.Messages.UpdateManyAsync(filter, new BsonDocument("$set", new BsonDocument("isRead", true)), cancellationToken: ct).ConfigureAwait(false);
        }
        var change = moved ? await changes.AppendAsync(conversationId, ChatHub.MessagesRead, user.ToString(), ct).ConfigureAwait(false) : null;
        return (now.ToString(), change);
    }

    public async Task<IReadOnlyDictionary<string, string>> GetReadMarkersAsync(string conversationId, CancellationToken ct)
    {
        var documents = await db.ReadMarkers.Find(new BsonDocument("conversationId", conversationId)).ToListAsync(ct).ConfigureAwait(false);
        var markers = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var document in documents)
        {
            markers[document.GetId("userId")] = document.GetId("upTo");
        }
        return markers;
    }

    private static ConversationRecord Map(BsonDocument d) => new(
        d["_id"].AsString,
        d.GetIds("participants"),
        d.GetIdOrNull("groupId"),
        d.GetId("lastMessageId"),
        d.GetTime("updatedAt"));
}
