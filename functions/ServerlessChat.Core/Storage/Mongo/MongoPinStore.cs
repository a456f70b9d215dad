using MongoDB.Bson;
using MongoDB.Driver;
using ServerlessChat.Core.Domain;
using ServerlessChat.Core.Realtime;

namespace ServerlessChat.Core.Storage.Mongo;

/// <summary>
/// Pins in <c>pins</c>, one document per conversation (<c>_id</c> the conversation id, the shard key) holding the
/// list of its pins in the order they were made. A pin is one conditional $push that matches only while the
/// message is not in the list and the list has fewer entries than the cap, so pins racing for the last places
/// can never pass it. A conversation's first pin creates the document by an insert, never an upsert (DocumentDB
/// loses concurrent upserts of one missing document). Each pin or unpin that passes the checks is written as a
/// change (<see cref="MongoChangeLog.RecordAsync"/>), marked as nothing when the write turns out to change nothing.
/// </summary>
internal sealed class MongoPinStore(MongoChatDatabase db, MongoChangeLog changes, MongoThrottlingPolicy policy) : IPinStore
{
    private const int MaxAttempts = 8;

    public async Task<(PinChange Outcome, ChangeRecord? Change)> PinAsync(PinRecord pin, int maxPerConversation, CancellationToken ct)
    {
        if (!StorageIds.TryParse(pin.MessageId, out var message))
        {
            return (PinChange.NoMessage, null);
        }
        // The usual refusals are answered by reads, without taking a change number.
        if (await MessageStateAsync(pin.ConversationId, message, ct).ConfigureAwait(false) is { } refused)
        {
            return (refused, null);
        }
        if (Classify(await FindAsync(pin.ConversationId, ct).ConfigureAwait(false), message, maxPerConversation) is { } early)
        {
            return (early, null);
        }

        var entry = new BsonDocument
        {
            { "messageId", message },
            { "by", StorageIds.RequireObjectId(pin.PinnedBy, nameof(pin)) },
            { "at", MongoBson.Time(pin.PinnedAt) },
        };
        var filter = new BsonDocument
        {
            { "_id", pin.ConversationId },
            { "pins.messageId", new BsonDocument("$ne", message) },
            { $"pins.{maxPerConversation - 1}", new BsonDocument("$exists", false) },
        };
        return await changes.RecordAsync(pin.ConversationId, ChatHub.MessageUpdated, message.ToString(), async () =>
        {
            for (var attempt = 0; attempt < MaxAttempts; attempt++)
            {
                var pushed = await policy.ExecuteAsync(() => db.Pins.UpdateOneAsync(filter, new BsonDocument("$push", new BsonDocument("pins", entry)), cancellationToken: ct), ct)
                    .ConfigureAwait(false);
                if (pushed.MatchedCount == 1)
                {
                    // The message may have been deleted between the check and the pin; its pin must go with it.
                    if (await MessageStateAsync(pin.ConversationId, message, ct).ConfigureAwait(false) is { } gone)
                    {
                        await policy.ExecuteAsync(() => PullAsync(db, pin.ConversationId, message, ct), ct).ConfigureAwait(false);
                        return (gone, false);
                    }
                    return (PinChange.Pinned, true);
                }
                var document = await FindAsync(pin.ConversationId, ct).ConfigureAwait(false);
                if (document is null)
                {
                    var seed = new BsonDocument { { "_id", pin.ConversationId }, { "pins", new BsonArray() } };
                    await policy.ExecuteAsync(() => MongoBson.InsertIfMissingAsync(db.Pins, seed, ct), ct).ConfigureAwait(false);
                    continue;
                }
                if (Classify(document, message, maxPerConversation) is { } outcome)
                {
                    return (outcome, false);
                }
                // A place came free between the push and the read: try again.
            }
            throw new InvalidOperationException($"A pin neither applied nor was refused in {MaxAttempts} attempts.");
        }, ct).ConfigureAwait(false);
    }

