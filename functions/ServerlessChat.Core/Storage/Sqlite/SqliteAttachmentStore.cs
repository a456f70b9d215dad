using Microsoft.Data.Sqlite;
using ServerlessChat.Core.Domain;

namespace ServerlessChat.Core.Storage.Sqlite;

internal sealed class SqliteAttachmentStore(SqliteConnectionFactory factory, SqliteWriter writer) : IAttachmentStore
{
    private const string Columns =
        "id, uploader_id, file_name, declared_type, sniffed_type, declared_size, stored_size, state, message_id, width, height, thumbnail_key, created_at";

    internal const string ForMessagesSql = $"""
        SELECT {Columns} FROM attachments
        WHERE message_id IN (SELECT value FROM json_each(@messageIds))
        ORDER BY id
        """;

    internal const string UnattachedSql = $"""
        SELECT {Columns} FROM attachments
        WHERE message_id IS NULL AND created_at < @cutoff
        ORDER BY created_at
        LIMIT @limit
        """;

    private const string ClaimSql = """
        UPDATE attachments SET message_id = @messageId, sniffed_type = @sniffedType, stored_size = @storedSize, state = @state
        WHERE id = @id AND uploader_id = @uploaderId AND message_id IS NULL AND state = 'Pending'
        """;

    public Task InsertAsync(AttachmentRecord attachment, CancellationToken ct)
    {
        var stored = attachment with
        {
            Id = StorageIds.Require(attachment.Id, nameof(attachment)),
            UploaderId = StorageIds.Require(attachment.UploaderId, nameof(attachment)),
            MessageId = StorageIds.RequireOptional(attachment.MessageId, nameof(attachment)),
        };
        return writer.ExecuteAsync(w => w.Execute($"""
            INSERT INTO attachments ({Columns})
            VALUES (@id, @uploaderId, @fileName, @declaredType, @sniffedType, @declaredSize, @storedSize, @state, @messageId, @width, @height, @thumbnailKey, @createdAt)
            """, p => p
            .Bind("@id", stored.Id)
            .Bind("@uploaderId", stored.UploaderId)
            .Bind("@fileName", stored.FileName)
            .Bind("@declaredType", stored.DeclaredType)
            .Bind("@sniffedType", stored.SniffedType)
            .Bind("@declaredSize", stored.DeclaredSize)
            .Bind("@storedSize", stored.StoredSize)
            .Bind("@state", stored.State.ToString())
            .Bind("@messageId", stored.MessageId)
            .Bind("@width", stored.Width)
            .Bind("@height", stored.Height)
            .Bind("@thumbnailKey", stored.ThumbnailKey)
            .BindTime("@createdAt", stored.CreatedAt)), ct);
    }

    public Task<AttachmentRecord?> FindByIdAsync(string id, CancellationToken ct) =>
        StorageIds.TryNormalize(id, out var normalized)
            ? factory.QuerySingleAsync($"SELECT {Columns} FROM attachments WHERE id = @id", p => p.Bind("@id", normalized), Map, ct)
            : Task.FromResult<AttachmentRecord?>(null);

