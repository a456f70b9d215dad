using MongoDB.Bson;
using MongoDB.Driver;
using ServerlessChat.Core.Domain;

namespace ServerlessChat.Core.Storage.Mongo;

/// <summary>
/// A message's previews in its own document (<c>links</c>); the pages' previews in <c>linkPreviews</c>, one document
/// per URL, removed by a TTL index on <c>expiresAt</c>.
/// </summary>
internal sealed class MongoLinkPreviewStore(MongoChatDatabase db) : ILinkPreviewStore
{
    public async Task<MessageRecord?> SetMessageLinksAsync(string messageId, IReadOnlyList<LinkPreviewRecord> links, CancellationToken ct)
    {
        if (!StorageIds.TryParse(messageId, out var id))
        {
            return null;
        }
        var filter = new BsonDocument { { "_id", id }, { "deleted", new BsonDocument("$ne", true) } };
        var update = new BsonDocument("$set", new BsonDocument("links", new BsonArray(links.Select(ToDocument))));
        var document = await db.Messages.FindOneAndUpdateAsync<BsonDocument>(filter, update,
            new FindOneAndUpdateOptions<BsonDocument> { ReturnDocument = ReturnDocument.After }, ct).ConfigureAwait(false);
        return document is null ? null : MongoMessageStore.Map(document);
    }

    public async Task<LinkPreviewRecord?> FindAsync(string url, DateTimeOffset now, CancellationToken ct)
    {
        // The TTL monitor runs about once a minute: an expired document may still be there.
        var filter = new BsonDocument { { "_id", url }, { "expiresAt", new BsonDocument("$gt", MongoBson.Time(now)) } };
        var document = await db.LinkPreviews.Find(filter).FirstOrDefaultAsync(ct).ConfigureAwait(false);
        return document is null ? null : Map(document);
    }

    public async Task PutAsync(LinkPreviewRecord preview, DateTimeOffset expiresAt, CancellationToken ct)
    {
        var document = ToDocument(preview);
        document.Remove("url");
        document.InsertAt(0, new BsonElement("_id", preview.Url));
        document["expiresAt"] = MongoBson.Time(expiresAt);
        try
        {
            await db.LinkPreviews.ReplaceOneAsync(new BsonDocument("_id", preview.Url), document, new ReplaceOptions { IsUpsert = true }, ct).ConfigureAwait(false);
        }
        catch (MongoWriteException e) when (e.WriteError?.Category == ServerErrorCategory.DuplicateKey)
        {
            // Two workers previewed the same page at once and the other one's upsert created it: either preview will do.
        }
    }

    private static BsonDocument ToDocument(LinkPreviewRecord preview) => new()
    {
        { "url", preview.Url },
        { "title", MongoBson.Text(preview.Title) },
        { "description", MongoBson.Text(preview.Description) },
        { "siteName", MongoBson.Text(preview.SiteName) },
    };

    internal static LinkPreviewRecord Map(BsonDocument d) =>
        new(d.TryGetValue("url", out var url) && url.IsString ? url.AsString : d["_id"].AsString,
            d.GetStringOrNull("title"), d.GetStringOrNull("description"), d.GetStringOrNull("siteName"));
}