    public async Task<(PinChange Outcome, ChangeRecord? Change)> UnpinAsync(string conversationId, string messageId, CancellationToken ct)
    {
        if (!StorageIds.TryParse(messageId, out var message)
            || !Entries(await FindAsync(conversationId, ct).ConfigureAwait(false)).Any(e => e["messageId"] == message))
        {
            return (PinChange.Unchanged, null);
        }
        return await changes.RecordAsync(conversationId, ChatHub.MessageUpdated, message.ToString(), async () =>
        {
            var pulled = await policy.ExecuteAsync(() => PullAsync(db, conversationId, message, ct), ct).ConfigureAwait(false);
            return pulled ? (PinChange.Unpinned, true) : (PinChange.Unchanged, false);
        }, ct).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<PinRecord>> ListAsync(string conversationId, CancellationToken ct)
    {
        var document = await FindAsync(conversationId, ct).ConfigureAwait(false);
        return Entries(document).Select(e => Map(conversationId, e)).Reverse().ToList();
    }

    public async Task<IReadOnlyList<PinRecord>> FindAsync(IReadOnlyCollection<string> conversationIds, IReadOnlyCollection<string> messageIds, CancellationToken ct)
    {
        var wanted = messageIds.Select(id => StorageIds.TryParse(id, out var o) ? o.ToString() : null).OfType<string>().ToHashSet(StringComparer.Ordinal);
        if (conversationIds.Count == 0 || wanted.Count == 0)
        {
            return [];
        }
        var documents = await db.Pins.Find(new BsonDocument("_id", new BsonDocument("$in", new BsonArray(conversationIds)))).ToListAsync(ct).ConfigureAwait(false);
        return documents
            .SelectMany(d => Entries(d).Select(e => Map(d["_id"].AsString, e)))
            .Where(p => wanted.Contains(p.MessageId))
            .ToList();
    }

    /// <summary>Removes the message's pin; true when there was one.</summary>
    internal static async Task<bool> PullAsync(MongoChatDatabase db, string conversationId, ObjectId message, CancellationToken ct)
    {
        var result = await db.Pins.UpdateOneAsync(
            new BsonDocument { { "_id", conversationId }, { "pins.messageId", message } },
            new BsonDocument("$pull", new BsonDocument("pins", new BsonDocument("messageId", message))), cancellationToken: ct).ConfigureAwait(false);
        return result.ModifiedCount > 0;
    }

    private Task<BsonDocument?> FindAsync(string conversationId, CancellationToken ct) =>
        policy.ExecuteAsync(async () => (BsonDocument?)await db.Pins.Find(new BsonDocument("_id", conversationId)).FirstOrDefaultAsync(ct).ConfigureAwait(false), ct);

    /// <summary>Null when the message is there and undeleted, else why it cannot be pinned.</summary>
    private async Task<PinChange?> MessageStateAsync(string conversationId, ObjectId message, CancellationToken ct)
    {
        var found = await policy.ExecuteAsync(() => db.Messages.Find(new BsonDocument { { "_id", message }, { "conversationId", conversationId } })
            .Project(new BsonDocument("deleted", 1)).FirstOrDefaultAsync(ct), ct).ConfigureAwait(false);
        return found is null ? PinChange.NoMessage
            : found.TryGetValue("deleted", out var d) && d.IsBoolean && d.AsBoolean ? PinChange.MessageDeleted
            : null;
    }

    /// <summary>Unchanged when the message is pinned already, Full when the cap is reached, else null (a pin would apply).</summary>
    private static PinChange? Classify(BsonDocument? document, ObjectId message, int max)
    {
        var entries = Entries(document).ToList();
        return entries.Any(e => e["messageId"] == message) ? PinChange.Unchanged
            : entries.Count >= max ? PinChange.Full
            : null;
    }

    private static IEnumerable<BsonDocument> Entries(BsonDocument? document) =>
        document is not null && document.TryGetValue("pins", out var pins) && pins.IsBsonArray ? pins.AsBsonArray.Select(p => p.AsBsonDocument) : [];

    private static PinRecord Map(string conversationId, BsonDocument entry) =>
        new(conversationId, entry.GetId("messageId"), entry.GetId("by"), entry.GetTime("at"));
}
