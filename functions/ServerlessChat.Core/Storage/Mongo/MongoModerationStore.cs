using MongoDB.Bson;
using MongoDB.Driver;
using ServerlessChat.Core.Domain;

namespace ServerlessChat.Core.Storage.Mongo;

/// <summary>
/// Reports carry <c>openKey</c> (the target) while open, under a unique sparse index: of concurrent first
/// reports of one target one insert wins and the others join it with <c>$addToSet</c> (alone in its update:
/// DocumentDB duplicates an array that one update both <c>$set</c>s into and <c>$addToSet</c>s).
/// </summary>
internal sealed class MongoModerationStore(MongoChatDatabase db) : IModerationStore
{
    private const int MaxFileAttempts = 10;

    public async Task<(ReportRecord Report, bool Created)> FileReportAsync(ReportRecord candidate, CancellationToken ct)
    {
        var id = StorageIds.RequireObjectId(candidate.Id, nameof(candidate));
        var reporter = StorageIds.RequireObjectId(candidate.ReporterIds.Single(), nameof(candidate));
        var key = candidate.TargetKey;
        for (var attempt = 0; attempt < MaxFileAttempts; attempt++)
        {
            var open = await db.Reports.Find(new BsonDocument("openKey", key)).FirstOrDefaultAsync(ct).ConfigureAwait(false);
            if (open is not null)
            {
                if (open["reporterIds"].AsBsonArray.Contains(reporter))
                {
                    return (Map(open), false);
                }

                var joined = await db.Reports.FindOneAndUpdateAsync(
                    new BsonDocument { { "_id", open["_id"] }, { "openKey", key } },
                    new BsonDocument("$addToSet", new BsonDocument("reporterIds", reporter)),
                    new FindOneAndUpdateOptions<BsonDocument> { ReturnDocument = ReturnDocument.After },
                    ct).ConfigureAwait(false);
                if (joined is not null)
                {
                    return (Map(joined), false);
                }

                // Resolved meanwhile: this report opens a new one.
                continue;
            }

            var document = new BsonDocument
            {
                { "_id", id },
                { "openKey", key },
                { "open", true },
                { "targetType", candidate.TargetType },
                { "messageId", MongoBson.Oid(candidate.MessageId) },
                { "userId", StorageIds.RequireObjectId(candidate.UserId, nameof(candidate)) },
                { "conversationId", MongoBson.Text(candidate.ConversationId) },
                { "snapshot", candidate.Snapshot },
                { "reason", candidate.Reason },
                { "note", MongoBson.Text(candidate.Note) },
                { "reporterIds", new BsonArray { reporter } },
                { "createdAt", MongoBson.Time(candidate.CreatedAt) },
            };
            if (await MongoBson.InsertIfMissingAsync(db.Reports, document, ct).ConfigureAwait(false))
            {
                return (Map(document), true);
            }
        }

        throw new InvalidOperationException($"The report of {key} could neither be filed nor joined after {MaxFileAttempts} attempts.");
    }

    public async Task<ReportRecord?> FindReportAsync(string id, CancellationToken ct)
    {
        if (!StorageIds.TryParse(id, out var oid))
        {
            return null;
        }

        var d = await db.Reports.Find(new BsonDocument("_id", oid)).FirstOrDefaultAsync(ct).ConfigureAwait(false);
        return d is null ? null : Map(d);
    }

    public async Task<IReadOnlyList<ReportRecord>> ListReportsAsync(bool open, string? beforeId, int limit, CancellationToken ct)
    {
        var filter = new BsonDocument("open", open);
        if (beforeId is not null && StorageIds.TryParse(beforeId, out var before))
        {
            filter["_id"] = new BsonDocument("$lt", before);
        }

        var documents = await db.Reports.Find(filter).Sort(new BsonDocument("_id", -1)).Limit(limit).ToListAsync(ct).ConfigureAwait(false);
        return documents.ConvertAll(Map);
    }

    public async Task<ReportRecord?> ResolveReportAsync(string id, ReportResolution resolution, CancellationToken ct)
    {
        if (!StorageIds.TryParse(id, out var oid))
        {
            return null;
        }

        var resolved = await db.Reports.FindOneAndUpdateAsync(
            new BsonDocument { { "_id", oid }, { "open", true } },
            new BsonDocument
            {
                {
                    "$set", new BsonDocument
                    {
                        { "open", false },
                        { "resolution", new BsonDocument
                            {
                                { "action", resolution.Action },
                                { "note", MongoBson.Text(resolution.Note) },
                                { "actorId", StorageIds.RequireObjectId(resolution.ActorId, nameof(resolution)) },
                                { "at", MongoBson.Time(resolution.At) },
                            }
                        },
                    }
                },
                { "$unset", new BsonDocument("openKey", "") },
            },
            new FindOneAndUpdateOptions<BsonDocument> { ReturnDocument = ReturnDocument.After },
            ct).ConfigureAwait(false);
        return resolved is null ? null : Map(resolved);
    }

