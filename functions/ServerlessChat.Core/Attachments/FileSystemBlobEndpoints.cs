using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Net.Http.Headers;
using ServerlessChat.Core.Http;

namespace ServerlessChat.Core.Attachments;

/// <summary>
/// The standalone host's stand-in for Blob Storage's signed URLs: PUT takes an upload, GET serves a download.
/// No bearer token: the signature is the authorization, as with a SAS. Outside the route table on purpose: the
/// Functions app never serves bytes (it hands out Azure Blob SAS URLs instead).
/// </summary>
public static class FileSystemBlobEndpoints
{
    public static IEndpointRouteBuilder MapFileSystemBlobs(this IEndpointRouteBuilder app)
    {
        if (app.ServiceProvider.GetService<IAttachmentBlobStore>() is not FileSystemBlobStore)
        {
            return app;
        }
        var route = FileSystemBlobStore.RoutePrefix + "{area}/{id}";
        app.MapPut(route, UploadAsync).ExcludeFromDescription();
        app.MapGet(route, DownloadAsync).ExcludeFromDescription();
        return app;
    }

    private static async Task<IResult> UploadAsync(
        HttpContext context, string area, string id, string? exp, string? size, string? type, string? sig,
        IAttachmentBlobStore store, BlobUrlSigner signer, TimeProvider time)
    {
        SecurityHeaders.Apply(context.Response);
        var key = $"{area}/{id}";
        if (store is not FileSystemBlobStore files || !FileSystemBlobStore.IsKey(key) || exp is null || size is null || type is null ||
            !signer.Verify(sig, "PUT", key, exp, size, type) || !long.TryParse(size, NumberStyles.None, CultureInfo.InvariantCulture, out var maxBytes))
        {
            return Problem(context, StatusCodes.Status403Forbidden, "Forbidden", "The upload URL is not valid.");
        }
        if (Expired(exp, time))
        {
            return Problem(context, StatusCodes.Status403Forbidden, "Forbidden", "The upload URL has expired.");
        }
        if (!string.Equals(context.Request.ContentType, type, StringComparison.OrdinalIgnoreCase))
        {
            return Problem(context, StatusCodes.Status400BadRequest, "Bad request", "Send exactly the headers in uploadHeaders.");
        }
        if (context.Request.ContentLength > maxBytes)
        {
            return Problem(context, StatusCodes.Status413PayloadTooLarge, "Payload too large", "The upload is larger than the declared size.");
        }

        // The signed size is the limit here, whatever Kestrel's default for other requests.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = maxBytes + 1;
        }

        var result = await files.AcceptUploadAsync(key, context.Request.Body, maxBytes, DateTimeOffset.FromUnixTimeSeconds(long.Parse(exp, CultureInfo.InvariantCulture)), context.RequestAborted);
        return result switch
        {
            UploadResult.Stored => Results.Created(),
            UploadResult.TooLarge => Problem(context, StatusCodes.Status413PayloadTooLarge, "Payload too large", "The upload is larger than the declared size."),
            _ => Problem(context, StatusCodes.Status409Conflict, "Conflict", "This upload URL was used already; ask for a new slot."),
        };
    }

    private static async Task<IResult> DownloadAsync(
        HttpContext context, string area, string id, string? exp, string? type, string? name, string? disposition, string? sig,
        IAttachmentBlobStore store, BlobUrlSigner signer, TimeProvider time)
    {
        SecurityHeaders.Apply(context.Response);
        var key = $"{area}/{id}";
        if (!FileSystemBlobStore.IsKey(key) || exp is null || type is null || name is null || disposition is not ("inline" or "attachment") ||
            !signer.Verify(sig, "GET", key, exp, type, name, disposition) || Expired(exp, time))
        {
            return Problem(context, StatusCodes.Status403Forbidden, "Forbidden", "The download URL is not valid or has expired.");
        }
        var content = await store.OpenReadAsync(key, context.RequestAborted);
        if (content is null)
        {
            return Problem(context, StatusCodes.Status404NotFound, "Not found", "No such file.");
        }

        var headers = context.Response.Headers;
        headers[HeaderNames.XContentTypeOptions] = "nosniff";
        var contentDisposition = new ContentDispositionHeaderValue(disposition);
        contentDisposition.SetHttpFileName(name);
        headers[HeaderNames.ContentDisposition] = contentDisposition.ToString();
        // Served files never run as a page of this origin, whatever they are.
        headers[HeaderNames.ContentSecurityPolicy] = "default-src 'none'; img-src 'self'; media-src 'self'; sandbox";
        headers[HeaderNames.CacheControl] = "private, max-age=900";
        return Results.Stream(content, type, enableRangeProcessing: true);
    }

    private static bool Expired(string exp, TimeProvider time) =>
        !long.TryParse(exp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) || DateTimeOffset.FromUnixTimeSeconds(seconds) < time.GetUtcNow();

    private static IResult Problem(HttpContext context, int status, string title, string detail) =>
        ChatProblems.Create(context, status, title, detail);
}
