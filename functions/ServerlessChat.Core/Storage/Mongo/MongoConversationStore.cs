using System.Collections.Concurrent;
using MongoDB.Bson;
using MongoDB.Driver;
using ServerlessChat.Core.Domain;
using ServerlessChat.Core.Realtime;

namespace ServerlessChat.Core.Storage.Mongo;

internal sealed class MongoConversationStore(MongoChatDatabase db, MongoChangeLog changes, MongoThrottlingPolicy policy) : IConversationStore
{
    private static readonly FindOneAndUpdateOptions<BsonDocument> ReturnBefore = new() { ReturnDocument = ReturnDocument.Before };

    public Task TouchAsync(ConversationRecord conversation, CancellationToken ct) => TouchAsync(db, conversation, ct);

    /// <summary>
    /// The write of <see cref="TouchAsync"/>; the message store runs it after each insert, with the message's sender
    /// as <paramref name="speaker"/>, kept in the conversation's <c>speakers</c> (who took part).
    /// </summary>
    internal static async Task TouchAsync(MongoChatDatabase db, ConversationRecord conversation, CancellationToken ct, string? speaker = null)
    {
        var participants = StorageGuards.Participants(conversation);
        var lastMessageId = StorageIds.RequireObjectId(conversation.LastMessageId, nameof(conversation));
        var groupId = MongoBson.Oid(conversation.GroupId);

        // An update that matches only when the stored message is older: "never backwards" in one atomic step. A
        // conversation's first touch is an insert instead of an upsert (concurrent upserts of one missing document
        // can lose all but one on Cosmos DB vCore / DocumentDB); when another touch inserted it first, the update
        // runs again and moves it forward if this message is newer.
        var filter = new BsonDocument
        {
            { "_id", conversation.ConversationId },
            { "lastMessageId", new BsonDocument("$lt", lastMessageId) },
        };
        var update = new BsonDocument("$set", new BsonDocument { { "lastMessageId", lastMessageId }, { "updatedAt", MongoBson.Time(conversation.UpdatedAt) } });
        var speakerId = speaker is null ? null : (BsonValue)StorageIds.RequireObjectId(speaker, nameof(speaker));
        var moved = await db.Conversations.UpdateOneAsync(filter, update, cancellationToken: ct).ConfigureAwait(false);
        if (moved.MatchedCount == 0)
        {
            var document = new BsonDocument
            {
                { "_id", conversation.ConversationId },
                { "lastMessageId", lastMessageId },
                { "updatedAt", MongoBson.Time(conversation.UpdatedAt) },
                { "participants", MongoBson.Oids(participants) },
                { "groupId", groupId },
                { "speakers", speakerId is null ? new BsonArray() : new BsonArray { speakerId } },
            };
            if (await MongoBson.InsertIfMissingAsync(db.Conversations, document, ct).ConfigureAwait(false))
            {
                RememberSpeaker(conversation.ConversationId, speaker);
                return;
            }
            await db.Conversations.UpdateOneAsync(filter, update, cancellationToken: ct).ConfigureAwait(false);
        }

        // Who took part, in an update of its own: DocumentDB (the engine of Cosmos DB vCore) duplicates an array
        // field that one update both $sets other fields of and $addToSets into, doubling the document each time.
        // A speaker this process has recorded already costs nothing.
        if (speakerId is not null && !KnownSpeakers.ContainsKey((conversation.ConversationId, speaker!)))
        {
            await db.Conversations.UpdateOneAsync(
                new BsonDocument("_id", conversation.ConversationId), new BsonDocument("$addToSet", new BsonDocument("speakers", speakerId)), cancellationToken: ct).ConfigureAwait(false);
            RememberSpeaker(conversation.ConversationId, speaker);
        }
    }

    // (conversation, user) pairs this process has stored in speakers; bounded, emptied when full.
    private const int MaxKnownSpeakers = 65_536;
    private static readonly ConcurrentDictionary<(string ConversationId, string UserId), byte> KnownSpeakers = new();

