using MongoDB.Bson;
using MongoDB.Driver;
using ServerlessChat.Core.Domain;

namespace ServerlessChat.Core.Storage.Mongo;

/// <summary>
/// Collection <c>attachments</c>, sharded on <c>_id</c> in Cosmos DB: every write is a single-document update by
/// id (a point write in one partition), and the lookups by message run on the {messageId, _id} index.
/// </summary>
internal sealed class MongoAttachmentStore(MongoChatDatabase db) : IAttachmentStore
{
    private static readonly FindOneAndUpdateOptions<BsonDocument> ReturnAfter = new() { ReturnDocument = ReturnDocument.After };

    public Task InsertAsync(AttachmentRecord attachment, CancellationToken ct)
    {
        var document = new BsonDocument
        {
            { "_id", StorageIds.RequireObjectId(attachment.Id, nameof(attachment)) },
            { "uploader", StorageIds.RequireObjectId(attachment.UploaderId, nameof(attachment)) },
            { "fileName", attachment.FileName },
            { "declaredType", attachment.DeclaredType },
            { "sniffedType", MongoBson.Text(attachment.SniffedType) },
            { "declaredSize", attachment.DeclaredSize },
            { "storedSize", attachment.StoredSize is { } size ? size : BsonNull.Value },
            { "state", attachment.State.ToString() },
            { "messageId", MongoBson.Oid(attachment.MessageId) },
            { "width", attachment.Width is { } w ? w : BsonNull.Value },
            { "height", attachment.Height is { } h ? h : BsonNull.Value },
            { "thumbnailKey", MongoBson.Text(attachment.ThumbnailKey) },
            { "createdAt", MongoBson.Time(attachment.CreatedAt) },
        };
        return db.Attachments.InsertOneAsync(document, cancellationToken: ct);
    }

    public async Task<AttachmentRecord?> FindByIdAsync(string id, CancellationToken ct)
    {
        if (!StorageIds.TryParse(id, out var objectId))
        {
            return null;
        }
        var document = await db.Attachments.Find(new BsonDocument("_id", objectId)).FirstOrDefaultAsync(ct).ConfigureAwait(false);
        return document is null ? null : Map(document);
    }

    public async Task<IReadOnlyList<AttachmentRecord>> FindByIdsAsync(IReadOnlyCollection<string> ids, CancellationToken ct)
    {
        var valid = StorageIds.NormalizeAll(ids);
        if (valid.Count == 0)
        {
            return [];
        }
        var filter = new BsonDocument("_id", new BsonDocument("$in", MongoBson.Oids(valid)));
        var documents = await db.Attachments.Find(filter).Sort(new BsonDocument("_id", 1)).ToListAsync(ct).ConfigureAwait(false);
        return documents.ConvertAll(Map);
    }

    public async Task<IReadOnlyList<AttachmentRecord>> ListForMessagesAsync(IReadOnlyCollection<string> messageIds, CancellationToken ct)
    {
        var valid = StorageIds.NormalizeAll(messageIds);
        if (valid.Count == 0)
        {
            return [];
        }
        var filter = new BsonDocument("messageId", new BsonDocument("$in", MongoBson.Oids(valid)));
        var documents = await db.Attachments.Find(filter).Sort(new BsonDocument("_id", 1)).ToListAsync(ct).ConfigureAwait(false);
        return documents.ConvertAll(Map);
    }

    /// <summary>
    /// Each claim is one conditional update, atomic on its document; Cosmos DB has no cheap multi-document
    /// transaction across partitions, so a send that loses one claim gives back the ones it won.
    /// </summary>
    public async Task<bool> ClaimAsync(string messageId, string uploaderId, IReadOnlyList<AttachmentClaim> claims, CancellationToken ct)
    {
        var message = StorageIds.RequireObjectId(messageId);
        if (!StorageIds.TryParse(uploaderId, out var uploader) || claims.Count == 0)
        {
            return false;
        }
        foreach (var claim in claims)
        {
            var claimed = StorageIds.TryParse(claim.Id, out var id) && (await db.Attachments.UpdateOneAsync(
                new BsonDocument { { "_id", id }, { "uploader", uploader }, { "messageId", BsonNull.Value }, { "state", nameof(AttachmentState.Pending) } },
                new BsonDocument("$set", new BsonDocument
                {
                    { "messageId", message },
                    { "sniffedType", claim.SniffedType },
                    { "storedSize", claim.StoredSize },
                    { "state", claim.State.ToString() },
                }),
                cancellationToken: ct).ConfigureAwait(false)).ModifiedCount == 1;
            if (!claimed)
            {
                // Not the caller's token: the give-back must happen even if the request is being abandoned.
                await ReleaseAsync(messageId, CancellationToken.None).ConfigureAwait(false);
                return false;
            }
        }
        return true;
    }

