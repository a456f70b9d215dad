using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using MongoDB.Bson;
using MongoDB.Driver;

namespace ServerlessChat.Core.Storage.Mongo;

/// <summary>
/// Search over the messages' <c>searchWords</c> (the normalized words). Every term is an anchored, escaped
/// prefix regex, so no character of the query is a regex or query operator. WordIndex: the
/// {conversationId, searchWords} multikey index turns each anchored prefix into an index range inside the
/// caller's conversations. Bounded: per conversation, only the newest messages up to the scan limit before the
/// cursor are filtered, found on the {conversationId, _id} history index.
/// </summary>
/// <remarks>
/// A $text index was not used: it matches whole stemmed words, not word prefixes ("deploy" must find
/// "Deployment"), and Cosmos DB for MongoDB RU has none anyway.
/// </remarks>
internal sealed class MongoMessageSearchStore(MongoChatDatabase db, IOptions<StorageOptions> options) : IMessageSearchStore
{
    public async Task<MessageSearchResult> SearchAsync(IReadOnlyCollection<string> conversationIds, IReadOnlyList<string> terms, string? beforeId, int limit, CancellationToken ct)
    {
        ObjectId before = ObjectId.Empty;
        if (conversationIds.Count == 0 || terms.Count == 0 || limit <= 0 || (beforeId is not null && !StorageIds.TryParse(beforeId, out before)))
        {
            return new([], true);
        }
        var cursor = beforeId is null ? (ObjectId?)null : before;
        return options.Value.MongoSearch == MongoSearchMode.Bounded
            ? await BoundedAsync(conversationIds, terms, cursor, limit, ct).ConfigureAwait(false)
            : new(await FindAsync(Filter(new BsonDocument("$in", new BsonArray(conversationIds)), terms, cursor, null), limit, ct).ConfigureAwait(false), true);
    }

    /// <summary>
    /// The user's conversation ids from two index-only reads made at once, {participants} for its direct
    /// conversations and {members} for its groups (ids only, no member list), then the search over all of them.
    /// </summary>
    public async Task<MessageSearchResult> SearchAllAsync(string userId, IReadOnlyList<string> terms, string? beforeId, int limit, CancellationToken ct)
    {
        if (!StorageIds.TryParse(userId, out var user) || terms.Count == 0 || limit <= 0)
        {
            return new([], true);
        }
        var onlyIds = new BsonDocument("_id", 1);
        var direct = db.Conversations.Find(new BsonDocument("participants", user)).Project(onlyIds).ToListAsync(ct);
        var groups = db.Groups.Find(new BsonDocument("members", user)).Project(onlyIds).ToListAsync(ct);
        await Task.WhenAll(direct, groups).ConfigureAwait(false);
        var conversationIds = (await direct.ConfigureAwait(false)).Select(d => d["_id"].AsString)
            .Concat((await groups.ConfigureAwait(false)).Select(d => Domain.ConversationIds.Group(d["_id"].AsObjectId.ToString())))
            .ToList();
        return await SearchAsync(conversationIds, terms, beforeId, limit, ct).ConfigureAwait(false);
    }

    private async Task<MessageSearchResult> BoundedAsync(IReadOnlyCollection<string> conversationIds, IReadOnlyList<string> terms, ObjectId? cursor, int limit, CancellationToken ct)
    {
        var scanLimit = options.Value.MongoSearchScanLimit;
        var complete = true;
        var found = new List<Domain.MessageRecord>();
        foreach (var conversationId in conversationIds)
        {
            // The oldest message of the window: the scan-limit-th newest before the cursor, read from the history index.
            var (history, sort) = MongoMessageStore.PageQuery(conversationId, cursor);
            var floor = await db.Messages.Find(history).Sort(sort).Skip(scanLimit - 1).Limit(1)
                .Project(new BsonDocument("_id", 1)).FirstOrDefaultAsync(ct).ConfigureAwait(false);
            if (floor is not null)
            {
                complete = false;
            }
            found.AddRange(await FindAsync(Filter(conversationId, terms, cursor, floor?["_id"].AsObjectId), limit, ct).ConfigureAwait(false));
        }
        return new(found.OrderByDescending(m => m.Id, StringComparer.Ordinal).Take(limit).ToList(), complete);
    }

    private async Task<List<Domain.MessageRecord>> FindAsync(BsonDocument filter, int limit, CancellationToken ct)
    {
        var documents = await db.Messages.Find(filter).Sort(new BsonDocument("_id", -1)).Limit(limit).ToListAsync(ct).ConfigureAwait(false);
        return documents.ConvertAll(MongoMessageStore.Map);
    }

    private static BsonDocument Filter(BsonValue conversation, IReadOnlyList<string> terms, ObjectId? before, ObjectId? floor)
    {
        var filter = new BsonDocument("conversationId", conversation);
        var range = new BsonDocument();
        if (before is { } b)
        {
            range.Add("$lt", b);
        }
        if (floor is { } f)
        {
            range.Add("$gte", f);
        }
        if (range.ElementCount > 0)
        {
            filter.Add("_id", range);
        }
        filter.Add("deleted", new BsonDocument("$ne", true));
        filter.Add("$and", new BsonArray(terms.Select(t => new BsonDocument("searchWords", new BsonRegularExpression("^" + Regex.Escape(t))))));
        return filter;
    }
}
