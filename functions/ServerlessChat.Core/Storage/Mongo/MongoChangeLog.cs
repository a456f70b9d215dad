using Microsoft.Extensions.Options;
using MongoDB.Bson;
using MongoDB.Driver;
using ServerlessChat.Core.Domain;
using ServerlessChat.Core.Sync;

namespace ServerlessChat.Core.Storage.Mongo;

/// <summary>
/// The change log on MongoDB / Cosmos DB: collection <c>changes</c>, shard key <c>conversationId</c>, one
/// document per change with <c>_id</c> "{conversationId}|{seq}".
/// </summary>
/// <remarks>
/// Sequence numbers are taken by "insert the next one": read the conversation's last entry, insert seq + 1, and
/// on a duplicate key (another instance got there first) read again. So entry n + 1 is only ever inserted after
/// someone saw entry n committed, and a reader that sees n + 1 has n too: sequence order is commit order, with
/// no gaps, across any number of instances, without a transaction. Costs two single-partition requests.
/// Without multi-document transactions the entry is written just after the entity (message, marker, group).
/// A process dying between the two leaves a changed entity without an entry: sync then does not report that
/// one change (the request failed, so its client saw an error; a repeated send finds the message), but it never
/// skips or reorders an entry that was committed.
/// </remarks>
internal sealed class MongoChangeLog(MongoChatDatabase db, TimeProvider time, IOptions<SyncOptions> options) : IChangeLog
{
    private const int MaxAttempts = 32;

    public async Task<ChangeRecord> AppendAsync(string conversationId, string type, string entityId, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            var last = await db.Changes.Find(new BsonDocument("conversationId", conversationId))
                .Sort(new BsonDocument("seq", -1)).Limit(1).FirstOrDefaultAsync(ct).ConfigureAwait(false);
            var seq = last is null ? 1 : last["seq"].ToInt64() + 1;
            var lastAt = last is null ? 0 : last["at"].ToInt64();
            var change = new ChangeRecord(conversationId, seq, Math.Max(time.GetUtcNow().ToUnixTimeMilliseconds(), lastAt + 1), type, entityId);
            var document = new BsonDocument
            {
                { "_id", $"{conversationId}|{seq}" },
                { "conversationId", conversationId },
                { "seq", seq },
                { "at", change.At },
                { "type", type },
                { "entityId", entityId },
                { "expiresAt", new BsonDateTime(DateTimeOffset.FromUnixTimeMilliseconds(change.At).AddDays(options.Value.RetentionDays).UtcDateTime) },
            };
            try
            {
                await db.Changes.InsertOneAsync(document, cancellationToken: ct).ConfigureAwait(false);
                return change;
            }
            catch (MongoWriteException ex) when (MongoBson.IsDuplicateKey(ex) && attempt < MaxAttempts)
            {
                // Another writer took this number; the next read sees it.
            }
        }
    }

    public async Task<IReadOnlyList<ChangeRecord>> ReadAfterAsync(string conversationId, long afterAt, int limit, CancellationToken ct)
    {
        if (limit <= 0)
        {
            return [];
        }
        var filter = new BsonDocument { { "conversationId", conversationId }, { "at", new BsonDocument("$gt", afterAt) } };
        var documents = await db.Changes.Find(filter).Sort(new BsonDocument("at", 1)).Limit(limit).ToListAsync(ct).ConfigureAwait(false);
        return documents.ConvertAll(d => new ChangeRecord(
            d["conversationId"].AsString, d["seq"].ToInt64(), d["at"].ToInt64(), d["type"].AsString, d["entityId"].AsString));
    }

    /// <summary>The TTL index on <c>expiresAt</c> removes old entries within each partition; nothing to do here.</summary>
    public Task<int> PurgeAsync(DateTimeOffset before, CancellationToken ct) => Task.FromResult(0);
}
