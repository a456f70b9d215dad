using MongoDB.Bson;
using MongoDB.Driver;
using ServerlessChat.Core.Domain;

namespace ServerlessChat.Core.Storage.Mongo;

internal sealed class MongoUserStore(MongoChatDatabase db) : IUserStore
{
    public async Task<CreateUserOutcome> CreateAsync(UserRecord user, CancellationToken ct)
    {
        var document = new BsonDocument
        {
            { "_id", StorageIds.RequireObjectId(user.Id, nameof(user)) },
            { "username", user.Username },
            { "usernameLower", user.Username.ToLowerInvariant() },
            { "email", user.Email },
            { "emailLower", user.Email.ToLowerInvariant() },
            { "displayName", user.DisplayName },
            { "displayNameLower", user.DisplayName.ToLowerInvariant() },
            { "passwordHash", user.PasswordHash },
            { "createdAt", MongoBson.Time(user.CreatedAt) },
            { "updatedAt", MongoBson.Time(user.UpdatedAt) },
            { "isAssistant", user.IsAssistant },
        };
        if (user.GroupAdds is { } groupAdds)
        {
            document.Add("groupAdds", GroupAddsName(groupAdds));
        }
        if (user.ExternalId is { } externalId)
        {
            // Cosmos DB vCore answers concurrent inserts of one key with a write conflict, which the throttling
            // proxy answers by running this method again: this lookup is what then ends it.
            if (await FindByExternalIdAsync(externalId, ct).ConfigureAwait(false) is not null)
            {
                return CreateUserOutcome.ExternalIdTaken;
            }
            // Absent, not null, on other users: the unique index is sparse.
            document.Add("externalId", externalId);
        }
        try
        {
            await db.Users.InsertOneAsync(document, cancellationToken: ct).ConfigureAwait(false);
            return CreateUserOutcome.Created;
        }
        catch (MongoWriteException ex) when (MongoBson.IsDuplicateKey(ex))
        {
            // MongoDB names the index ("index: emailLower_1 dup key: ..."); values are lowercase, so the
            // camel-case field names cannot come from them. Cosmos DB does not name it: then look. When both are
            // taken the username wins, whichever index the server checked first.
            // The external id wins over the others: its caller then finds the user that has it.
            if (user.ExternalId is not null && await FindByExternalIdAsync(user.ExternalId, ct).ConfigureAwait(false) is not null)
            {
                return CreateUserOutcome.ExternalIdTaken;
            }
            var message = ex.WriteError.Message ?? "";
            if (message.Contains("usernameLower", StringComparison.Ordinal))
            {
                return CreateUserOutcome.UsernameTaken;
            }
            if (await FindByUsernameAsync(user.Username, ct).ConfigureAwait(false) is not null)
            {
                return CreateUserOutcome.UsernameTaken;
            }
            if (message.Contains("emailLower", StringComparison.Ordinal))
            {
                return CreateUserOutcome.EmailTaken;
            }
            if (await FindByEmailAsync(user.Email, ct).ConfigureAwait(false) is not null)
            {
                return CreateUserOutcome.EmailTaken;
            }
            throw;
        }
    }

    public async Task<UserRecord?> FindByIdAsync(string id, CancellationToken ct)
    {
        if (!StorageIds.TryParse(id, out var objectId))
        {
            return null;
        }
        var document = await db.Users.Find(new BsonDocument("_id", objectId)).FirstOrDefaultAsync(ct).ConfigureAwait(false);
        return document is null ? null : Map(document);
    }

    public async Task<IReadOnlyList<UserRecord>> FindByIdsAsync(IReadOnlyCollection<string> ids, CancellationToken ct)
    {
        var valid = StorageIds.NormalizeAll(ids);
        if (valid.Count == 0)
        {
            return [];
        }
        var filter = new BsonDocument("_id", new BsonDocument("$in", MongoBson.Oids(valid)));
        var documents = await db.Users.Find(filter).ToListAsync(ct).ConfigureAwait(false);
        return documents.ConvertAll(Map);
    }

