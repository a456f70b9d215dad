using System.Text.RegularExpressions;
using Microsoft.AspNetCore.WebUtilities;

namespace ServerlessChat.Core.Attachments;

/// <summary>
/// Blobs as files in one folder (beside the SQLite file by default), so the standalone host needs no setup. The
/// host itself takes the uploads and serves the downloads at the signed URLs handed out here
/// (<see cref="FileSystemBlobEndpoints"/>).
/// </summary>
public sealed partial class FileSystemBlobStore(string root, BlobUrlSigner signer, TimeProvider time) : IAttachmentBlobStore
{
    private const string UsedSuffix = ".used";

    public const string RoutePrefix = "/api/attachment-blobs/";

    public string Root { get; } = root;

    public Task InitializeAsync(CancellationToken ct)
    {
        Directory.CreateDirectory(Root);
        return Task.CompletedTask;
    }

    public ValueTask<UploadTarget> CreateUploadTargetAsync(string key, string contentType, long size, DateTimeOffset expiresAt, CancellationToken ct)
    {
        RequireKey(key);
        var exp = BlobUrlSigner.Seconds(expiresAt);
        var sizeText = size.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var url = QueryHelpers.AddQueryString(RoutePrefix + key, new Dictionary<string, string?>
        {
            ["exp"] = exp,
            ["size"] = sizeText,
            ["type"] = contentType,
            ["sig"] = signer.Sign("PUT", key, exp, sizeText, contentType),
        });
        return ValueTask.FromResult(new UploadTarget(url, "PUT", new Dictionary<string, string> { ["Content-Type"] = contentType }));
    }

    public ValueTask<string> CreateDownloadUrlAsync(string key, BlobDownload download, DateTimeOffset expiresAt, CancellationToken ct)
    {
        RequireKey(key);
        var exp = BlobUrlSigner.Seconds(expiresAt);
        var disposition = download.AsAttachment ? "attachment" : "inline";
        return ValueTask.FromResult(QueryHelpers.AddQueryString(RoutePrefix + key, new Dictionary<string, string?>
        {
            ["exp"] = exp,
            ["type"] = download.ContentType,
            ["name"] = download.FileName,
            ["disposition"] = disposition,
            ["sig"] = signer.Sign("GET", key, exp, download.ContentType, download.FileName, disposition),
        }));
    }

    public Task<long?> GetSizeAsync(string key, CancellationToken ct)
    {
        var file = new FileInfo(PathOf(key));
        return Task.FromResult<long?>(file.Exists ? file.Length : null);
    }

    public Task<Stream?> OpenReadAsync(string key, CancellationToken ct)
    {
        try
        {
            return Task.FromResult<Stream?>(new FileStream(PathOf(key), FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 64 * 1024, useAsync: true));
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return Task.FromResult<Stream?>(null);
        }
    }

    public async Task WriteAsync(string key, Stream content, string contentType, CancellationToken ct)
    {
        var path = PathOf(key);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var partial = $"{path}.{Guid.NewGuid():N}.part";
        try
        {
            await using (var file = new FileStream(partial, FileMode.CreateNew, FileAccess.Write, FileShare.None, 64 * 1024, useAsync: true))
            {
                await content.CopyToAsync(file, ct).ConfigureAwait(false);
            }
            File.Move(partial, path, overwrite: true);
        }
        finally
        {
            File.Delete(partial);
        }
    }

    /// <summary>
    /// Takes an upload at its signed URL: refuses it once the signed size is passed (413, while streaming), and
    /// takes at most one per key: the first attempt claims the key with a marker file, so a URL works once. The
    /// marker holds the URL's expiry and outlives the bytes (a move, the processing of an image) until then.
    /// </summary>
    public async Task<UploadResult> AcceptUploadAsync(string key, Stream body, long maxBytes, DateTimeOffset urlExpiresAt, CancellationToken ct)
    {
        var path = PathOf(key);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        try
        {
            await using var marker = new FileStream(path + UsedSuffix, FileMode.CreateNew, FileAccess.Write);
            await marker.WriteAsync(System.Text.Encoding.ASCII.GetBytes(
                urlExpiresAt.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture)), ct).ConfigureAwait(false);
        }
        catch (IOException)
        {
            return UploadResult.AlreadyUsed;
        }

        var partial = path + ".part";
        try
        {
            await using (var file = new FileStream(partial, FileMode.CreateNew, FileAccess.Write, FileShare.None, 64 * 1024, useAsync: true))
            {
                var buffer = new byte[64 * 1024];
                long total = 0;
                int read;
                while ((read = await body.ReadAsync(buffer, ct).ConfigureAwait(false)) > 0)
                {
                    total += read;
                    if (total > maxBytes)
                    {
                        return UploadResult.TooLarge;
                    }
                    await file.WriteAsync(buffer.AsMemory(0, read), ct).ConfigureAwait(false);
                }
            }
            File.Move(partial, path);
            return UploadResult.Stored;
        }
        finally
        {
            File.Delete(partial);
        }
    }

    public Task<bool> MoveAsync(string sourceKey, string destinationKey, CancellationToken ct)
    {
        var source = PathOf(sourceKey);
        var destination = PathOf(destinationKey);
        Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
        try
        {
            // The marker stays: the upload URL remains spent.
            File.Move(source, destination, overwrite: true);
            return Task.FromResult(true);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return Task.FromResult(false);
        }
    }

    public Task RetireUploadAsync(string key, CancellationToken ct)
    {
        File.Delete(PathOf(key));
        return Task.CompletedTask;
    }

    /// <summary>Removes the bytes, and the upload marker once its URL has expired (a live URL stays spent).</summary>
    public Task DeleteAsync(string key, CancellationToken ct)
    {
        var path = PathOf(key);
        if (Directory.Exists(Path.GetDirectoryName(path)))
        {
            File.Delete(path);
            if (UrlExpired(path + UsedSuffix))
            {
                File.Delete(path + UsedSuffix);
            }
        }
        return Task.CompletedTask;
    }

    private bool UrlExpired(string marker)
    {
        // Only uploads have one; files and thumbnails are deleted without an exception thrown and caught.
        if (!File.Exists(marker))
        {
            return false;
        }
        string text;
        try
        {
            text = File.ReadAllText(marker);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return false;
        }
        // A marker without an expiry (written before markers held one) counts as expired.
        return !long.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var seconds)
            || DateTimeOffset.FromUnixTimeSeconds(seconds) <= time.GetUtcNow();
    }

    public static bool IsKey(string? key) => key is not null && KeyPattern().IsMatch(key);

    private string PathOf(string key) => Path.Combine(Root, RequireKey(key));

    private static string RequireKey(string key) =>
        IsKey(key) ? key : throw new ArgumentException($"'{key}' is not a blob key.", nameof(key));

    [GeneratedRegex("^(uploads|files|thumbs|avatars|exports|export-states)/[0-9a-f]{24}$")]
    private static partial Regex KeyPattern();
}

public enum UploadResult { Stored, TooLarge, AlreadyUsed }
