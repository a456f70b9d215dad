using MongoDB.Bson;
using MongoDB.Driver;
using ServerlessChat.Core.Domain;
using ServerlessChat.Core.Realtime;

namespace ServerlessChat.Core.Storage.Mongo;

/// <summary>
/// One document per reaction in <c>reactions</c> (shard key conversationId), unique on (conversationId, messageId,
/// emoji, userId): concurrent reactions are independent inserts, so all count, and a repeat is a duplicate key.
/// The distinct-emoji cap is a slot list on the message: an atomic conditional $addToSet takes the emoji's slot
/// only while fewer than the cap are taken, so concurrent first uses of different emoji cannot pass the cap.
/// A slot is given back when its emoji's last reaction goes; an add racing that give-back can leave its reaction
/// without a slot, so the cap is exact except for that race, where it can exceed the cap by the emoji involved.
/// Each add or remove that passes the checks is written as a change (<see cref="MongoChangeLog.RecordAsync"/>):
/// its entry is taken before the reaction is written and committed after, or marked as nothing when the write
/// turns out to change nothing (the reaction was there already, or gone).
/// </summary>
internal sealed class MongoReactionStore(MongoChatDatabase db, MongoChangeLog changes, MongoThrottlingPolicy policy) : IReactionStore
{
    public async Task<(ReactionChange Outcome, ChangeRecord? Change)> AddAsync(string conversationId, string messageId, string emoji, string userId, int maxDistinctEmoji, CancellationToken ct)
    {
        if (!StorageIds.TryParse(messageId, out var message))
        {
            return (ReactionChange.NoMessage, null);
        }
        var user = StorageIds.RequireObjectId(userId, nameof(userId));
        var slotFilter = new BsonDocument
        {
            { "_id", message },
            { "conversationId", conversationId },
            { "deleted", new BsonDocument("$ne", true) },
            { "$or", new BsonArray
                {
                    new BsonDocument("reactionEmoji", emoji),
                    new BsonDocument($"reactionEmoji.{maxDistinctEmoji - 1}", new BsonDocument("$exists", false)),
                }
            },
        };
        var slot = await policy.ExecuteAsync(() => db.Messages.UpdateOneAsync(slotFilter, new BsonDocument("$addToSet", new BsonDocument("reactionEmoji", emoji)), cancellationToken: ct), ct)
            .ConfigureAwait(false);
        if (slot.MatchedCount == 0)
        {
            var found = await policy.ExecuteAsync(() => db.Messages.Find(new BsonDocument { { "_id", message }, { "conversationId", conversationId } })
                .Project(new BsonDocument("deleted", 1)).FirstOrDefaultAsync(ct), ct).ConfigureAwait(false);
            return (found is null ? ReactionChange.NoMessage
                : found.TryGetValue("deleted", out var d) && d.IsBoolean && d.AsBoolean ? ReactionChange.MessageDeleted
                : ReactionChange.TooManyEmoji, null);
        }

        var reaction = new BsonDocument
        {
            { "_id", ObjectId.GenerateNewId() },
            { "conversationId", conversationId },
            { "messageId", message },
            { "emoji", emoji },
            { "userId", user },
        };
        var (outcome, change) = await changes.RecordAsync(conversationId, ChatHub.ReactionsUpdated, message.ToString(), async () =>
        {
            if (!await policy.ExecuteAsync(() => MongoBson.InsertIfMissingAsync(db.Reactions, reaction, ct), ct).ConfigureAwait(false))
            {
                return (ReactionChange.Unchanged, false);
            }

            // The message may have been deleted between the slot and the insert; its reactions must go with it.
            var stillThere = await policy.ExecuteAsync(() => db.Messages.CountDocumentsAsync(
                new BsonDocument { { "_id", message }, { "conversationId", conversationId }, { "deleted", new BsonDocument("$ne", true) } },
                cancellationToken: ct), ct).ConfigureAwait(false);
            if (stillThere == 0)
            {
                await policy.ExecuteAsync(() => db.Reactions.DeleteOneAsync(new BsonDocument("_id", reaction["_id"]), ct), ct).ConfigureAwait(false);
                return (ReactionChange.MessageDeleted, false);
            }
            return (ReactionChange.Added, true);
        }, ct).ConfigureAwait(false);
        return (outcome, change);
    }

    public async Task<(ReactionChange Outcome, ChangeRecord? Change)> RemoveAsync(string conversationId, string messageId, string emoji, string userId, CancellationToken ct)
    {
        if (!StorageIds.TryParse(messageId, out var message) || !StorageIds.TryParse(userId, out var user))
        {
            return (ReactionChange.Unchanged, null);
        }
        var filter = new BsonDocument { { "conversationId", conversationId }, { "messageId", message }, { "emoji", emoji }, { "userId", user } };
        // Nothing to remove is the common repeat, answered without taking a change number.
        var there = await policy.ExecuteAsync(() => db.Reactions.CountDocumentsAsync(filter, new CountOptions { Limit = 1 }, ct), ct).ConfigureAwait(false);
        if (there == 0)
        {
            return (ReactionChange.Unchanged, null);
        }
        var (outcome, change) = await changes.RecordAsync(conversationId, ChatHub.ReactionsUpdated, message.ToString(), async () =>
        {
            var removed = await policy.ExecuteAsync(() => db.Reactions.DeleteOneAsync(filter, ct), ct).ConfigureAwait(false);
            if (removed.DeletedCount == 0)
            {
                return (ReactionChange.Unchanged, false);
            }
            var left = await policy.ExecuteAsync(() => db.Reactions.CountDocumentsAsync(
                new BsonDocument { { "conversationId", conversationId }, { "messageId", message }, { "emoji", emoji } },
                new CountOptions { Limit = 1 }, ct), ct).ConfigureAwait(false);
            if (left == 0)
            {
                await policy.ExecuteAsync(() => db.Messages.UpdateOneAsync(new BsonDocument { { "_id", message }, { "conversationId", conversationId } },
                    new BsonDocument("$pull", new BsonDocument("reactionEmoji", emoji)), cancellationToken: ct), ct).ConfigureAwait(false);
            }
            return (ReactionChange.Removed, true);
        }, ct).ConfigureAwait(false);
        return (outcome, change);
    }

    public async Task<IReadOnlyList<ReactionRecord>> ListAsync(IReadOnlyCollection<string> conversationIds, IReadOnlyCollection<string> messageIds, CancellationToken ct)
    {
        var ids = messageIds.Select(id => StorageIds.TryParse(id, out var o) ? (BsonValue)o : null).OfType<BsonValue>().ToList();
        if (ids.Count == 0 || conversationIds.Count == 0)
        {
            return [];
        }
        var filter = new BsonDocument
        {
            { "conversationId", new BsonDocument("$in", new BsonArray(conversationIds)) },
            { "messageId", new BsonDocument("$in", new BsonArray(ids)) },
        };
        var documents = await db.Reactions.Find(filter).Sort(new BsonDocument("_id", 1)).ToListAsync(ct).ConfigureAwait(false);
        // ObjectIds of one process increase; across instances within a second they may not, so the sequence is the
        // id's timestamp then its counter, which is what _id order is.
        return documents.Select((d, i) => new ReactionRecord(d.GetId("messageId"), d["emoji"].AsString, d.GetId("userId"), i)).ToList();
    }
}
