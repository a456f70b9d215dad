using Microsoft.Data.Sqlite;
using ServerlessChat.Core.Domain;

namespace ServerlessChat.Core.Storage.Sqlite;

internal sealed class SqliteUserStore(SqliteConnectionFactory factory, SqliteWriter writer) : IUserStore
{
    private const string Columns = "id, username, email, display_name, password_hash, created_at, updated_at, is_assistant, group_adds, erasure_requested_at, erased, status_text, status_emoji, status_expires_at, external_id, avatar_id";

    private const string InsertSql = """
        INSERT INTO users (id, username, username_lower, email, email_lower, display_name, display_name_lower,
                           password_hash, created_at, updated_at, is_assistant, group_adds, external_id)
        VALUES (@id, @username, @usernameLower, @email, @emailLower, @displayName, @displayNameLower,
                @passwordHash, @createdAt, @updatedAt, @isAssistant, @groupAdds, @externalId)
        """;

    // Each branch is a range on its own index, limited before the union; the range is compared as bytes, so
    // LIKE wildcards or regex characters in the prefix have no meaning here.
    private const string SearchSql = $"""
        SELECT {Columns} FROM users WHERE id IN (
            SELECT id FROM (SELECT id FROM users WHERE username_lower >= @low AND username_lower < @high
                            AND erasure_requested_at IS NULL ORDER BY username_lower LIMIT @limit)
            UNION
            SELECT id FROM (SELECT id FROM users WHERE display_name_lower >= @low AND display_name_lower < @high
                            AND erasure_requested_at IS NULL ORDER BY display_name_lower LIMIT @limit))
        ORDER BY username_lower
        LIMIT @limit
        """;

    // COALESCE keeps a column whose new value is NULL; one statement, so nothing is half changed.
    private const string UpdateAccountSql = """
        UPDATE users SET
            username = COALESCE(@username, username), username_lower = COALESCE(@usernameLower, username_lower),
            display_name = COALESCE(@displayName, display_name), display_name_lower = COALESCE(@displayNameLower, display_name_lower),
            email = COALESCE(@email, email), email_lower = COALESCE(@emailLower, email_lower),
            updated_at = @at
        WHERE id = @id
        """;

    public Task<CreateUserOutcome> CreateAsync(UserRecord user, CancellationToken ct)
    {
        var id = StorageIds.Require(user.Id, nameof(user));
        var usernameLower = user.Username.ToLowerInvariant();
        var emailLower = user.Email.ToLowerInvariant();
        return writer.ExecuteAsync(w =>
        {
            try
            {
                w.Execute(InsertSql, p => p
                    .Bind("@id", id)
                    .Bind("@username", user.Username)
                    .Bind("@usernameLower", usernameLower)
                    .Bind("@email", user.Email)
                    .Bind("@emailLower", emailLower)
                    .Bind("@displayName", user.DisplayName)
                    .Bind("@displayNameLower", user.DisplayName.ToLowerInvariant())
                    .Bind("@passwordHash", user.PasswordHash)
                    .BindTime("@createdAt", user.CreatedAt)
                    .BindTime("@updatedAt", user.UpdatedAt)
                    .Bind("@isAssistant", user.IsAssistant)
                    .Bind("@groupAdds", user.GroupAdds is { } groupAdds ? (long?)groupAdds : null)
                    .Bind("@externalId", user.ExternalId));
                return CreateUserOutcome.Created;
            }
            catch (SqliteException ex) when (ex.SqliteExtendedErrorCode == SQLitePCL.raw.SQLITE_CONSTRAINT_UNIQUE)
            {
                // The external id wins whichever index SQLite checked first: its caller then finds that user.
                if (user.ExternalId is not null && w.QuerySingle(
                    "SELECT 1 FROM users WHERE external_id = @externalId",
                    p => p.Bind("@externalId", user.ExternalId), _ => true))
                {
                    return CreateUserOutcome.ExternalIdTaken;
                }
                // SQLite names the column: "UNIQUE constraint failed: users.email_lower". An id collision is a bug.
                if (ex.Message.Contains("users.username_lower", StringComparison.Ordinal))
                {
                    return CreateUserOutcome.UsernameTaken;
                }
                if (!ex.Message.Contains("users.email_lower", StringComparison.Ordinal))
                {
                    throw;
                }
                // When both are taken the username wins, whichever index SQLite happened to check first.
                var usernameTaken = w.QuerySingle(
                    "SELECT 1 FROM users WHERE username_lower = @usernameLower",
                    p => p.Bind("@usernameLower", usernameLower), _ => true);
                return usernameTaken ? CreateUserOutcome.UsernameTaken : CreateUserOutcome.EmailTaken;
            }
        }, ct);
    }

