using Microsoft.Extensions.Logging;
using MongoDB.Bson;
using MongoDB.Driver;

namespace ServerlessChat.Core.Storage.Mongo;

/// <summary>
/// Ensures the indexes every query relies on. Creating an existing index is a no-op, so this runs at every
/// start; on Cosmos DB the Bicep template declares the same indexes, and when one differs there (name or
/// options) the template wins and a warning is logged.
/// </summary>
internal sealed partial class MongoStorageInitializer(MongoChatDatabase db, ILogger<MongoStorageInitializer> logger) : IStorageInitializer
{
    private const int IndexOptionsConflict = 85;
    private const int IndexKeySpecsConflict = 86;

    public async Task InitializeAsync(CancellationToken ct)
    {
        var keys = Builders<BsonDocument>.IndexKeys;
        var expireAtTheDate = new CreateIndexOptions { ExpireAfter = TimeSpan.Zero };
        var unique = new CreateIndexOptions { Unique = true };

        await EnsureAsync(db.Users, ct,
            (keys.Ascending("usernameLower"), unique),
            (keys.Ascending("emailLower"), unique),
            (keys.Ascending("displayNameLower"), null)).ConfigureAwait(false);
        await EnsureAsync(db.Messages, ct,
            (keys.Ascending("conversationId").Ascending("_id"), null),
            (keys.Ascending("conversationId").Ascending("sender").Ascending("dedupeKey"), unique)).ConfigureAwait(false);
        await EnsureAsync(db.Groups, ct,
            (keys.Ascending("members"), null)).ConfigureAwait(false);
        await EnsureAsync(db.Conversations, ct,
            (keys.Ascending("participants").Descending("updatedAt"), null),
            (keys.Ascending("groupId"), null)).ConfigureAwait(false);
        await EnsureAsync(db.ReadMarkers, ct,
            (keys.Ascending("conversationId"), null)).ConfigureAwait(false);
        await EnsureAsync(db.RefreshTokens, ct,
            (keys.Ascending("familyId"), null),
            (keys.Ascending("userId"), null),
            (keys.Ascending("expiresAt"), expireAtTheDate)).ConfigureAwait(false);
        await EnsureAsync(db.ResetTokens, ct,
            (keys.Ascending("expiresAt"), expireAtTheDate)).ConfigureAwait(false);
        await EnsureAsync(db.RateLimits, ct,
            (keys.Ascending("windowEnd"), expireAtTheDate)).ConfigureAwait(false);
        await EnsureAsync(db.Presence, ct,
            (keys.Ascending("connections").Ascending("lastSeenAt"), null)).ConfigureAwait(false);
    }

    private async Task EnsureAsync(
        IMongoCollection<BsonDocument> collection,
        CancellationToken ct,
        params (IndexKeysDefinition<BsonDocument> Keys, CreateIndexOptions? Options)[] indexes)
    {
        try
        {
            await collection.Indexes.CreateManyAsync(
                indexes.Select(i => new CreateIndexModel<BsonDocument>(i.Keys, i.Options)), ct).ConfigureAwait(false);
        }
        catch (MongoCommandException ex) when (ex.Code is IndexOptionsConflict or IndexKeySpecsConflict)
        {
            // One conflict fails the whole batch; create the rest one by one so only the conflicting one is left as it is.
            foreach (var (keys, options) in indexes)
            {
                try
                {
                    await collection.Indexes.CreateOneAsync(new CreateIndexModel<BsonDocument>(keys, options), cancellationToken: ct).ConfigureAwait(false);
                }
                catch (MongoCommandException inner) when (inner.Code is IndexOptionsConflict or IndexKeySpecsConflict)
                {
                    LogIndexConflict(collection.CollectionNamespace.CollectionName, inner.CodeName);
                }
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "An index of collection {Collection} exists with other options ({Reason}); it is kept as it is")]
    private partial void LogIndexConflict(string collection, string reason);
}
