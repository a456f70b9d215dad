using Microsoft.Extensions.Options;
using MongoDB.Bson;
using MongoDB.Driver;
using ServerlessChat.Core.Domain;
using ServerlessChat.Core.Realtime;
using ServerlessChat.Core.Sync;

namespace ServerlessChat.Core.Storage.Mongo;

/// <summary>
/// The change log on MongoDB / Cosmos DB: collection <c>changes</c>, shard key <c>conversationId</c>, one
/// document per change with <c>_id</c> "{conversationId}|{seq}"; the numbers come from collection
/// <c>changeCounters</c>, one document per conversation.
/// </summary>
/// <remarks>
/// <para>
/// A number and its time are taken in one atomic update of the conversation's counter ($inc on a document that
/// exists, never an upsert: see <see cref="MongoBson.UpdateCreatingAsync"/>), so any number of writers on any
/// number of instances get distinct consecutive numbers in one round trip, with no read-then-retry race. The time
/// is the counter's own: now, or one past the previous when that is not behind now, so it strictly increases
/// with the number whatever the instances' clocks.
/// </para>
/// <para>
/// Cosmos DB for MongoDB (RU) has no transaction across two collections, so an entity write and its entry are
/// ordered instead ("record, write, commit"): the entry is inserted pending before the write, and marked
/// committed after it. A reader (Sync) stops at a missing number or a pending entry until it is older than
/// <see cref="SyncOptions.SettleSeconds"/>; then it passes it, and what it resolves is the entity as stored, which
/// is right whether the write happened or not. So an acknowledged change always has a committed entry, and a
/// request that fails halfway leaves at most an entry that resolves to what is stored (or to nothing). A write
/// that turns out to change nothing (a repeated send, a reaction already there) marks its entry
/// <see cref="ChangeRecord.Nothing"/>, which sync skips. Each request here goes through the throttling policy by itself, so a
/// retry repeats one request, never a whole record-write-commit.
/// </para>
/// </remarks>
internal sealed class MongoChangeLog(MongoChatDatabase db, MongoThrottlingPolicy policy, TimeProvider time, IOptions<SyncOptions> options) : IChangeLog
{
    private const int MaxAttempts = 16;

    private static readonly FindOneAndUpdateOptions<BsonDocument> ReturnAfter = new() { ReturnDocument = ReturnDocument.After };

    // The last time taken per hash slot of conversation id: which of the two counter updates to try first.
    private readonly long[] _recent = new long[1024];

    public async Task<ChangeRecord> AppendAsync(string conversationId, string type, string entityId, CancellationToken ct)
    {
        var change = await NextAsync(conversationId, type, entityId, ct).ConfigureAwait(false);
        await InsertAsync(change, ct).ConfigureAwait(false);
        return change;
    }

    /// <summary>
    /// Records a change around the write that makes it: takes a number, inserts the entry pending, runs
    /// <paramref name="write"/> (whose requests the caller runs through the throttling policy), then commits the
    /// entry, or marks it <see cref="ChangeRecord.Nothing"/> when the write reports no change. A failed write leaves the entry
    /// pending (the write may have happened), which sync passes once it is settled.
    /// </summary>
    /// <param name="alongside">Work that follows the write but needs no order with the commit (run at the same time).</param>
    public async Task<(T Result, ChangeRecord? Change)> RecordAsync<T>(
        string conversationId, string type, string entityId, Func<Task<(T Result, bool Changed)>> write, CancellationToken ct,
        Func<T, Task>? alongside = null)
    {
        ArgumentNullException.ThrowIfNull(write);
        var change = await NextAsync(conversationId, type, entityId, ct).ConfigureAwait(false);
        await InsertAsync(change with { Pending = true }, ct).ConfigureAwait(false);
        var (result, changed) = await write().ConfigureAwait(false);
        var finish = FinishAsync(change, changed, ct);
        if (alongside is not null)
        {
            await Task.WhenAll(finish, alongside(result)).ConfigureAwait(false);
        }
        await finish.ConfigureAwait(false);
        return (result, changed ? change : null);
    }

    /// <summary>Commits a pending entry (or, when its write changed nothing, marks it <see cref="ChangeRecord.Nothing"/>).</summary>
    private Task FinishAsync(ChangeRecord change, bool changed, CancellationToken ct)
    {
        var set = changed ? new BsonDocument("$unset", new BsonDocument("pending", "")) : new BsonDocument
        {
            { "$unset", new BsonDocument("pending", "") },
            { "$set", new BsonDocument("type", ChangeRecord.Nothing) },
        };
        return policy.ExecuteAsync(() => db.Changes.UpdateOneAsync(new BsonDocument("_id", Key(change.ConversationId, change.Seq)), set, cancellationToken: ct), ct);
    }

