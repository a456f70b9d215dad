using MongoDB.Bson;
using MongoDB.Driver;
using ServerlessChat.Core.Domain;
using ServerlessChat.Core.Realtime;

namespace ServerlessChat.Core.Storage.Mongo;

internal sealed class MongoGroupStore(MongoChatDatabase db, MongoChangeLog changes) : IGroupStore
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
        await db.Groups.InsertOneAsync(document, cancellationToken: ct).ConfigureAwait(false);
        return await changes.AppendAsync(ConversationIds.Group(group.Id), ChatHub.GroupUpdated, group.Id, ct).ConfigureAwait(false);
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
        var document = await db.Groups.FindOneAndUpdateAsync(filter, update, ReturnAfter, ct).ConfigureAwait(false);
        if (document is null)
        {
            return null;
        }
        var group = Map(document);
        return new(group, await changes.AppendAsync(ConversationIds.Group(group.Id), ChatHub.GroupUpdated, group.Id, ct).ConfigureAwait(false));
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