    public async Task ReleaseAsync(string messageId, CancellationToken ct)
    {
        if (!StorageIds.TryParse(messageId, out var message))
        {
            return;
        }
        await db.Attachments.UpdateManyAsync(
            new BsonDocument("messageId", message),
            new BsonDocument("$set", new BsonDocument
            {
                { "messageId", BsonNull.Value },
                { "sniffedType", BsonNull.Value },
                { "storedSize", BsonNull.Value },
                { "state", nameof(AttachmentState.Pending) },
            }),
            cancellationToken: ct).ConfigureAwait(false);
    }

    public async Task<AttachmentRecord?> CompleteProcessingAsync(string id, AttachmentState state, int? width, int? height, string? thumbnailKey, CancellationToken ct)
    {
        if (!StorageIds.TryParse(id, out var objectId))
        {
            return null;
        }
        var update = new BsonDocument("$set", new BsonDocument
        {
            { "state", state.ToString() },
            { "width", width is { } w ? w : BsonNull.Value },
            { "height", height is { } h ? h : BsonNull.Value },
            { "thumbnailKey", MongoBson.Text(thumbnailKey) },
        });
        var document = await db.Attachments.FindOneAndUpdateAsync(
            new BsonDocument { { "_id", objectId }, { "state", nameof(AttachmentState.Processing) } }, update, ReturnAfter, ct).ConfigureAwait(false);
        return document is null ? null : Map(document);
    }

    public async Task<IReadOnlyList<AttachmentRecord>> DeleteForMessageAsync(string messageId, CancellationToken ct)
    {
        if (!StorageIds.TryParse(messageId, out var message))
        {
            return [];
        }
        var filter = new BsonDocument("messageId", message);
        var documents = await db.Attachments.Find(filter).ToListAsync(ct).ConfigureAwait(false);
        if (documents.Count > 0)
        {
            await db.Attachments.DeleteManyAsync(filter, ct).ConfigureAwait(false);
        }
        return documents.ConvertAll(Map);
    }

    public async Task<IReadOnlyList<AttachmentRecord>> ListUnattachedBeforeAsync(DateTimeOffset cutoff, int limit, CancellationToken ct)
    {
        if (limit <= 0)
        {
            return [];
        }
        var filter = new BsonDocument { { "messageId", BsonNull.Value }, { "createdAt", new BsonDocument("$lt", MongoBson.Time(cutoff)) } };
        var documents = await db.Attachments.Find(filter).Sort(new BsonDocument("createdAt", 1)).Limit(limit).ToListAsync(ct).ConfigureAwait(false);
        return documents.ConvertAll(Map);
    }

    public async Task<bool> DeleteUnattachedAsync(string id, CancellationToken ct)
    {
        if (!StorageIds.TryParse(id, out var objectId))
        {
            return false;
        }
        var result = await db.Attachments.DeleteOneAsync(new BsonDocument { { "_id", objectId }, { "messageId", BsonNull.Value } }, ct).ConfigureAwait(false);
        return result.DeletedCount == 1;
    }

    public async Task<IReadOnlyList<AttachmentRecord>> ListProcessingAsync(int limit, CancellationToken ct)
    {
        if (limit <= 0)
        {
            return [];
        }
        var documents = await db.Attachments.Find(new BsonDocument("state", nameof(AttachmentState.Processing)))
            .Sort(new BsonDocument("_id", 1)).Limit(limit).ToListAsync(ct).ConfigureAwait(false);
        return documents.ConvertAll(Map);
    }

    private static int? Int(BsonDocument d, string name) => d.TryGetValue(name, out var v) && v.IsNumeric ? v.ToInt32() : null;

    private static AttachmentRecord Map(BsonDocument d) => new(
        d.GetId("_id"),
        d.GetId("uploader"),
        d["fileName"].AsString,
        d["declaredType"].AsString,
        d.GetStringOrNull("sniffedType"),
        d["declaredSize"].ToInt64(),
        d.TryGetValue("storedSize", out var stored) && stored.IsNumeric ? stored.ToInt64() : null,
        Enum.Parse<AttachmentState>(d["state"].AsString),
        d.GetIdOrNull("messageId"),
        Int(d, "width"),
        Int(d, "height"),
        d.GetStringOrNull("thumbnailKey"),
        d.GetTime("createdAt"));
}
