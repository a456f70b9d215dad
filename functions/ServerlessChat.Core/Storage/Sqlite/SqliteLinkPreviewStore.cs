using System.Text.Json;
using ServerlessChat.Core.Domain;

namespace ServerlessChat.Core.Storage.Sqlite;

internal sealed class SqliteLinkPreviewStore(SqliteConnectionFactory factory, SqliteWriter writer) : ILinkPreviewStore
{
    public Task<MessageRecord?> SetMessageLinksAsync(string messageId, IReadOnlyList<LinkPreviewRecord> links, CancellationToken ct)
    {
        if (!StorageIds.TryNormalize(messageId, out var id))
        {
            return Task.FromResult<MessageRecord?>(null);
        }
        var json = JsonSerializer.Serialize(links.ToList(), SqliteJsonContext.Default.ListLinkPreviewRecord);
        return writer.ExecuteAtomicAsync(w => w.QuerySingle(
            $"UPDATE messages SET links = @links WHERE id = @id AND deleted = 0 RETURNING {SqliteMessageStore.Columns}",
            p => p.Bind("@id", id).Bind("@links", json), SqliteMessageStore.Map), ct);
    }

    public Task<LinkPreviewRecord?> FindAsync(string url, DateTimeOffset now, CancellationToken ct) =>
        factory.QuerySingleAsync(
            "SELECT url, title, description, site_name FROM link_previews WHERE url = @url AND expires_at > @now",
            p => p.Bind("@url", url).BindTime("@now", now),
            r => new LinkPreviewRecord(r.GetString(0), r.GetStringOrNull(1), r.GetStringOrNull(2), r.GetStringOrNull(3)), ct);

    public Task PutAsync(LinkPreviewRecord preview, DateTimeOffset expiresAt, CancellationToken ct) =>
        writer.ExecuteAtomicAsync(w => w.Execute("""
            INSERT INTO link_previews (url, title, description, site_name, expires_at) VALUES (@url, @title, @description, @siteName, @expiresAt)
            ON CONFLICT (url) DO UPDATE SET title = excluded.title, description = excluded.description, site_name = excluded.site_name, expires_at = excluded.expires_at
            """, p => p
            .Bind("@url", preview.Url)
            .Bind("@title", preview.Title)
            .Bind("@description", preview.Description)
            .Bind("@siteName", preview.SiteName)
            .BindTime("@expiresAt", expiresAt)), ct);
}
