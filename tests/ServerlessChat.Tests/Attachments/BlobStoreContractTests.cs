using System.Net;
using System.Text;
using MongoDB.Bson;
using ServerlessChat.Core.Attachments;

namespace ServerlessChat.Tests.Attachments;

/// <summary>What both blob stores promise, over their real signed URLs: FileSystem on disk, AzureBlob on Azurite.</summary>
public abstract class BlobStoreContractTests(BlobStoreFixture fixture)
{
    private IAttachmentBlobStore Store => fixture.Store;

    private static string NewId() => ObjectId.GenerateNewId().ToString();

    private static DateTimeOffset InMinutes(int minutes) => DateTimeOffset.UtcNow.AddMinutes(minutes);

    private async Task<HttpResponseMessage> PutAsync(UploadTarget target, byte[] bytes)
    {
        using var request = new HttpRequestMessage(new HttpMethod(target.Method), target.Url) { Content = new ByteArrayContent(bytes) };
        foreach (var (name, value) in target.Headers)
        {
            if (!request.Headers.TryAddWithoutValidation(name, value))
            {
                request.Content.Headers.TryAddWithoutValidation(name, value);
            }
        }
        return await fixture.Http.SendAsync(request);
    }

    private async Task<string> UploadAsync(byte[] bytes, string type = "text/plain")
    {
        var key = BlobKeys.Upload(NewId());
        var target = await Store.CreateUploadTargetAsync(key, type, bytes.Length, InMinutes(15), default);
        var response = await PutAsync(target, bytes);
        Assert.True(response.IsSuccessStatusCode, $"upload answered {response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return key;
    }

    private async Task<byte[]?> ReadAsync(string key)
    {
        await using var stream = await Store.OpenReadAsync(key, default);
        if (stream is null)
        {
            return null;
        }
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }

    [SkippableFact]
    public async Task BytesPutToTheUploadUrlAreStoredWithTheirSize()
    {
        Skip.IfNot(fixture.Enabled, AzuriteServer.SkipReason);
        var bytes = Encoding.UTF8.GetBytes("hello blob store");

        var key = await UploadAsync(bytes);

        Assert.Equal(bytes.Length, await Store.GetSizeAsync(key, default));
        Assert.Equal(bytes, await ReadAsync(key));
    }

    [SkippableFact]
    public async Task AnUploadUrlCannotReplaceWhatItUploaded()
    {
        Skip.IfNot(fixture.Enabled, AzuriteServer.SkipReason);
        var key = BlobKeys.Upload(NewId());
        var target = await Store.CreateUploadTargetAsync(key, "text/plain", 5, InMinutes(15), default);
        Assert.True((await PutAsync(target, "first"u8.ToArray())).IsSuccessStatusCode);

        var again = await PutAsync(target, "again"u8.ToArray());

        Assert.False(again.IsSuccessStatusCode);
        Assert.Equal("first"u8.ToArray(), await ReadAsync(key));
    }

    [SkippableFact]
    public async Task AnUploadUrlStaysSpentAfterItsBytesMoveOrAreRetired()
    {
        Skip.IfNot(fixture.Enabled, AzuriteServer.SkipReason);
        var moved = BlobKeys.Upload(NewId());
        var retired = BlobKeys.Upload(NewId());
        var movedTarget = await Store.CreateUploadTargetAsync(moved, "text/plain", 5, InMinutes(15), default);
        var retiredTarget = await Store.CreateUploadTargetAsync(retired, "text/plain", 5, InMinutes(15), default);
        Assert.True((await PutAsync(movedTarget, "first"u8.ToArray())).IsSuccessStatusCode);
        Assert.True((await PutAsync(retiredTarget, "first"u8.ToArray())).IsSuccessStatusCode);

        var destination = BlobKeys.File(NewId());
        Assert.True(await Store.MoveAsync(moved, destination, default));
        await Store.RetireUploadAsync(retired, default);

        var movedAgain = await PutAsync(movedTarget, "again"u8.ToArray());
        var retiredAgain = await PutAsync(retiredTarget, "again"u8.ToArray());
        Assert.False(movedAgain.IsSuccessStatusCode, $"after a move the URL answered {movedAgain.StatusCode}");
        Assert.False(retiredAgain.IsSuccessStatusCode, $"after retiring the URL answered {retiredAgain.StatusCode}");
        Assert.Null(await Store.GetSizeAsync(moved, default));
        Assert.Null(await Store.GetSizeAsync(retired, default));
        Assert.Equal("first"u8.ToArray(), await ReadAsync(destination));
    }

    [SkippableFact]
    public async Task ADownloadUrlServesTheBytesWithTheSignedTypeAndDisposition()
    {
        Skip.IfNot(fixture.Enabled, AzuriteServer.SkipReason);
        var bytes = Encoding.UTF8.GetBytes("<svg xmlns=\"http://www.w3.org/2000/svg\"/>");
        var key = await UploadAsync(bytes, "text/plain");

        var url = await Store.CreateDownloadUrlAsync(key, new BlobDownload("image/svg+xml", "drawing one.svg", AsAttachment: true), InMinutes(30), default);
        var response = await fixture.Http.GetAsync(url);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(bytes, await response.Content.ReadAsByteArrayAsync());
        Assert.Equal("image/svg+xml", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("attachment", response.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Contains("drawing one.svg", response.Content.Headers.ContentDisposition?.ToString(), StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task AnExpiredDownloadUrlIsRefused()
    {
        Skip.IfNot(fixture.Enabled, AzuriteServer.SkipReason);
        var key = await UploadAsync("old"u8.ToArray());

        var url = await Store.CreateDownloadUrlAsync(key, new BlobDownload("text/plain", "a.txt", AsAttachment: false), DateTimeOffset.UtcNow.AddMinutes(-1), default);

        Assert.Equal(HttpStatusCode.Forbidden, (await fixture.Http.GetAsync(url)).StatusCode);
    }

    [SkippableFact]
    public async Task WrittenBlobsMoveToTheirNewKeyAndDeletedOnesAreGone()
    {
        Skip.IfNot(fixture.Enabled, AzuriteServer.SkipReason);
        var id = NewId();
        await Store.WriteAsync(BlobKeys.Upload(id), new MemoryStream("moving"u8.ToArray()), "text/plain", default);

        Assert.True(await Store.MoveAsync(BlobKeys.Upload(id), BlobKeys.File(id), default));

        Assert.Null(await Store.GetSizeAsync(BlobKeys.Upload(id), default));
        Assert.Equal("moving"u8.ToArray(), await ReadAsync(BlobKeys.File(id)));
        Assert.False(await Store.MoveAsync(BlobKeys.Upload(NewId()), BlobKeys.File(NewId()), default));

        await Store.DeleteAsync(BlobKeys.File(id), default);
        await Store.DeleteAsync(BlobKeys.File(id), default);
        await Store.DeleteAsync(BlobKeys.Thumbnail(NewId()), default);
        Assert.Null(await Store.GetSizeAsync(BlobKeys.File(id), default));
        Assert.Null(await ReadAsync(BlobKeys.File(id)));
    }
}

public sealed class FileSystemBlobStoreContractTests(FileSystemBlobStoreFixture fixture)
    : BlobStoreContractTests(fixture), IClassFixture<FileSystemBlobStoreFixture>
{
    [Fact]
    public async Task AnUploadOverTheSignedSizeIsRefusedWhileStreamingAndLeavesNothing()
    {
        var key = BlobKeys.Upload(ObjectId.GenerateNewId().ToString());
        var target = await fixture.Store.CreateUploadTargetAsync(key, "text/plain", 10, DateTimeOffset.UtcNow.AddMinutes(15), default);
        using var request = new HttpRequestMessage(HttpMethod.Put, target.Url)
        {
            // Chunked, no Content-Length: the store can only find out while reading.
            Content = new StreamContent(new MemoryStream(new byte[100_000])),
        };
        request.Headers.TransferEncodingChunked = true;
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("text/plain");

        var response = await fixture.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Null(await fixture.Store.GetSizeAsync(key, default));
    }
}

public sealed class AzureBlobStoreContractTests(AzuriteBlobStoreFixture fixture)
    : BlobStoreContractTests(fixture), IClassFixture<AzuriteBlobStoreFixture>
{
    [SkippableFact]
    public async Task TheUploadUrlIsASasForABlockBlobWithTheDeclaredType()
    {
        Skip.IfNot(fixture.Enabled, AzuriteServer.SkipReason);

        var target = await fixture.Store.CreateUploadTargetAsync(BlobKeys.Upload(ObjectId.GenerateNewId().ToString()), "image/png", 10, DateTimeOffset.UtcNow.AddMinutes(15), default);

        Assert.Equal("PUT", target.Method);
        Assert.Equal("BlockBlob", target.Headers["x-ms-blob-type"]);
        Assert.Equal("image/png", target.Headers["Content-Type"]);
        Assert.Contains("sig=", target.Url, StringComparison.Ordinal);
        Assert.Contains("sp=c", target.Url, StringComparison.Ordinal);
    }
}