    public Task<UserRecord?> FindByUsernameAsync(string username, CancellationToken ct) =>
        FindOneAsync(new BsonDocument("usernameLower", username.ToLowerInvariant()), ct);

    public Task<UserRecord?> FindByEmailAsync(string email, CancellationToken ct) =>
        FindOneAsync(new BsonDocument("emailLower", email.ToLowerInvariant()), ct);

    public Task<UserRecord?> FindByExternalIdAsync(string externalId, CancellationToken ct) =>
        FindOneAsync(new BsonDocument("externalId", externalId), ct);

    public async Task<UpdateUserOutcome> UpdateAccountAsync(string id, UserAccountChange change, DateTimeOffset at, CancellationToken ct)
    {
        if (!StorageIds.TryParse(id, out var objectId))
        {
            return UpdateUserOutcome.NotFound;
        }
        // Cosmos DB vCore answers concurrent writes of one unique value with a write conflict, which the throttling
        // proxy answers by running this method again: these lookups are what then end it.
        if (change.Username is not null && await FindByUsernameAsync(change.Username, ct).ConfigureAwait(false) is { } named && named.Id != id)
        {
            return UpdateUserOutcome.UsernameTaken;
        }
        if (change.Email is not null && await FindByEmailAsync(change.Email, ct).ConfigureAwait(false) is { } addressed && addressed.Id != id)
        {
            return UpdateUserOutcome.EmailTaken;
        }
        var set = new BsonDocument("updatedAt", MongoBson.Time(at));
        if (change.Username is { } username)
        {
            set.Add("username", username).Add("usernameLower", username.ToLowerInvariant());
        }
        if (change.DisplayName is { } displayName)
        {
            set.Add("displayName", displayName).Add("displayNameLower", displayName.ToLowerInvariant());
        }
        if (change.Email is { } email)
        {
            set.Add("email", email).Add("emailLower", email.ToLowerInvariant());
        }
        try
        {
            var result = await db.Users.UpdateOneAsync(new BsonDocument("_id", objectId), new BsonDocument("$set", set), cancellationToken: ct).ConfigureAwait(false);
            return result.MatchedCount == 1 ? UpdateUserOutcome.Updated : UpdateUserOutcome.NotFound;
        }
        catch (MongoWriteException ex) when (MongoBson.IsDuplicateKey(ex))
        {
            // As in CreateAsync: the index is named by MongoDB, not by every server; then look who holds the value.
            var message = ex.WriteError.Message ?? "";
            if (change.Username is not null && (message.Contains("usernameLower", StringComparison.Ordinal)
                || await FindByUsernameAsync(change.Username, ct).ConfigureAwait(false) is { } holder && holder.Id != id))
            {
                return UpdateUserOutcome.UsernameTaken;
            }
            if (change.Email is not null)
            {
                return UpdateUserOutcome.EmailTaken;
            }
            throw;
        }
    }

    public async Task<IReadOnlyList<UserRecord>> SearchByPrefixAsync(string prefix, int limit, CancellationToken ct)
    {
        if (limit <= 0)
        {
            return [];
        }
        // A range on each index, never a regex built from user input: the prefix is matched literally.
        var low = prefix.ToLowerInvariant();
        var range = new BsonDocument { { "$gte", low }, { "$lt", StorageIds.PrefixUpperBound(low) } };
        var notErased = new BsonDocument("$exists", false);
        var byUsername = await db.Users.Find(new BsonDocument { { "usernameLower", range }, { "erasureRequestedAt", notErased } })
            .Sort(new BsonDocument("usernameLower", 1)).Limit(limit).ToListAsync(ct).ConfigureAwait(false);
        var byDisplayName = await db.Users.Find(new BsonDocument { { "displayNameLower", range }, { "erasureRequestedAt", notErased } })
            .Sort(new BsonDocument("displayNameLower", 1)).Limit(limit).ToListAsync(ct).ConfigureAwait(false);
        return byUsername.Concat(byDisplayName)
            .DistinctBy(d => d["_id"].AsObjectId)
            .OrderBy(d => d["usernameLower"].AsString, StringComparer.Ordinal)
            .Take(limit)
            .Select(Map)
            .ToList();
    }

