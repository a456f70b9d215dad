using Microsoft.Extensions.Logging;
using MongoDB.Bson;
using MongoDB.Driver;

namespace ServerlessChat.Core.Storage.Mongo;

/// <summary>
/// Ensures the indexes every query relies on. Creating an existing index is a no-op, so this runs at every
/// start. On Cosmos DB the Bicep template declares the same indexes; where the server refuses one as written
/// here (another name or options, or a TTL on a field other than _ts), what is there is kept and a warning is
/// logged, except for unique indexes, without which the stores would be wrong, so start-up fails.
/// </summary>
internal sealed partial class MongoStorageInitializer(MongoChatDatabase db, ILogger<MongoStorageInitializer> logger) : IStorageInitializer
{
    public async Task InitializeAsync(CancellationToken ct)
    {
        var keys = Builders<BsonDocument>.IndexKeys;
        var expireAtTheDate = new CreateIndexOptions { ExpireAfter = TimeSpan.Zero };
        var unique = new CreateIndexOptions { Unique = true };

        await EnsureAsync(db.Users, ct,
            (keys.Ascending("usernameLower"), unique),
            (keys.Ascending("emailLower"), unique),
            (keys.Ascending("displayNameLower"), null),
            // Only users being erased carry the field: the index holds just the unfinished erasures.
            (keys.Ascending("erasing"), new CreateIndexOptions { Sparse = true }),
            // Only users with an external identity carry the field.
            (keys.Ascending("externalId"), new CreateIndexOptions { Unique = true, Sparse = true })).ConfigureAwait(false);
        await EnsureAsync(db.Messages, ct,
            (keys.Ascending("conversationId").Ascending("_id"), null),
            (keys.Ascending("conversationId").Ascending("sender").Ascending("dedupeKey"), unique),
            (keys.Ascending("conversationId").Ascending("mentions").Ascending("_id"), null),
            (keys.Ascending("conversationId").Ascending("threadId").Ascending("_id"), null),
            (keys.Ascending("conversationId").Ascending("searchWords"), null)).ConfigureAwait(false);
        await EnsureAsync(db.Reactions, ct,
            (keys.Ascending("conversationId").Ascending("messageId").Ascending("emoji").Ascending("userId"), unique)).ConfigureAwait(false);
        await EnsureAsync(db.Blocks, ct,
            (keys.Ascending("blocker").Ascending("createdAt"), null)).ConfigureAwait(false);
        await EnsureAsync(db.PushSubscriptions, ct,
            (keys.Ascending("userId").Ascending("createdAt"), null)).ConfigureAwait(false);
        await EnsureAsync(db.Groups, ct,
            (keys.Ascending("members"), null)).ConfigureAwait(false);
        await EnsureAsync(db.Invites, ct,
            (keys.Ascending("groupId").Ascending("createdAt"), null)).ConfigureAwait(false);
        await EnsureAsync(db.Conversations, ct,
            (keys.Ascending("participants").Descending("updatedAt"), null),
            (keys.Ascending("groupId"), null),
            (keys.Ascending("speakers"), null)).ConfigureAwait(false);
        await EnsureAsync(db.ReadMarkers, ct,
            (keys.Ascending("conversationId"), null)).ConfigureAwait(false);
        await EnsureAsync(db.RefreshTokens, ct,
            (keys.Ascending("familyId"), null),
            (keys.Ascending("userId"), null),
            (keys.Ascending("expiresAt"), expireAtTheDate)).ConfigureAwait(false);
        await EnsureAsync(db.Sessions, ct,
            (keys.Ascending("userId").Descending("lastUsedAt"), null),
            (keys.Ascending("endedAt"), null),
            (keys.Ascending("expiresAt"), expireAtTheDate)).ConfigureAwait(false);
        await EnsureAsync(db.ResetTokens, ct,
            (keys.Ascending("userId").Ascending("createdAt"), null),
            (keys.Ascending("expiresAt"), expireAtTheDate)).ConfigureAwait(false);
        await EnsureAsync(db.RateLimits, ct,
            (keys.Ascending("windowEnd"), expireAtTheDate)).ConfigureAwait(false);
        await EnsureAsync(db.Presence, ct,
            (keys.Ascending("connections").Ascending("lastSeenAt"), null)).ConfigureAwait(false);
        await EnsureAsync(db.Attachments, ct,
            (keys.Ascending("messageId").Ascending("_id"), null),
            (keys.Ascending("messageId").Ascending("createdAt"), null),
            (keys.Ascending("state").Ascending("_id"), null)).ConfigureAwait(false);
        // A target's open report carries openKey, removed when it is resolved: the unique sparse index lets one open report per target exist.
        await EnsureAsync(db.Reports, ct,
            (keys.Ascending("openKey"), new CreateIndexOptions { Unique = true, Sparse = true }),
            (keys.Ascending("open").Descending("_id"), null)).ConfigureAwait(false);
        await EnsureAsync(db.Suspensions, ct,
            (keys.Ascending("until"), null)).ConfigureAwait(false);
        await EnsureAsync(db.ThreadMembers, ct,
            (keys.Ascending("userId"), null)).ConfigureAwait(false);
        await EnsureAsync(db.LinkPreviews, ct,
            (keys.Ascending("expiresAt"), expireAtTheDate)).ConfigureAwait(false);
        await EnsureAsync(db.Changes, ct,
            (keys.Ascending("conversationId").Ascending("at"), null),
            // The events dispatcher's read of the whole log by time.
            (keys.Ascending("at").Ascending("conversationId"), null),
            (keys.Ascending("expiresAt"), expireAtTheDate)).ConfigureAwait(false);
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
            return;
        }
        catch (MongoCommandException)
        {
            // One refused index fails the whole batch; one by one below, so that only that one is missing.
        }

        foreach (var (keys, options) in indexes)
        {
            try
            {
                await collection.Indexes.CreateOneAsync(new CreateIndexModel<BsonDocument>(keys, options), cancellationToken: ct).ConfigureAwait(false);
            }
            catch (MongoCommandException ex) when (options?.Unique != true)
            {
                LogIndexRefused(collection.CollectionNamespace.CollectionName, ex.CodeName ?? ex.Code.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "An index of collection {Collection} was refused ({Reason}); the one in place, if any, is kept")]
    private partial void LogIndexRefused(string collection, string reason);
}
