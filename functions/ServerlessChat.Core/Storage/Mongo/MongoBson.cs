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
