namespace ServerlessChat.Core.Attachments;

/// <summary>Where the client sends an upload's bytes: exactly this method, URL and headers, no bearer token.</summary>
public sealed record UploadTarget(string Url, string Method, IReadOnlyDictionary<string, string> Headers);

/// <summary>How a download is served: its type, the name a browser saves it under, and whether it may show inline.</summary>
public sealed record BlobDownload(string ContentType, string FileName, bool AsAttachment);

/// <summary>
/// The bytes of attachments, by key ("uploads/{id}" until attached, then "files/{id}" and "thumbs/{id}").
/// Clients never stream through the API: they upload to and download from signed URLs this store hands out.
/// </summary>
public interface IAttachmentBlobStore
{
    /// <summary>Creates the container or folder when the connection allows; run once at start.</summary>
    Task InitializeAsync(CancellationToken ct);

    /// <summary>A signed, expiring URL that accepts one upload of at most <paramref name="size"/> bytes to <paramref name="key"/>.</summary>
    ValueTask<UploadTarget> CreateUploadTargetAsync(string key, string contentType, long size, DateTimeOffset expiresAt, CancellationToken ct);

    /// <summary>A signed URL that serves the blob until <paramref name="expiresAt"/>, always with nosniff.</summary>
    ValueTask<string> CreateDownloadUrlAsync(string key, BlobDownload download, DateTimeOffset expiresAt, CancellationToken ct);

    /// <summary>The stored size, or null when there is no such blob.</summary>
    Task<long?> GetSizeAsync(string key, CancellationToken ct);

    /// <summary>The blob's bytes, or null when there is no such blob.</summary>
    Task<Stream?> OpenReadAsync(string key, CancellationToken ct);

    Task WriteAsync(string key, Stream content, string contentType, CancellationToken ct);

    /// <summary>
    /// Moves an upload to another key (server-side), retiring the source as <see cref="RetireUploadAsync"/> does;
    /// false when the source is missing.
    /// </summary>
    Task<bool> MoveAsync(string sourceKey, string destinationKey, CancellationToken ct);

    /// <summary>
    /// Removes an upload's bytes but keeps its key spent: its upload URL, still within its lifetime, never takes
    /// another upload (a URL is single-use for good, not only until its bytes move on).
    /// </summary>
    Task RetireUploadAsync(string key, CancellationToken ct);

    /// <summary>Removes the blob; nothing happens when it is missing.</summary>
    Task DeleteAsync(string key, CancellationToken ct);
}

public static class BlobKeys
{
    public const string UploadsPrefix = "uploads/";

    public static string Upload(string attachmentId) => UploadsPrefix + attachmentId;

    public static string File(string attachmentId) => "files/" + attachmentId;

    public static string Thumbnail(string attachmentId) => "thumbs/" + attachmentId;

    /// <summary>A user's or a group's avatar (a square WebP thumbnail), by avatar id.</summary>
    public static string Avatar(string avatarId) => "avatars/" + avatarId;

    /// <summary>A user's data export (a ZIP), by export id.</summary>
    public static string Export(string exportId) => "exports/" + exportId;

    /// <summary>The state of an export (JSON), kept beside it.</summary>
    public static string ExportState(string exportId) => "export-states/" + exportId;
}