    public async Task UpdatePasswordAsync(string id, string passwordHash, DateTimeOffset at, CancellationToken ct)
    {
        if (!StorageIds.TryParse(id, out var objectId))
        {
            return;
        }
        var update = new BsonDocument("$set", new BsonDocument { { "passwordHash", passwordHash }, { "updatedAt", MongoBson.Time(at) } });
        await db.Users.UpdateOneAsync(new BsonDocument("_id", objectId), update, cancellationToken: ct).ConfigureAwait(false);
    }

    public async Task<bool> SetGroupAddsAsync(string id, GroupAdds groupAdds, DateTimeOffset at, CancellationToken ct)
    {
        if (!StorageIds.TryParse(id, out var objectId))
        {
            return false;
        }
        var update = new BsonDocument("$set", new BsonDocument { { "groupAdds", GroupAddsName(groupAdds) }, { "updatedAt", MongoBson.Time(at) } });
        var result = await db.Users.UpdateOneAsync(new BsonDocument("_id", objectId), update, cancellationToken: ct).ConfigureAwait(false);
        return result.MatchedCount == 1;
    }

    public async Task<bool> BeginErasureAsync(string id, DateTimeOffset at, CancellationToken ct)
    {
        if (!StorageIds.TryParse(id, out var objectId))
        {
            return false;
        }
        // Two steps, each idempotent: the first request's time stays, and "erasing" is set only while not erased.
        var result = await db.Users.UpdateOneAsync(
            new BsonDocument { { "_id", objectId }, { "erasureRequestedAt", new BsonDocument("$exists", false) } },
            new BsonDocument("$set", new BsonDocument { { "erasureRequestedAt", MongoBson.Time(at) }, { "erasing", true } }),
            cancellationToken: ct).ConfigureAwait(false);
        if (result.MatchedCount == 1)
        {
            return true;
        }
        return await db.Users.Find(new BsonDocument("_id", objectId)).Limit(1).CountDocumentsAsync(ct).ConfigureAwait(false) == 1;
    }

    public async Task<ProfileUpdate?> UpdateProfileAsync(string id, ProfileChange change, DateTimeOffset at, CancellationToken ct)
    {
        if (!StorageIds.TryParse(id, out var objectId))
        {
            return null;
        }
        var set = new BsonDocument("updatedAt", MongoBson.Time(at));
        if (change.DisplayName is { } displayName)
        {
            set.Add("displayName", displayName).Add("displayNameLower", displayName.ToLowerInvariant());
        }
        var update = new BsonDocument();
        if (change.SetStatus && change.Status is { } status)
        {
            var document = new BsonDocument("text", status.Text);
            if (status.Emoji is { } emoji)
            {
                document.Add("emoji", emoji);
            }
            if (status.ExpiresAt is { } expiresAt)
            {
                document.Add("expiresAt", MongoBson.Time(expiresAt));
            }
            set.Add("status", document);
        }
        else if (change.SetStatus)
        {
            update.Add("$unset", new BsonDocument("status", ""));
        }
        if (change.SetAvatar)
        {
            set.Add("avatarId", change.AvatarId is { } avatarId ? new BsonString(avatarId) : BsonNull.Value);
        }
        update.Add("$set", set);
        // The document as this one atomic update found it: of concurrent changes, each sees the one before it.
        var before = await db.Users.FindOneAndUpdateAsync(
            new BsonDocument { { "_id", objectId }, { "erasureRequestedAt", new BsonDocument("$exists", false) } },
            update,
            new FindOneAndUpdateOptions<BsonDocument> { ReturnDocument = ReturnDocument.Before },
            ct).ConfigureAwait(false);
        if (before is null)
        {
            return null;
        }
        var user = Map(before);
        return new ProfileUpdate(user, change.ApplyTo(user, at));
    }