    public Task<UserRecord?> FindByIdAsync(string id, CancellationToken ct) =>
        StorageIds.TryNormalize(id, out var normalized)
            ? factory.QuerySingleAsync($"SELECT {Columns} FROM users WHERE id = @id", p => p.Bind("@id", normalized), Map, ct)
            : Task.FromResult<UserRecord?>(null);

    public async Task<IReadOnlyList<UserRecord>> FindByIdsAsync(IReadOnlyCollection<string> ids, CancellationToken ct)
    {
        var normalized = StorageIds.NormalizeAll(ids);
        if (normalized.Count == 0)
        {
            return [];
        }
        return await factory.QueryAsync(
            $"SELECT {Columns} FROM users WHERE id IN (SELECT value FROM json_each(@ids))",
            p => p.BindList("@ids", normalized), Map, ct).ConfigureAwait(false);
    }

    public Task<UserRecord?> FindByUsernameAsync(string username, CancellationToken ct) =>
        factory.QuerySingleAsync(
            $"SELECT {Columns} FROM users WHERE username_lower = @username",
            p => p.Bind("@username", username.ToLowerInvariant()), Map, ct);

    public Task<UserRecord?> FindByEmailAsync(string email, CancellationToken ct) =>
        factory.QuerySingleAsync(
            $"SELECT {Columns} FROM users WHERE email_lower = @email",
            p => p.Bind("@email", email.ToLowerInvariant()), Map, ct);

    public Task<UserRecord?> FindByExternalIdAsync(string externalId, CancellationToken ct) =>
        factory.QuerySingleAsync(
            $"SELECT {Columns} FROM users WHERE external_id = @externalId",
            p => p.Bind("@externalId", externalId), Map, ct);