    /// <summary>
    /// The <c>newMessage</c> entry of a stored message, for a repeated send, committed if it is still pending: its
    /// time was taken at or after the message's creation time on the same clock, so it is the first such entry from
    /// there on ({conversationId, at} index range); null once the TTL removed it.
    /// </summary>
    public async Task<ChangeRecord?> FindCreationAsync(MessageRecord message, CancellationToken ct)
    {
        var filter = new BsonDocument
        {
            { "conversationId", message.ConversationId },
            { "at", new BsonDocument("$gte", message.CreatedAt.ToUnixTimeMilliseconds() - ChangeRecord.CreationClockSlackMilliseconds) },
            { "entityId", message.Id },
            { "type", ChatHub.NewMessage },
        };
        var found = await policy.ExecuteAsync(() => db.Changes.Find(filter).Sort(new BsonDocument("at", 1)).Limit(1).FirstOrDefaultAsync(ct), ct).ConfigureAwait(false);
        if (found is null)
        {
            return null;
        }
        var change = Map(found);
        if (change.Pending)
        {
            await FinishAsync(change, changed: true, ct).ConfigureAwait(false);
        }
        return change with { Pending = false };
    }

    /// <summary>Takes the conversation's next number and time: one round trip, two when the guess of which update applies misses.</summary>
    private async Task<ChangeRecord> NextAsync(string conversationId, string type, string entityId, CancellationToken ct)
    {
        var slot = (int)((uint)StringComparer.Ordinal.GetHashCode(conversationId) % (uint)_recent.Length);
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var now = time.GetUtcNow().ToUnixTimeMilliseconds();
            // Behind: the counter's time is before now, so now is the time. Current: it is at or past now (a burst,
            // or an instance whose clock runs ahead), so one past it is. Each filter holds the condition its update
            // needs, so each is atomic; one of the two applies, and the last time seen here guesses which.
            var behind = (new BsonDocument { { "_id", conversationId }, { "at", new BsonDocument("$lt", now) } },
                new BsonDocument { { "$inc", new BsonDocument("seq", 1L) }, { "$set", new BsonDocument("at", now) } });
            var current = (new BsonDocument { { "_id", conversationId }, { "at", new BsonDocument("$gte", now) } },
                new BsonDocument("$inc", new BsonDocument { { "seq", 1L }, { "at", 1L } }));
            var (first, second) = Volatile.Read(ref _recent[slot]) >= now ? (current, behind) : (behind, current);
            var counter = await TakeAsync(first, ct).ConfigureAwait(false) ?? await TakeAsync(second, ct).ConfigureAwait(false);
            if (counter is null)
            {
                // No counter yet (or the time moved between the two): create it, ignoring a duplicate, and try again.
                var seed = new BsonDocument { { "_id", conversationId }, { "seq", 0L }, { "at", 0L } };
                await policy.ExecuteAsync(() => MongoBson.InsertIfMissingAsync(db.ChangeCounters, seed, ct), ct).ConfigureAwait(false);
                continue;
            }
            var at = counter["at"].ToInt64();
            Volatile.Write(ref _recent[slot], at);
            return new ChangeRecord(conversationId, counter["seq"].ToInt64(), at, type, entityId);
        }
        throw new InvalidOperationException($"The change counter of a conversation did not advance in {MaxAttempts} attempts.");
    }

    private Task<BsonDocument?> TakeAsync((BsonDocument Filter, BsonDocument Update) step, CancellationToken ct) =>
        policy.ExecuteAsync(async () => (BsonDocument?)await db.ChangeCounters.FindOneAndUpdateAsync(step.Filter, step.Update, ReturnAfter, ct).ConfigureAwait(false), ct);

    private Task InsertAsync(ChangeRecord change, CancellationToken ct)
    {
        var document = new BsonDocument
        {
            { "_id", Key(change.ConversationId, change.Seq) },
            { "conversationId", change.ConversationId },
            { "seq", change.Seq },
            { "at", change.At },
            { "type", change.Type },
            { "entityId", change.EntityId },
            { "expiresAt", new BsonDateTime(DateTimeOffset.FromUnixTimeMilliseconds(change.At).AddDays(options.Value.RetentionDays).UtcDateTime) },
        };
        if (change.Pending)
        {
            document.Add("pending", true);
        }
        // A duplicate is this very entry, written by an attempt that reported an error after all.
        return policy.ExecuteAsync(() => MongoBson.InsertIfMissingAsync(db.Changes, document, ct), ct);
    }

    /// <summary>
    /// One find: an $or with one branch per distinct bound (sync's cursor has one bound for most conversations,
    /// the watermark, and its own for the few active within the settle window), each branch a set of
    /// {conversationId, at} index ranges, sorted by time and limited, so the engine merges the ranges.
    /// </summary>
    public async Task<IReadOnlyList<ChangeRecord>> ReadAfterAsync(IReadOnlyDictionary<string, long> afterAt, int limit, CancellationToken ct)
    {
        if (limit <= 0 || afterAt.Count == 0)
        {
            return [];
        }
        var branches = new BsonArray();
        foreach (var bound in afterAt.GroupBy(b => b.Value))
        {
            var ids = bound.Select(b => (BsonValue)b.Key).ToList();
            branches.Add(new BsonDocument
            {
                { "conversationId", ids.Count == 1 ? ids[0] : new BsonDocument("$in", new BsonArray(ids)) },
                { "at", new BsonDocument("$gt", bound.Key) },
            });
        }
        var filter = branches.Count == 1 ? branches[0].AsBsonDocument : new BsonDocument("$or", branches);
        var documents = await db.Changes.Find(filter).Sort(new BsonDocument("at", 1)).Limit(limit).ToListAsync(ct).ConfigureAwait(false);
        return documents.ConvertAll(Map);
    }

    public async Task<IReadOnlyList<ChangeRecord>> FindAsync(IReadOnlyCollection<(string ConversationId, long Seq)> keys, CancellationToken ct)
    {
        if (keys.Count == 0)
        {
            return [];
        }
        // The conversation ids target the partitions; the keys pick the entries.
        var filter = new BsonDocument
        {
            { "conversationId", new BsonDocument("$in", new BsonArray(keys.Select(k => k.ConversationId).Distinct(StringComparer.Ordinal))) },
            { "_id", new BsonDocument("$in", new BsonArray(keys.Select(k => Key(k.ConversationId, k.Seq)).Distinct(StringComparer.Ordinal))) },
        };
        var documents = await db.Changes.Find(filter).ToListAsync(ct).ConfigureAwait(false);
        return documents.ConvertAll(Map);
    }

    /// <summary>The TTL index on <c>expiresAt</c> removes old entries within each partition; nothing to do here.</summary>
    public Task<int> PurgeAsync(DateTimeOffset before, CancellationToken ct) => Task.FromResult(0);

    /// <summary>One range of the <c>at</c> index across partitions (a background reader's query, never a request's).</summary>
    public async Task<IReadOnlyList<ChangeRecord>> ReadAllAfterAsync(long afterAt, int limit, CancellationToken ct)
    {
        if (limit <= 0)
        {
            return [];
        }
        var documents = await db.Changes.Find(new BsonDocument("at", new BsonDocument("$gt", afterAt)))
            .Sort(new BsonDocument { { "at", 1 }, { "conversationId", 1 } }).Limit(limit).ToListAsync(ct).ConfigureAwait(false);
        return documents.ConvertAll(Map);
    }

    public async Task<string?> GetConsumerStateAsync(string consumer, CancellationToken ct)
    {
        var found = await db.ChangeConsumers.Find(new BsonDocument("_id", consumer)).FirstOrDefaultAsync(ct).ConfigureAwait(false);
        return found?["state"].AsString;
    }

    /// <summary>A replace with upsert: one dispatcher writes a consumer's document, so no two upserts of it race.</summary>
    public Task SaveConsumerStateAsync(string consumer, string state, CancellationToken ct) =>
        db.ChangeConsumers.ReplaceOneAsync(
            new BsonDocument("_id", consumer),
            new BsonDocument { { "_id", consumer }, { "state", state }, { "updatedAt", time.GetUtcNow().UtcDateTime } },
            new ReplaceOptions { IsUpsert = true }, ct);

    private static string Key(string conversationId, long seq) => $"{conversationId}|{seq}";

    private static ChangeRecord Map(BsonDocument d) => new(
        d["conversationId"].AsString, d["seq"].ToInt64(), d["at"].ToInt64(), d["type"].AsString, d["entityId"].AsString,
        d.TryGetValue("pending", out var pending) && pending.IsBoolean && pending.AsBoolean);
}
