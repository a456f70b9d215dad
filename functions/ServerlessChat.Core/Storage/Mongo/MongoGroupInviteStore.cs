using MongoDB.Bson;
using MongoDB.Driver;
using ServerlessChat.Core.Domain;

namespace ServerlessChat.Core.Storage.Mongo;

/// <summary>
/// Invite links in <c>invites</c>, one document per token (<c>_id</c>), found per group by {groupId, createdAt}.
/// <c>remaining</c> holds the uses left of a limited invite (null for unlimited), so a use is one conditional
/// $inc that matches only while one is left: concurrent uses never pass the limit. The live cap is a list of
/// places per group in <c>inviteSlots</c> (<c>_id</c> the group id): an invite takes its place by one conditional
/// $push that matches only while a place is free, so concurrent creations never pass the cap; the places of
/// invites that are no longer live (expired, used up, revoked) are given back first.
/// </summary>
internal sealed class MongoGroupInviteStore(MongoChatDatabase db) : IGroupInviteStore
{
    public async Task<bool> CreateAsync(GroupInviteRecord invite, int maxLive, DateTimeOffset now, CancellationToken ct)
    {
        var groupId = StorageIds.RequireObjectId(invite.GroupId, nameof(invite));
        var key = groupId.ToString();
        var slots = await db.InviteSlots.Find(new BsonDocument("_id", key)).FirstOrDefaultAsync(ct).ConfigureAwait(false);
        if (slots is null)
        {
            await MongoBson.InsertIfMissingAsync(db.InviteSlots, new BsonDocument { { "_id", key }, { "tokens", new BsonArray() } }, ct).ConfigureAwait(false);
        }
        else if (slots["tokens"].AsBsonArray.Count >= maxLive)
        {
            // Only invites that exist and are no longer live give their place back: one still being created
            // (its place taken, its document not yet written) keeps it.
            var dead = (await ListAsync(key, ct).ConfigureAwait(false)).Where(i => !i.IsLive(now)).Select(i => (BsonValue)i.Token).ToList();
            if (dead.Count > 0)
            {
                await db.InviteSlots.UpdateOneAsync(new BsonDocument("_id", key),
                    new BsonDocument("$pull", new BsonDocument("tokens", new BsonDocument("$in", new BsonArray(dead)))), cancellationToken: ct).ConfigureAwait(false);
            }
        }

        var taken = await db.InviteSlots.UpdateOneAsync(
            new BsonDocument { { "_id", key }, { $"tokens.{maxLive - 1}", new BsonDocument("$exists", false) } },
            new BsonDocument("$push", new BsonDocument("tokens", invite.Token)), cancellationToken: ct).ConfigureAwait(false);
        if (taken.MatchedCount == 0)
        {
            return false;
        }

        var document = new BsonDocument
        {
            { "_id", invite.Token },
            { "groupId", groupId },
            { "createdBy", StorageIds.RequireObjectId(invite.CreatedBy, nameof(invite)) },
            { "createdAt", MongoBson.Time(invite.CreatedAt) },
            { "expiresAt", MongoBson.Time(invite.ExpiresAt) },
            { "maxUses", invite.MaxUses is { } max ? max : BsonNull.Value },
            { "remaining", invite.MaxUses is { } limit ? limit - invite.Uses : BsonNull.Value },
            { "uses", invite.Uses },
            { "revoked", invite.Revoked },
        };
        try
        {
            await db.Invites.InsertOneAsync(document, cancellationToken: ct).ConfigureAwait(false);
        }
        catch
        {
            await FreeAsync(key, invite.Token, CancellationToken.None).ConfigureAwait(false);
            throw;
        }
        return true;
    }

    private Task FreeAsync(string groupId, string token, CancellationToken ct) =>
        db.InviteSlots.UpdateOneAsync(new BsonDocument("_id", groupId), new BsonDocument("$pull", new BsonDocument("tokens", token)), cancellationToken: ct);

    public async Task<GroupInviteRecord?> FindAsync(string token, CancellationToken ct)
    {
        var document = await db.Invites.Find(new BsonDocument("_id", token)).FirstOrDefaultAsync(ct).ConfigureAwait(false);
        return document is null ? null : Map(document);
    }

    public async Task<IReadOnlyList<GroupInviteRecord>> ListAsync(string groupId, CancellationToken ct)
    {
        if (!StorageIds.TryParse(groupId, out var id))
        {
            return [];
        }
        var documents = await db.Invites.Find(new BsonDocument("groupId", id)).Sort(new BsonDocument { { "createdAt", 1 }, { "_id", 1 } }).ToListAsync(ct).ConfigureAwait(false);
        return documents.ConvertAll(Map);
    }

    public async Task<bool> RevokeAsync(string groupId, string token, CancellationToken ct)
    {
        if (!StorageIds.TryParse(groupId, out var id))
        {
            return false;
        }
        var result = await db.Invites.UpdateOneAsync(new BsonDocument { { "_id", token }, { "groupId", id } },
            new BsonDocument("$set", new BsonDocument("revoked", true)), cancellationToken: ct).ConfigureAwait(false);
        if (result.MatchedCount == 0)
        {
            return false;
        }
        await FreeAsync(id.ToString(), token, ct).ConfigureAwait(false);
        return true;
    }

    public async Task<bool> UseAsync(string token, DateTimeOffset now, CancellationToken ct)
    {
        var invite = await FindAsync(token, ct).ConfigureAwait(false);
        if (invite is null || !invite.IsLive(now))
        {
            return false;
        }
        var filter = new BsonDocument
        {
            { "_id", token },
            { "revoked", false },
            { "$or", new BsonArray { new BsonDocument("expiresAt", BsonNull.Value), new BsonDocument("expiresAt", new BsonDocument("$gt", MongoBson.Time(now))) } },
        };
        var update = new BsonDocument("$inc", new BsonDocument("uses", 1));
        if (invite.MaxUses is not null)
        {
            filter.Add("remaining", new BsonDocument("$gt", 0));
            update["$inc"].AsBsonDocument.Add("remaining", -1);
        }
        var result = await db.Invites.UpdateOneAsync(filter, update, cancellationToken: ct).ConfigureAwait(false);
        return result.ModifiedCount == 1;
    }

    public async Task ReleaseAsync(string token, CancellationToken ct)
    {
        var invite = await FindAsync(token, ct).ConfigureAwait(false);
        if (invite is null)
        {
            return;
        }
        var update = new BsonDocument("$inc", invite.MaxUses is null ? new BsonDocument("uses", -1) : new BsonDocument { { "uses", -1 }, { "remaining", 1 } });
        await db.Invites.UpdateOneAsync(new BsonDocument { { "_id", token }, { "uses", new BsonDocument("$gt", 0) } }, update, cancellationToken: ct).ConfigureAwait(false);
    }

    private static GroupInviteRecord Map(BsonDocument d) => new(
        d["_id"].AsString,
        d.GetId("groupId"),
        d.GetId("createdBy"),
        d.GetTime("createdAt"),
        d.GetTimeOrNull("expiresAt"),
        d["maxUses"].IsBsonNull ? null : d["maxUses"].ToInt32(),
        d["uses"].ToInt32(),
        d["revoked"].AsBoolean);
}