    public async Task<UpdateUserOutcome> UpdateAccountAsync(string id, UserAccountChange change, DateTimeOffset at, CancellationToken ct)
    {
        if (!StorageIds.TryNormalize(id, out var normalized))
        {
            return UpdateUserOutcome.NotFound;
        }
        return await writer.ExecuteAsync(w =>
        {
            try
            {
                var changed = w.Execute(UpdateAccountSql, p => p
                    .Bind("@username", change.Username)
                    .Bind("@usernameLower", change.Username?.ToLowerInvariant())
                    .Bind("@displayName", change.DisplayName)
                    .Bind("@displayNameLower", change.DisplayName?.ToLowerInvariant())
                    .Bind("@email", change.Email)
                    .Bind("@emailLower", change.Email?.ToLowerInvariant())
                    .BindTime("@at", at)
                    .Bind("@id", normalized));
                return changed == 1 ? UpdateUserOutcome.Updated : UpdateUserOutcome.NotFound;
            }
            catch (SqliteException ex) when (ex.SqliteExtendedErrorCode == SQLitePCL.raw.SQLITE_CONSTRAINT_UNIQUE)
            {
                return ex.Message.Contains("users.username_lower", StringComparison.Ordinal) ? UpdateUserOutcome.UsernameTaken
                    : ex.Message.Contains("users.email_lower", StringComparison.Ordinal) ? UpdateUserOutcome.EmailTaken
                    : throw new InvalidOperationException("A user update broke an unexpected unique index.", ex);
            }
        }, ct).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<UserRecord>> SearchByPrefixAsync(string prefix, int limit, CancellationToken ct)
    {
        if (limit <= 0)
        {
            return [];
        }
        var low = prefix.ToLowerInvariant();
        return await factory.QueryAsync(SearchSql, p => p
            .Bind("@low", low)
            .Bind("@high", StorageIds.PrefixUpperBound(low))
            .Bind("@limit", limit), Map, ct).ConfigureAwait(false);
    }

    public Task UpdatePasswordAsync(string id, string passwordHash, DateTimeOffset at, CancellationToken ct)
    {
        if (!StorageIds.TryNormalize(id, out var normalized))
        {
            return Task.CompletedTask;
        }
        return writer.ExecuteAsync(w => w.Execute(
            "UPDATE users SET password_hash = @passwordHash, updated_at = @at WHERE id = @id",
            p => p.Bind("@passwordHash", passwordHash).BindTime("@at", at).Bind("@id", normalized)), ct);
    }

    public async Task<bool> SetGroupAddsAsync(string id, GroupAdds groupAdds, DateTimeOffset at, CancellationToken ct)
    {
        if (!StorageIds.TryNormalize(id, out var normalized))
        {
            return false;
        }
        return await writer.ExecuteAsync(w => w.Execute(
            "UPDATE users SET group_adds = @groupAdds, updated_at = @at WHERE id = @id",
            p => p.Bind("@groupAdds", (long)groupAdds).BindTime("@at", at).Bind("@id", normalized)), ct).ConfigureAwait(false) == 1;
    }

    public async Task<bool> BeginErasureAsync(string id, DateTimeOffset at, CancellationToken ct)
    {
        if (!StorageIds.TryNormalize(id, out var normalized))
        {
            return false;
        }
        return await writer.ExecuteAsync(w => w.Execute(
            "UPDATE users SET erasure_requested_at = COALESCE(erasure_requested_at, @at) WHERE id = @id",
            p => p.BindTime("@at", at).Bind("@id", normalized)), ct).ConfigureAwait(false) == 1;
    }

    public async Task<ProfileUpdate?> UpdateProfileAsync(string id, ProfileChange change, DateTimeOffset at, CancellationToken ct)
    {
        if (!StorageIds.TryNormalize(id, out var normalized))
        {
            return null;
        }
        // Read and write under the one writer: no other write comes between, so Before is what this write replaced.
        return await writer.ExecuteAsync(w =>
        {
            var before = w.QuerySingle($"SELECT {Columns} FROM users WHERE id = @id AND erasure_requested_at IS NULL", p => p.Bind("@id", normalized), Map);
            if (before is null)
            {
                return (ProfileUpdate?)null;
            }
            w.Execute(
                """
                UPDATE users SET
                    display_name = COALESCE(@displayName, display_name),
                    display_name_lower = COALESCE(@displayNameLower, display_name_lower),
                    status_text = CASE WHEN @setStatus THEN @statusText ELSE status_text END,
                    status_emoji = CASE WHEN @setStatus THEN @statusEmoji ELSE status_emoji END,
                    status_expires_at = CASE WHEN @setStatus THEN @statusExpiresAt ELSE status_expires_at END,
                    avatar_id = CASE WHEN @setAvatar THEN @avatarId ELSE avatar_id END,
                    updated_at = @at
                WHERE id = @id
                """,
                p => p.Bind("@displayName", change.DisplayName)
                    .Bind("@displayNameLower", change.DisplayName?.ToLowerInvariant())
                    .Bind("@setStatus", change.SetStatus)
                    .Bind("@statusText", change.Status?.Text)
                    .Bind("@statusEmoji", change.Status?.Emoji)
                    .BindTime("@statusExpiresAt", change.Status?.ExpiresAt)
                    .Bind("@setAvatar", change.SetAvatar)
                    .Bind("@avatarId", change.AvatarId)
                    .BindTime("@at", at)
                    .Bind("@id", normalized));
            return new ProfileUpdate(before, change.ApplyTo(before, at));
        }, ct).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<string>> ListErasingAsync(int limit, CancellationToken ct) =>
        await factory.QueryAsync(
            "SELECT id FROM users WHERE erasure_requested_at IS NOT NULL AND erased = 0 ORDER BY erasure_requested_at LIMIT @limit",
            p => p.Bind("@limit", limit), r => r.GetString(0), ct).ConfigureAwait(false);

    public Task CompleteErasureAsync(string id, DateTimeOffset at, CancellationToken ct)
    {
        if (!StorageIds.TryNormalize(id, out var normalized))
        {
            return Task.CompletedTask;
        }
        var username = UserRecord.ErasedUsername(normalized);
        var email = ErasedEmail(normalized);
        return writer.ExecuteAsync(w => w.Execute(
            """
            UPDATE users SET username = @username, username_lower = @username, email = @email, email_lower = @email,
                display_name = @displayName, display_name_lower = @displayNameLower, password_hash = '', external_id = NULL, avatar_id = NULL,
                erasure_requested_at = COALESCE(erasure_requested_at, @at), erased = 1, updated_at = @at
            WHERE id = @id AND erased = 0
            """,
            p => p.Bind("@username", username).Bind("@email", email).Bind("@displayName", UserRecord.ErasedDisplayName)
                .Bind("@displayNameLower", UserRecord.ErasedDisplayName.ToLowerInvariant()).BindTime("@at", at).Bind("@id", normalized)), ct);
    }

    // A reserved domain (RFC 2606) no one can register an address at; unique because the id is.
    internal static string ErasedEmail(string id) => $"{id}@erased.invalid";

    private static UserRecord Map(SqliteDataReader r) => new(
        r.GetString(0),
        r.GetString(1),
        r.GetString(2),
        r.GetString(3),
        r.GetString(4),
        r.GetTime(5),
        r.GetTime(6),
        r.GetBoolean(7),
        r.IsDBNull(8) ? null : (GroupAdds)r.GetInt64(8),
        r.IsDBNull(14) ? null : r.GetString(14))
    {
        ErasureRequestedAt = r.IsDBNull(9) ? null : r.GetTime(9),
        Erased = r.GetBoolean(10),
        Status = r.IsDBNull(11) ? null : new UserStatus(r.GetString(11), r.IsDBNull(12) ? null : r.GetString(12), r.GetTimeOrNull(13)),
        AvatarId = r.GetStringOrNull(15),
    };
}