    public async Task<IReadOnlyList<AttachmentRecord>> FindByIdsAsync(IReadOnlyCollection<string> ids, CancellationToken ct)
    {
        var valid = StorageIds.NormalizeAll(ids);
        if (valid.Count == 0)
        {
            return [];
        }
        return await factory.QueryAsync($"SELECT {Columns} FROM attachments WHERE id IN (SELECT value FROM json_each(@ids)) ORDER BY id",
            p => p.BindList("@ids", valid), Map, ct).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<AttachmentRecord>> ListForMessagesAsync(IReadOnlyCollection<string> messageIds, CancellationToken ct)
    {
        var valid = StorageIds.NormalizeAll(messageIds);
        if (valid.Count == 0)
        {
            return [];
        }
        return await factory.QueryAsync(ForMessagesSql, p => p.BindList("@messageIds", valid), Map, ct).ConfigureAwait(false);
    }

    public Task<bool> ClaimAsync(string messageId, string uploaderId, IReadOnlyList<AttachmentClaim> claims, CancellationToken ct)
    {
        var message = StorageIds.Require(messageId);
        if (!StorageIds.TryNormalize(uploaderId, out var uploader) || claims.Count == 0)
        {
            return Task.FromResult(false);
        }
        return ClaimAllAsync(message, uploader, claims, ct);
    }

    private async Task<bool> ClaimAllAsync(string messageId, string uploaderId, IReadOnlyList<AttachmentClaim> claims, CancellationToken ct)
    {
        try
        {
            // One savepoint: a claim that finds its row taken undoes the claims before it.
            return await writer.ExecuteAtomicAsync(w =>
            {
                foreach (var claim in claims)
                {
                    var claimed = StorageIds.TryNormalize(claim.Id, out var id) && w.Execute(ClaimSql, p => p
                        .Bind("@messageId", messageId)
                        .Bind("@sniffedType", claim.SniffedType)
                        .Bind("@storedSize", claim.StoredSize)
                        .Bind("@state", claim.State.ToString())
                        .Bind("@id", id)
                        .Bind("@uploaderId", uploaderId)) == 1;
                    if (!claimed)
                    {
                        throw new ClaimRefusedException();
                    }
                }
                return true;
            }, ct).ConfigureAwait(false);
        }
        catch (ClaimRefusedException)
        {
            return false;
        }
    }

    public Task ReleaseAsync(string messageId, CancellationToken ct)
    {
        if (!StorageIds.TryNormalize(messageId, out var normalized))
        {
            return Task.CompletedTask;
        }
        return writer.ExecuteAsync(w => w.Execute(
            "UPDATE attachments SET message_id = NULL, sniffed_type = NULL, stored_size = NULL, state = 'Pending' WHERE message_id = @messageId",
            p => p.Bind("@messageId", normalized)), ct);
    }

    public Task<AttachmentRecord?> CompleteProcessingAsync(string id, AttachmentState state, int? width, int? height, string? thumbnailKey, CancellationToken ct)
    {
        if (!StorageIds.TryNormalize(id, out var normalized))
        {
            return Task.FromResult<AttachmentRecord?>(null);
        }
        return writer.ExecuteAsync(w => w.QuerySingle($"""
            UPDATE attachments SET state = @state, width = @width, height = @height, thumbnail_key = @thumbnailKey
            WHERE id = @id AND state = 'Processing'
            RETURNING {Columns}
            """, p => p
            .Bind("@state", state.ToString())
            .Bind("@width", width)
            .Bind("@height", height)
            .Bind("@thumbnailKey", thumbnailKey)
            .Bind("@id", normalized), Map), ct);
    }

    public async Task<IReadOnlyList<AttachmentRecord>> DeleteForMessageAsync(string messageId, CancellationToken ct)
    {
        if (!StorageIds.TryNormalize(messageId, out var normalized))
        {
            return [];
        }
        return await writer.ExecuteAsync(w => w.Query(
            $"DELETE FROM attachments WHERE message_id = @messageId RETURNING {Columns}",
            p => p.Bind("@messageId", normalized), Map), ct).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<AttachmentRecord>> ListUnattachedBeforeAsync(DateTimeOffset cutoff, int limit, CancellationToken ct) =>
        limit <= 0
            ? []
            : await factory.QueryAsync(UnattachedSql, p => p.BindTime("@cutoff", cutoff).Bind("@limit", limit), Map, ct).ConfigureAwait(false);

    public async Task<bool> DeleteUnattachedAsync(string id, CancellationToken ct)
    {
        if (!StorageIds.TryNormalize(id, out var normalized))
        {
            return false;
        }
        return await writer.ExecuteAsync(w => w.Execute(
            "DELETE FROM attachments WHERE id = @id AND message_id IS NULL", p => p.Bind("@id", normalized)), ct).ConfigureAwait(false) == 1;
    }

    public async Task<IReadOnlyList<AttachmentRecord>> ListProcessingAsync(int limit, CancellationToken ct) =>
        limit <= 0
            ? []
            : await factory.QueryAsync($"SELECT {Columns} FROM attachments WHERE state = 'Processing' ORDER BY id LIMIT @limit",
                p => p.Bind("@limit", limit), Map, ct).ConfigureAwait(false);

    private static AttachmentRecord Map(SqliteDataReader r) => new(
        r.GetString(0),
        r.GetString(1),
        r.GetString(2),
        r.GetString(3),
        r.GetStringOrNull(4),
        r.GetInt64(5),
        r.IsDBNull(6) ? null : r.GetInt64(6),
        Enum.Parse<AttachmentState>(r.GetString(7)),
        r.GetStringOrNull(8),
        r.IsDBNull(9) ? null : r.GetInt32(9),
        r.IsDBNull(10) ? null : r.GetInt32(10),
        r.GetStringOrNull(11),
        r.GetTime(12));

    private sealed class ClaimRefusedException : Exception;
}