    public async Task<IReadOnlyList<string>> ListErasingAsync(int limit, CancellationToken ct)
    {
        var documents = await db.Users.Find(new BsonDocument("erasing", true))
            .Sort(new BsonDocument("erasureRequestedAt", 1)).Limit(limit)
            .Project(new BsonDocument("_id", 1)).ToListAsync(ct).ConfigureAwait(false);
        return documents.ConvertAll(d => d.GetId("_id"));
    }

    public async Task CompleteErasureAsync(string id, DateTimeOffset at, CancellationToken ct)
    {
        if (!StorageIds.TryParse(id, out var objectId))
        {
            return;
        }
        var normalized = objectId.ToString();
        var username = UserRecord.ErasedUsername(normalized);
        var email = $"{normalized}@erased.invalid";
        var set = new BsonDocument
        {
            { "username", username },
            { "usernameLower", username },
            { "email", email },
            { "emailLower", email },
            { "displayName", UserRecord.ErasedDisplayName },
            { "displayNameLower", UserRecord.ErasedDisplayName.ToLowerInvariant() },
            { "passwordHash", "" },
            { "avatarId", BsonNull.Value },
            { "erased", true },
            { "updatedAt", MongoBson.Time(at) },
        };
        await db.Users.UpdateOneAsync(
            new BsonDocument { { "_id", objectId }, { "erased", new BsonDocument("$ne", true) } },
            new BsonDocument { { "$set", set }, { "$unset", new BsonDocument { { "erasing", "" }, { "externalId", "" } } } },
            cancellationToken: ct).ConfigureAwait(false);
        // An erasure completed without a request first (a direct call) still counts as requested.
        await db.Users.UpdateOneAsync(
            new BsonDocument { { "_id", objectId }, { "erasureRequestedAt", new BsonDocument("$exists", false) } },
            new BsonDocument("$set", new BsonDocument("erasureRequestedAt", MongoBson.Time(at))),
            cancellationToken: ct).ConfigureAwait(false);
    }

    // No field: the user never chose, and follows the operator's default.
    private static string GroupAddsName(GroupAdds groupAdds) => groupAdds == GroupAdds.Everyone ? "everyone" : "contacts";

    private async Task<UserRecord?> FindOneAsync(BsonDocument filter, CancellationToken ct)
    {
        var document = await db.Users.Find(filter).FirstOrDefaultAsync(ct).ConfigureAwait(false);
        return document is null ? null : Map(document);
    }

    private static UserRecord Map(BsonDocument d) => new(
        d.GetId("_id"),
        d["username"].AsString,
        d["email"].AsString,
        d["displayName"].AsString,
        d["passwordHash"].AsString,
        d.GetTime("createdAt"),
        d.GetTime("updatedAt"),
        d.TryGetValue("isAssistant", out var assistant) && assistant.IsBoolean && assistant.AsBoolean,
        d.TryGetValue("groupAdds", out var groupAdds) && groupAdds.IsString
            ? (groupAdds.AsString == "everyone" ? GroupAdds.Everyone : GroupAdds.Contacts)
            : null,
        d.TryGetValue("externalId", out var externalId) && externalId.IsString ? externalId.AsString : null)
    {
        ErasureRequestedAt = d.GetTimeOrNull("erasureRequestedAt"),
        Erased = d.TryGetValue("erased", out var erased) && erased.IsBoolean && erased.AsBoolean,
        Status = d.TryGetValue("status", out var status) && status.IsBsonDocument
            ? new UserStatus(status["text"].AsString, status.AsBsonDocument.GetStringOrNull("emoji"), status.AsBsonDocument.GetTimeOrNull("expiresAt"))
            : null,
        AvatarId = d.GetStringOrNull("avatarId"),
    };
}
