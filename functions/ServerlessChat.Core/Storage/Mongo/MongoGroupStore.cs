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
            { "description", group.Description },
            { "frozen", group.Frozen },
            { "muted", Muted(group.MutedMembers) },
            { "avatarId", Avatar(group.AvatarId) },
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
        return await UpdateVersionedAsync(objectId, expectedVersion,
            new BsonDocument { { "members", MongoBson.Oids(memberIds) }, { "admins", MongoBson.Oids(adminIds) }, { "updatedAt", MongoBson.Time(at) } }, ct).ConfigureAwait(false);
    }

    public async Task<Changed<GroupRecord>?> UpdateAsync(GroupRecord group, long expectedVersion, DateTimeOffset at, CancellationToken ct)
    {
        if (!StorageIds.TryParse(group.Id, out var objectId))
        {
            return null;
        }
        var (memberIds, adminIds) = StorageGuards.Membership(group.Members, group.Admins);
        var set = new BsonDocument
        {
            { "name", group.Name }, { "description", group.Description }, { "frozen", group.Frozen }, { "muted", Muted(group.MutedMembers) },
            { "avatarId", Avatar(group.AvatarId) },
            { "members", MongoBson.Oids(memberIds) }, { "admins", MongoBson.Oids(adminIds) }, { "updatedAt", MongoBson.Time(at) },
        };
        return await UpdateVersionedAsync(objectId, expectedVersion, set, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Sets fields of a group whose version is still <paramref name="expectedVersion"/>, moving the version on and
    /// recording <c>groupUpdated</c>; null when the version moved (or the group is gone).
    /// </summary>
    private async Task<Changed<GroupRecord>?> UpdateVersionedAsync(ObjectId objectId, long expectedVersion, BsonDocument set, CancellationToken ct)
    {
        var filter = new BsonDocument { { "_id", objectId }, { "version", expectedVersion } };
        var update = new BsonDocument { { "$set", set }, { "$inc", new BsonDocument("version", 1L) } };
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

    public async Task<(JoinOutcome Outcome, Changed<GroupRecord>? Group)> AddMemberAsync(string id, string userId, int maxMembers, DateTimeOffset at, CancellationToken ct)
    {
        if (!StorageIds.TryParse(id, out var objectId))
        {
            return (JoinOutcome.NoGroup, null);
        }
        var user = StorageIds.RequireObjectId(userId, nameof(userId));
        // The usual refusals are answered by a read, without taking a change number.
        if (Classify(await FindDocumentAsync(objectId, ct).ConfigureAwait(false), user, maxMembers) is { } early)
        {
            return (early, null);
        }

        // One pipeline update ($set only: DocumentDB duplicates arrays that one update both $sets and adds to)
        // matching only while the user is no member and the cap has room: concurrent joins never pass the cap.
        var filter = new BsonDocument
        {
            { "_id", objectId },
            { "members", new BsonDocument("$ne", user) },
            { $"members.{maxMembers - 1}", new BsonDocument("$exists", false) },
        };
        var stage = new BsonDocument("$set", new BsonDocument
        {
            { "members", new BsonDocument("$concatArrays", new BsonArray { "$members", new BsonArray { user } }) },
            { "version", new BsonDocument("$add", new BsonArray { "$version", 1L }) },
            { "updatedAt", MongoBson.Time(at) },
        });
        var update = new PipelineUpdateDefinition<BsonDocument>(PipelineDefinition<BsonDocument, BsonDocument>.Create(stage));
        var ((outcome, document), change) = await changes.RecordAsync(ConversationIds.Group(objectId.ToString()), ChatHub.GroupUpdated, objectId.ToString(), async () =>
        {
            var updated = await policy.ExecuteAsync(() => db.Groups.FindOneAndUpdateAsync(filter, update, ReturnAfter, ct), ct).ConfigureAwait(false);
            if (updated is not null)
            {
                return ((JoinOutcome.Joined, updated), true);
            }
            // Refused: someone else's join took the last place, or this user's other join got there first.
            var found = await FindDocumentAsync(objectId, ct).ConfigureAwait(false);
            return ((Classify(found, user, maxMembers) ?? JoinOutcome.Full, (BsonDocument?)null), false);
        }, ct).ConfigureAwait(false);
        return (outcome, document is null ? null : new(Map(document), change!));
    }

    private Task<BsonDocument?> FindDocumentAsync(ObjectId id, CancellationToken ct) =>
        policy.ExecuteAsync(async () => (BsonDocument?)await db.Groups.Find(new BsonDocument("_id", id)).FirstOrDefaultAsync(ct).ConfigureAwait(false), ct);

    /// <summary>Why the user cannot join, or null when a join would apply.</summary>
    private static JoinOutcome? Classify(BsonDocument? group, ObjectId user, int maxMembers)
    {
        if (group is null)
        {
            return JoinOutcome.NoGroup;
        }
        var members = group["members"].AsBsonArray;
        return members.Contains(user) ? JoinOutcome.AlreadyMember : members.Count >= maxMembers ? JoinOutcome.Full : null;
    }

    private static BsonArray Muted(IReadOnlyList<MutedMember> muted) =>
        new(muted.Select(m => new BsonDocument { { "userId", StorageIds.RequireObjectId(m.UserId, nameof(muted)) }, { "until", MongoBson.Time(m.Until) } }));

    private static GroupRecord Map(BsonDocument d) => new(
        d.GetId("_id"),
        d["name"].AsString,
        d.GetIds("members"),
        d.GetIds("admins"),
        d.GetId("createdBy"),
        d.GetTime("createdAt"),
        d.GetTime("updatedAt"),
        d["version"].ToInt64(),
        d.GetStringOrNull("description") ?? "",
        d.TryGetValue("frozen", out var frozen) && frozen.IsBoolean && frozen.AsBoolean,
        d.TryGetValue("muted", out var muted) && muted.IsBsonArray
            ? muted.AsBsonArray.Select(m => m.AsBsonDocument).Select(m => new MutedMember(m.GetId("userId"), m.GetTimeOrNull("until"))).ToList()
            : [])
    {
        AvatarId = d.GetStringOrNull("avatarId"),
    };

    private static BsonValue Avatar(string? avatarId) => avatarId is null ? BsonNull.Value : new BsonString(avatarId);
}
