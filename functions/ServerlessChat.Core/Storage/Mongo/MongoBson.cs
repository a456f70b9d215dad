using MongoDB.Bson;
using MongoDB.Driver;

namespace ServerlessChat.Core.Storage.Mongo;

/// <summary>Conversions between records and BSON values, and the driver's duplicate-key signals.</summary>
internal static class MongoBson
{
    public static BsonValue Time(DateTimeOffset value) => new BsonDateTime(value.UtcDateTime);

    public static BsonValue Time(DateTimeOffset? value) => value is { } v ? Time(v) : BsonNull.Value;

    public static BsonValue Oid(string? id) => id is null ? BsonNull.Value : StorageIds.RequireObjectId(id);

    public static BsonArray Oids(IEnumerable<string> ids) => new(ids.Select(id => (BsonValue)StorageIds.RequireObjectId(id)));

    public static BsonValue Text(string? value) => value is null ? BsonNull.Value : new BsonString(value);

    public static DateTimeOffset GetTime(this BsonDocument document, string name) =>
        new(document[name].ToUniversalTime(), TimeSpan.Zero);

    public static DateTimeOffset? GetTimeOrNull(this BsonDocument document, string name) =>
        document.TryGetValue(name, out var value) && value.IsValidDateTime ? new DateTimeOffset(value.ToUniversalTime(), TimeSpan.Zero) : null;

    public static string GetId(this BsonDocument document, string name) => document[name].AsObjectId.ToString();

    public static string? GetIdOrNull(this BsonDocument document, string name) =>
        document.TryGetValue(name, out var value) && value.IsObjectId ? value.AsObjectId.ToString() : null;

    public static string? GetStringOrNull(this BsonDocument document, string name) =>
        document.TryGetValue(name, out var value) && value.IsString ? value.AsString : null;

    public static List<string> GetIds(this BsonDocument document, string name) =>
        document.TryGetValue(name, out var value) && value.IsBsonArray
            ? value.AsBsonArray.Where(v => v.IsObjectId).Select(v => v.AsObjectId.ToString()).ToList()
            : [];

    /// <summary>Times as MongoDB stores them, so a record returned from a write equals the one read back later.</summary>
    public static DateTimeOffset Truncate(DateTimeOffset value) => DateTimeOffset.FromUnixTimeMilliseconds(value.ToUnixTimeMilliseconds());

    /// <summary>
    /// A unique index refused the write. Inserts report it as a write error, findAndModify and upserts through a
    /// command as error 11000.
    /// </summary>
    public static bool IsDuplicateKey(Exception exception) => exception switch
    {
        MongoWriteException write => write.WriteError?.Category == ServerErrorCategory.DuplicateKey,
        MongoBulkWriteException bulk => bulk.WriteErrors.Any(e => e.Category == ServerErrorCategory.DuplicateKey),
        MongoCommandException command => command.Code == 11000,
        _ => false,
    };

    /// <summary>Inserts the document unless one with its key exists already (another writer created it first); true when this call created it.</summary>
    public static async Task<bool> InsertIfMissingAsync(IMongoCollection<BsonDocument> collection, BsonDocument document, CancellationToken ct)
    {
        try
        {
            await collection.InsertOneAsync(document, cancellationToken: ct).ConfigureAwait(false);
            return true;
        }
        catch (MongoWriteException ex) when (IsDuplicateKey(ex))
        {
            return false;
        }
    }

    /// <summary>
    /// Runs <paramref name="update"/> (an update of one existing document returning it, or null when none matched);
    /// when the document is missing, creates it as <paramref name="seed"/> (ignoring a duplicate) and runs it again.
    /// Counters go through here rather than an upsert with $inc: concurrent upserts of one missing document each
    /// report success on Cosmos DB vCore (DocumentDB) while increments are lost, whereas an insert of one key has
    /// exactly one winner everywhere, and $inc on an existing document is atomic everywhere.
    /// </summary>
    public static async Task<BsonDocument> UpdateCreatingAsync(
        IMongoCollection<BsonDocument> collection, BsonDocument seed, Func<Task<BsonDocument?>> update, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(update);
        if (await update().ConfigureAwait(false) is { } updated)
        {
            return updated;
        }
        await InsertIfMissingAsync(collection, seed, ct).ConfigureAwait(false);
        return await update().ConfigureAwait(false)
            ?? throw new InvalidOperationException($"The {collection.CollectionNamespace.CollectionName} document {seed["_id"]} was created but the update did not find it.");
    }

    /// <summary>
    /// Two upserts of a missing document may both try to insert it; the loser gets a duplicate key error,
    /// and its retry then finds the document.
    /// </summary>
    public static async Task<T> RetryOnDuplicateKeyAsync<T>(Func<Task<T>> operation)
    {
        try
        {
            return await operation().ConfigureAwait(false);
        }
        catch (Exception ex) when (IsDuplicateKey(ex))
        {
            return await operation().ConfigureAwait(false);
        }
    }
}
