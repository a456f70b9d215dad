using MongoDB.Bson;
using MongoDB.Driver;
using ServerlessChat.Core.Domain;
using ServerlessChat.Core.Realtime;

namespace ServerlessChat.Core.Storage.Mongo;

internal sealed class MongoGroupStore(MongoChatDatabase db, MongoChangeLog changes, MongoThrottlingPolicy policy) : IGroupStore
{
    private static readonly FindOneAndUpdateOptions<BsonDocument> ReturnAfter = new() { ReturnDocument = ReturnDocument.After };

    public async Task<ChangeRecord> CreateAsync(GroupRecord group, CancellationToken ct)
    {
        var (members, admins) = StorageGuards.Membership(group.Members, group.Admins);
        var document = new BsonDocument
        {
            { "_id", StorageIds.RequireObjectId(group.Id, nameof(group)) },
            { "name", group.Name },
            { "members", MongoBson.Oids(members) },
            { "admins", MongoBson.Oids(admins) },
            { "createdBy", StorageIds.RequireObjectId(group.CreatedBy, nameof(group)) },
            { "createdAt", MongoBson.Time(group.CreatedAt) },
            { "updatedAt", MongoBson.Time(group.UpdatedAt) },
            { "version", group.Version },
        };
        var (_, change) = await changes.RecordAsync(ConversationIds.Group(group.Id), ChatHub.GroupUpdated, group.Id, async () =>
        {
            // A duplicate is this very group, stored by an attempt that reported an error after all.
            await policy.ExecuteAsync(() => MongoBson.InsertIfMissingAsync(db.Groups, document, ct), ct).ConfigureAwait(false);
            return (true, true);
        }, ct).ConfigureAwait(false);
        return change!;
    }

    public async Task<GroupRecord?> FindByIdAsync(string id, CancellationToken ct)
    {
        if (!StorageIds.TryParse(id, out var objectId))
        {
            return null;
        }
        var document = await db.Groups.Find(new BsonDocument("_id", objectId)).FirstOrDefaultAsync(ct).ConfigureAwait(false);
        return document is null ? null : Map(document);
    }

    public async Task<IReadOnlyList<GroupRecord>> ListForMemberAsync(string userId, CancellationToken ct)
    {
        if (!StorageIds.TryParse(userId, out var user))
        {
            return [];
        }
        var documents = await db.Groups.Find(new BsonDocument("members", user)).Sort(new BsonDocument("_id", 1)).ToListAsync(ct).ConfigureAwait(false);
        return documents.ConvertAll(Map);
    }

    public async Task<Changed<GroupRecord>?> UpdateMembersAsync(
        string id, long expectedVersion, IReadOnlyList<string> members, IReadOnlyList<string> admins, DateTimeOffset at, CancellationToken ct)
    {
        if (!StorageIds.TryParse(id, out var objectId))
        {
            return null;
        }
        var (memberIds, adminIds) = StorageGuards.Membership(members, admins);
        var filter = new BsonDocument { { "_id", objectId }, { "version", expectedVersion } };
        var update = new BsonDocument
        {
            { "$set", new BsonDocument { { "members", MongoBson.Oids(memberIds) }, { "admins", MongoBson.Oids(adminIds) }, { "updatedAt", MongoBson.Time(at) } } },
            { "$inc", new BsonDocument("version", 1L) },
        };
        // A stale version is the usual conflict: found by one read, without taking a change number.
        var current = await policy.ExecuteAsync(() => db.Groups.CountDocumentsAsync(filter, new CountOptions { Limit = 1 }, ct), ct).ConfigureAwait(false);
        if (current == 0)
        {
            return null;
        }
        var (document, change) = await changes.RecordAsync(ConversationIds.Group(objectId.ToString()), ChatHub.GroupUpdated, objectId.ToString(), async () =>
        {
            var updated = await policy.ExecuteAsync(() => db.Groups.FindOneAndUpdateAsync(filter, update, ReturnAfter, ct), ct).ConfigureAwait(false);
            return (updated, updated is not null);
        }, ct).ConfigureAwait(false);
        return document is null ? null : new(Map(document), change!);
    }

    private static GroupRecord Map(BsonDocument d) => new(
        d.GetId("_id"),
        d["name"].AsString,
        d.GetIds("members"),
        d.GetIds("admins"),
        d.GetId("createdBy"),
        d.GetTime("createdAt"),
        d.GetTime("updatedAt"),
        d["version"].ToInt64());
}
