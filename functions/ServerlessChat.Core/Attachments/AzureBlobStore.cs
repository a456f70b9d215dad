using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Azure.Storage.Sas;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;

namespace ServerlessChat.Core.Attachments;

/// <summary>
/// Blobs in Azure Blob Storage (Azurite locally). With a managed identity the SAS URLs are signed with a user
/// delegation key, so no account key exists anywhere in Azure; with a connection string (Azurite, local runs)
/// they are signed with its account key. Uploads go from the browser straight to the blob (PUT, BlockBlob).
/// </summary>
public sealed partial class AzureBlobStore(BlobServiceClient service, string containerName, TimeProvider time, ILogger<AzureBlobStore> logger)
    : IAttachmentBlobStore
{
    // The key outlives every SAS signed with it: SAS last at most an hour, a key is renewed with two hours left.
    private static readonly TimeSpan KeyLifetime = TimeSpan.FromHours(8);
    private static readonly TimeSpan KeyRenewal = TimeSpan.FromHours(2);

    /// <summary>Metadata of a retired upload's empty blob (<see cref="RetireUploadAsync"/>): no bytes are there.</summary>
    private const string SpentMetadata = "spent";

    private readonly BlobContainerClient _container = service.GetBlobContainerClient(containerName);
    private readonly SemaphoreSlim _keyLock = new(1, 1);
    private UserDelegationKey? _key;

    public async Task InitializeAsync(CancellationToken ct)
    {
        try
        {
            await _container.CreateIfNotExistsAsync(PublicAccessType.None, cancellationToken: ct).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.Status == 403)
        {
            // An identity with data rights only: the container is Bicep's to create.
            LogContainerNotCreated(containerName, ex.ErrorCode);
        }
    }

    public async ValueTask<UploadTarget> CreateUploadTargetAsync(string key, string contentType, long size, DateTimeOffset expiresAt, CancellationToken ct)
    {
        // Create only: the URL cannot overwrite a blob that exists, so a slot takes one upload.
        var sas = new BlobSasBuilder(BlobSasPermissions.Create, expiresAt)
        {
            BlobContainerName = containerName,
            BlobName = key,
            Resource = "b",
            Protocol = SasProtocol.HttpsAndHttp,
        };
        var url = await SignAsync(_container.GetBlobClient(key), sas, ct).ConfigureAwait(false);
        return new UploadTarget(url.ToString(), "PUT", new Dictionary<string, string>
        {
            ["x-ms-blob-type"] = "BlockBlob",
            ["Content-Type"] = contentType,
        });
    }

    public async ValueTask<string> CreateDownloadUrlAsync(string key, BlobDownload download, DateTimeOffset expiresAt, CancellationToken ct)
    {
        var disposition = new ContentDispositionHeaderValue(download.AsAttachment ? "attachment" : "inline");
        disposition.SetHttpFileName(download.FileName);
        var sas = new BlobSasBuilder(BlobSasPermissions.Read, expiresAt)
        {
            BlobContainerName = containerName,
            BlobName = key,
            Resource = "b",
            Protocol = SasProtocol.HttpsAndHttp,
            // The response headers are the SAS's (rsct, rscd), not whatever the uploader sent.
            ContentType = download.ContentType,
            ContentDisposition = disposition.ToString(),
        };
        return (await SignAsync(_container.GetBlobClient(key), sas, ct).ConfigureAwait(false)).ToString();
    }

    public async Task<long?> GetSizeAsync(string key, CancellationToken ct)
    {
        try
        {
            var properties = await _container.GetBlobClient(key).GetPropertiesAsync(cancellationToken: ct).ConfigureAwait(false);
            return properties.Value.Metadata.ContainsKey(SpentMetadata) ? null : properties.Value.ContentLength;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
    }

    public async Task<Stream?> OpenReadAsync(string key, CancellationToken ct)
    {
        try
        {
            return await _container.GetBlobClient(key).OpenReadAsync(new BlobOpenReadOptions(allowModifications: false), ct).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
    }

    public Task WriteAsync(string key, Stream content, string contentType, CancellationToken ct) =>
        _container.GetBlobClient(key).UploadAsync(content, new BlobUploadOptions { HttpHeaders = new BlobHttpHeaders { ContentType = contentType } }, ct);

    public async Task<bool> MoveAsync(string sourceKey, string destinationKey, CancellationToken ct)
    {
        var source = _container.GetBlobClient(sourceKey);
        var readable = await SignAsync(source, new BlobSasBuilder(BlobSasPermissions.Read, time.GetUtcNow().AddMinutes(15))
        {
            BlobContainerName = containerName,
            BlobName = sourceKey,
            Resource = "b",
        }, ct).ConfigureAwait(false);
        try
        {
            // Same account: the service copies without the bytes passing through this process.
            var copy = await _container.GetBlobClient(destinationKey).StartCopyFromUriAsync(readable, cancellationToken: ct).ConfigureAwait(false);
            await copy.WaitForCompletionAsync(ct).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return false;
        }
        await RetireUploadAsync(sourceKey, ct).ConfigureAwait(false);
        return true;
    }

    /// <summary>
    /// Replaces the upload with an empty blob marked spent: its create-only SAS cannot write over a blob that
    /// exists, so the URL takes no second upload, while a deleted blob would let it create one again. The
    /// lifecycle rule on uploads/ removes the marker after a day, long after the URL has expired.
    /// </summary>
    public Task RetireUploadAsync(string key, CancellationToken ct) =>
        _container.GetBlobClient(key).UploadAsync(BinaryData.Empty, new BlobUploadOptions
        {
            Metadata = new Dictionary<string, string> { [SpentMetadata] = "true" },
        }, ct);

    public Task DeleteAsync(string key, CancellationToken ct) =>
        _container.GetBlobClient(key).DeleteIfExistsAsync(cancellationToken: ct);

    private async ValueTask<Uri> SignAsync(BlobClient blob, BlobSasBuilder sas, CancellationToken ct)
    {
        if (blob.CanGenerateSasUri)
        {
            return blob.GenerateSasUri(sas);
        }
        var key = await DelegationKeyAsync(ct).ConfigureAwait(false);
        return blob.GenerateUserDelegationSasUri(sas, key);
    }

    private async ValueTask<UserDelegationKey> DelegationKeyAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow();
        if (_key is { } current && current.SignedExpiresOn - now > KeyRenewal)
        {
            return current;
        }
        await _keyLock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (_key is { } fresh && fresh.SignedExpiresOn - now > KeyRenewal)
            {
                return fresh;
            }
            // Starts a little in the past: clocks of this host and the service may differ.
            var response = await service.GetUserDelegationKeyAsync(now.AddMinutes(-5), now + KeyLifetime, ct).ConfigureAwait(false);
            _key = response.Value;
            return _key;
        }
        finally
        {
            _keyLock.Release();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Blob container {Container} could not be created ({Reason}); it must exist already")]
    private partial void LogContainerNotCreated(string container, string? reason);
}