    public async Task SetSuspensionAsync(SuspensionRecord suspension, CancellationToken ct)
    {
        var user = StorageIds.RequireObjectId(suspension.UserId, nameof(suspension));
        var document = new BsonDocument
        {
            { "_id", user },
            { "until", MongoBson.Time(suspension.Until) },
            { "reason", suspension.Reason },
            { "actorId", StorageIds.RequireObjectId(suspension.ActorId, nameof(suspension)) },
            { "at", MongoBson.Time(suspension.At) },
        };
        await MongoBson.RetryOnDuplicateKeyAsync(() => db.Suspensions.ReplaceOneAsync(
            new BsonDocument("_id", user), document, new ReplaceOptions { IsUpsert = true }, ct)).ConfigureAwait(false);
    }

    public async Task<bool> ClearSuspensionAsync(string userId, CancellationToken ct) =>
        StorageIds.TryParse(userId, out var user)
        && (await db.Suspensions.DeleteOneAsync(new BsonDocument("_id", user), ct).ConfigureAwait(false)).DeletedCount == 1;

    public async Task<SuspensionRecord?> FindSuspensionAsync(string userId, CancellationToken ct)
    {
        if (!StorageIds.TryParse(userId, out var user))
        {
            return null;
        }

        var d = await db.Suspensions.Find(new BsonDocument("_id", user)).FirstOrDefaultAsync(ct).ConfigureAwait(false);
        return d is null ? null : MapSuspension(d);
    }

    public async Task<IReadOnlyList<SuspensionRecord>> ListSuspensionsAsync(DateTimeOffset now, int limit, CancellationToken ct)
    {
        var filter = new BsonDocument("$or", new BsonArray
        {
            new BsonDocument("until", BsonNull.Value),
            new BsonDocument("until", new BsonDocument("$gt", MongoBson.Time(now))),
        });
        var documents = await db.Suspensions.Find(filter).Limit(limit).ToListAsync(ct).ConfigureAwait(false);
        return documents.ConvertAll(MapSuspension);
    }

    public async Task SetRoleAsync(string userId, string role, CancellationToken ct)
    {
        var user = StorageIds.RequireObjectId(userId);
        await MongoBson.RetryOnDuplicateKeyAsync(() => db.Roles.ReplaceOneAsync(
            new BsonDocument("_id", user), new BsonDocument { { "_id", user }, { "role", role } }, new ReplaceOptions { IsUpsert = true }, ct)).ConfigureAwait(false);
    }

    public async Task<string?> FindRoleAsync(string userId, CancellationToken ct)
    {
        if (!StorageIds.TryParse(userId, out var user))
        {
            return null;
        }

        var d = await db.Roles.Find(new BsonDocument("_id", user)).FirstOrDefaultAsync(ct).ConfigureAwait(false);
        return d?.GetStringOrNull("role");
    }

    public Task AppendAuditAsync(AuditRecord entry, CancellationToken ct) =>
        db.AuditLog.InsertOneAsync(new BsonDocument
        {
            { "_id", StorageIds.RequireObjectId(entry.Id, nameof(entry)) },
            { "actorId", entry.ActorId },
            { "action", entry.Action },
            { "targetType", entry.TargetType },
            { "targetId", entry.TargetId },
            { "note", MongoBson.Text(entry.Note) },
            { "at", MongoBson.Time(entry.At) },
        }, cancellationToken: ct);

    public async Task<IReadOnlyList<AuditRecord>> ListAuditAsync(string? beforeId, int limit, CancellationToken ct)
    {
        var filter = new BsonDocument();
        if (beforeId is not null && StorageIds.TryParse(beforeId, out var before))
        {
            filter["_id"] = new BsonDocument("$lt", before);
        }

        var documents = await db.AuditLog.Find(filter).Sort(new BsonDocument("_id", -1)).Limit(limit).ToListAsync(ct).ConfigureAwait(false);
        return documents.ConvertAll(d => new AuditRecord(
            d.GetId("_id"), d["actorId"].AsString, d["action"].AsString, d["targetType"].AsString, d["targetId"].AsString, d.GetStringOrNull("note"), d.GetTime("at")));
    }

    private static ReportRecord Map(BsonDocument d)
    {
        var resolution = d.TryGetValue("resolution", out var r) && r.IsBsonDocument ? r.AsBsonDocument : null;
        return new ReportRecord(
            d.GetId("_id"),
            d["targetType"].AsString,
            d.GetIdOrNull("messageId"),
            d.GetId("userId"),
            d.GetStringOrNull("conversationId"),
            d["snapshot"].AsString,
            d["reason"].AsString,
            d.GetStringOrNull("note"),
            d.GetIds("reporterIds"),
            d.GetTime("createdAt"),
            resolution is null ? null : new ReportResolution(resolution["action"].AsString, resolution.GetStringOrNull("note"), resolution.GetId("actorId"), resolution.GetTime("at")));
    }

    private static SuspensionRecord MapSuspension(BsonDocument d) =>
        new(d.GetId("_id"), d.GetTimeOrNull("until"), d["reason"].AsString, d.GetId("actorId"), d.GetTime("at"));
}