    private static void RememberSpeaker(string conversationId, string? speaker)
    {
        if (speaker is null)
        {
            return;
        }
        if (KnownSpeakers.Count >= MaxKnownSpeakers)
        {
            KnownSpeakers.Clear();
        }
        KnownSpeakers[(conversationId, speaker)] = 0;
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

    public async Task<IReadOnlyList<string>> ListSpokenInAsync(string userId, CancellationToken ct)
    {
        if (!StorageIds.TryParse(userId, out var user))
        {
            return [];
        }
        // The {speakers} multikey index; only the ids come back.
        var documents = await db.Conversations.Find(new BsonDocument("speakers", user))
            .Project(new BsonDocument("_id", 1))
            .ToListAsync(ct).ConfigureAwait(false);
        return documents.Select(d => d["_id"].AsString).Order(StringComparer.Ordinal).ToList();
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
        var id = $"{conversationId}|{user}";

        // A marker already there is the common repeat: answered by one read, without taking a change number.
        var stored = await policy.ExecuteAsync(() => db.ReadMarkers.Find(new BsonDocument("_id", id)).FirstOrDefaultAsync(ct), ct).ConfigureAwait(false);
        if (UpTo(stored) is { } already && already >= marker)
        {
            return (already.ToString(), null);
        }

        var (now, change) = await changes.RecordAsync(conversationId, ChatHub.MessagesRead, user.ToString(), async () =>
        {
            // $max on an existing document (never an upsert, see MongoBson.UpdateCreatingAsync); a new marker is an insert.
            var created = new BsonDocument { { "_id", id }, { "conversationId", conversationId }, { "userId", user }, { "upTo", marker } };
            var previous = stored is not null || !await policy.ExecuteAsync(() => MongoBson.InsertIfMissingAsync(db.ReadMarkers, created, ct), ct).ConfigureAwait(false)
                ? UpTo(await policy.ExecuteAsync(() => db.ReadMarkers.FindOneAndUpdateAsync(
                    new BsonDocument("_id", id), new BsonDocument("$max", new BsonDocument("upTo", marker)), ReturnBefore, ct), ct).ConfigureAwait(false))
                : null;
            var after = previous is { } p && p > marker ? p : marker;
            var moved = previous is null || after > previous.Value;
            if (!ConversationIds.IsGroup(conversationId) && moved)
            {
                // isRead of the original design: only the newly covered range, so each advance touches each message once.
                var range = new BsonDocument("$lte", after);
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
                await policy.ExecuteAsync(() => db.Messages.UpdateManyAsync(filter, new BsonDocument("$set", new BsonDocument("isRead", true)), cancellationToken: ct), ct)
                    .ConfigureAwait(false);
            }
            return (after, moved);
        }, ct).ConfigureAwait(false);
        if (change is not null)
        {
            // When it moved, for "seen by": the change's own time; $max, so a slower earlier advance never winds it back.
            await policy.ExecuteAsync(() => db.ReadMarkers.UpdateOneAsync(new BsonDocument("_id", id),
                new BsonDocument("$max", new BsonDocument("readAt", MongoBson.Time(DateTimeOffset.FromUnixTimeMilliseconds(change.At)))), cancellationToken: ct), ct)
                .ConfigureAwait(false);
        }
        return (now.ToString(), change);
    }

    public async Task<IReadOnlyList<ReadMarkerRecord>> ListReadMarkersAsync(string conversationId, CancellationToken ct)
    {
        var documents = await db.ReadMarkers.Find(new BsonDocument("conversationId", conversationId)).ToListAsync(ct).ConfigureAwait(false);
        return documents.ConvertAll(d => new ReadMarkerRecord(d.GetId("userId"), d.GetId("upTo"), d.GetTimeOrNull("readAt")));
    }

    private static ObjectId? UpTo(BsonDocument? marker) =>
        marker is not null && marker.TryGetValue("upTo", out var value) && value.IsObjectId ? value.AsObjectId : null;

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

    public async Task<IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>>> GetReadMarkersAsync(IReadOnlyCollection<string> conversationIds, CancellationToken ct)
    {
        var markers = new Dictionary<string, IReadOnlyDictionary<string, string>>(StringComparer.Ordinal);
        if (conversationIds.Count == 0)
        {
            return markers;
        }
        var filter = new BsonDocument("conversationId", new BsonDocument("$in", new BsonArray(conversationIds.Distinct(StringComparer.Ordinal))));
        var documents = await db.ReadMarkers.Find(filter).ToListAsync(ct).ConfigureAwait(false);
        foreach (var document in documents)
        {
            var conversationId = document["conversationId"].AsString;
            if (!markers.TryGetValue(conversationId, out var ofConversation))
            {
                markers[conversationId] = ofConversation = new Dictionary<string, string>(StringComparer.Ordinal);
            }
            ((Dictionary<string, string>)ofConversation)[document.GetId("userId")] = document.GetId("upTo");
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
