using MongoDB.Bson;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using ServerlessChat.Core.Api;
using ServerlessChat.Core.Domain;
using ServerlessChat.Core.Http;
using ServerlessChat.Core.Moderation;
using ServerlessChat.Core.RateLimiting;
using ServerlessChat.Core.Storage;

namespace ServerlessChat.Core.Attachments;

/// <summary>What a send learned about its attachments: claims to make, or that this is a repeat of a stored message.</summary>
public sealed record AttachmentCheck(IReadOnlyList<AttachmentClaim> Claims, string? RepeatOfMessageId);

/// <summary>
/// Upload slots, the checks a send makes on the bytes (never on what the client declared), signed links, image
/// processing and the removal of attachments with their blobs.
/// </summary>
public sealed class AttachmentService(
    IAttachmentStore store,
    IAttachmentBlobStore blobs,
    IEnumerable<IAttachmentProcessingQueue> queues,
    IRateLimitCounterStore counters,
    IOptions<AttachmentOptions> options,
    ImageDecodeGate gate,
    ContentFilter filter,
    TimeProvider time)
{
    public const int MaxPerMessage = 10;
    public const int MaxFileNameLength = 255;
    public const string Field = "attachmentIds";

    private static readonly TimeSpan SlotLifetime = TimeSpan.FromMinutes(15);
    private static readonly TimeSpan LinkLifetime = TimeSpan.FromMinutes(60);
    private static readonly TimeSpan LinkStep = TimeSpan.FromMinutes(15);
    public static readonly TimeSpan UnattachedLifetime = TimeSpan.FromDays(1);

    public async Task<UploadSlotDto> CreateSlotAsync(string callerId, CreateAttachmentRequest request, CancellationToken ct)
    {
        var settings = options.Value;
        var rules = new InputRules();
        // A file name is read by everyone in the conversation, like a caption.
        var fileName = filter.Apply(rules, "fileName", FileName(rules, request.FileName));
        var contentType = request.ContentType?.Trim().ToLowerInvariant();
        if (string.IsNullOrEmpty(contentType))
        {
            rules.Add("contentType", "Required.");
        }
        else if (!settings.EffectiveAllowedTypes.Contains(contentType))
        {
            rules.Add("contentType", $"Not an allowed type; allowed: {string.Join(", ", settings.EffectiveAllowedTypes.Order(StringComparer.Ordinal))}.");
        }
        if (request.Size is not { } size || size < 1)
        {
            rules.Add("size", "Required: the file's size in bytes, at least 1.");
        }
        rules.ThrowIfAny();
        if (request.Size > settings.MaxBytes)
        {
            throw new ProblemException(StatusCodes.Status413PayloadTooLarge, "Payload too large", $"An attachment may have at most {settings.MaxBytes} bytes.");
        }

        var now = time.GetUtcNow();
        var windowEnd = RequestRateLimiter.WindowEnd(now);
        if (await counters.IncrementAsync($"uploads:{callerId}", windowEnd, ct) > settings.UploadsPerMinute)
        {
            throw new ProblemException(StatusCodes.Status429TooManyRequests, "Too many requests", "The upload limit was reached; retry later.")
            {
                RetryAfter = windowEnd - now,
            };
        }

        var id = ObjectId.GenerateNewId().ToString();
        var expiresAt = now + SlotLifetime;
        var target = await blobs.CreateUploadTargetAsync(BlobKeys.Upload(id), contentType!, request.Size!.Value, expiresAt, ct);
        await store.InsertAsync(new AttachmentRecord(id, callerId, fileName!, contentType!, null, request.Size.Value, null,
            AttachmentState.Pending, null, null, null, null, time.GetStoredNow()), ct);
        return new UploadSlotDto(id, target.Url, target.Method, target.Headers, expiresAt);
    }

    /// <summary>A fresh signed URL for a caller allowed to see the attachment, or null when there is nothing to serve.</summary>
    public async Task<string?> GetDownloadUrlAsync(AttachmentRecord attachment, CancellationToken ct) =>
        attachment.State switch
        {
            // The uploader's own bytes, unchecked yet: only ever as a download.
            AttachmentState.Pending => await blobs.CreateDownloadUrlAsync(BlobKeys.Upload(attachment.Id),
                new BlobDownload("application/octet-stream", attachment.FileName, AsAttachment: true), LinkExpiry(), ct),
            AttachmentState.Ready => await blobs.CreateDownloadUrlAsync(BlobKeys.File(attachment.Id), Download(attachment), LinkExpiry(), ct),
            _ => null,
        };

    public Task<AttachmentRecord?> FindAsync(string id, CancellationToken ct) =>
        InputRules.IsId(id) ? store.FindByIdAsync(id, ct) : Task.FromResult<AttachmentRecord?>(null);

    /// <summary>The ids a send names: at most ten, distinct, well formed. Adds to <paramref name="rules"/>.</summary>
    public static IReadOnlyList<string> Ids(InputRules rules, IReadOnlyList<string>? ids)
    {
        if (ids is null || ids.Count == 0)
        {
            return [];
        }
        if (ids.Count > MaxPerMessage)
        {
            rules.Add(Field, $"At most {MaxPerMessage} attachments per message.");
            return [];
        }
        if (ids.Any(id => id is null || !InputRules.IsId(id)))
        {
            rules.Add(Field, "Not a list of valid ids.");
            return [];
        }
        if (ids.Distinct(StringComparer.Ordinal).Count() != ids.Count)
        {
            rules.Add(Field, "An attachment can appear only once.");
            return [];
        }
        return ids;
    }

    /// <summary>
    /// Checks each upload against its bytes: the sender's, not attached elsewhere, fully uploaded with exactly
    /// the declared size, of a type sniffed from the content that is allowed and equals the declared one, and,
    /// for an image, a header that decodes within the pixel bound. Any failure is a 400 naming attachmentIds.
    /// </summary>
    public async Task<AttachmentCheck> CheckAsync(string callerId, IReadOnlyList<string> ids, string? clientMessageId, CancellationToken ct)
    {
        var records = (await store.FindByIdsAsync(ids, ct)).ToDictionary(a => a.Id, StringComparer.Ordinal);
        var claims = new List<AttachmentClaim>(ids.Count);
        foreach (var id in ids)
        {
            if (!records.TryGetValue(id, out var attachment) || attachment.UploaderId != callerId)
            {
                throw Refused(Field, $"{id}: no such upload of yours.");
            }
            if (attachment.MessageId is not null)
            {
                // Repeating a send with its clientMessageId names the same uploads: the store decides whether it is that message.
                if (clientMessageId is not null)
                {
                    return new AttachmentCheck([], attachment.MessageId);
                }
                throw Refused(Field, $"{id}: already attached to a message.");
            }

            claims.Add(await CheckBytesAsync(attachment, Field, ct));
        }
        return new AttachmentCheck(claims, null);
    }

    /// <summary>
    /// Checks an upload against its bytes: fully uploaded with exactly the declared size, of a type sniffed from
    /// the content that is allowed and equals the declared one, and, for an image, a header that decodes within
    /// the pixel bound. Any failure is a 400 naming <paramref name="field"/>. An image's claim is to be processed.
    /// </summary>
    private async Task<AttachmentClaim> CheckBytesAsync(AttachmentRecord attachment, string field, CancellationToken ct)
    {
        var settings = options.Value;
        var id = attachment.Id;
        var key = BlobKeys.Upload(id);
        var size = await blobs.GetSizeAsync(key, ct);
        if (size is null)
        {
            throw Refused(field, $"{id}: not uploaded yet.");
        }
        if (size != attachment.DeclaredSize || size > settings.MaxBytes)
        {
            throw Refused(field, $"{id}: {size} bytes stored, {attachment.DeclaredSize} declared.");
        }

        var (sniffed, dimensions) = await SniffAsync(key, size.Value, ct);
        if (sniffed is null || !settings.EffectiveAllowedTypes.Contains(sniffed))
        {
            throw Refused(field, $"{id}: the content is {(sniffed is null ? "of no recognized type" : sniffed)}, which is not allowed.");
        }
        if (sniffed != attachment.DeclaredType)
        {
            throw Refused(field, $"{id}: declared {attachment.DeclaredType}, but the content is {sniffed}.");
        }
        var isImage = ContentSniffer.ImageTypes.Contains(sniffed);
        if (isImage && dimensions is null)
        {
            throw Refused(field, $"{id}: the image cannot be decoded.");
        }
        if (isImage && (long)dimensions!.Value.Width * dimensions.Value.Height > settings.MaxImagePixels)
        {
            throw Refused(field, $"{id}: the image declares {dimensions.Value.Width}x{dimensions.Value.Height} pixels; at most {settings.MaxImagePixels} are accepted.");
        }
        return new AttachmentClaim(id, sniffed, size.Value, isImage ? AttachmentState.Processing : AttachmentState.Ready);
    }

    /// <summary>
    /// Makes an image the caller uploaded (and attached to nothing) into an avatar: checked as a send checks it,
    /// processed within the same byte, pixel and time bounds, cut to a square WebP thumbnail without metadata and
    /// stored under a new avatar id, which is returned. The upload is used up: of two requests naming it, one gets
    /// it, and it can never be attached to a message afterwards. Any failure is a 400 naming <paramref name="field"/>.
    /// </summary>
    public async Task<string> CreateAvatarAsync(string callerId, string attachmentId, string field, CancellationToken ct)
    {
        var settings = options.Value;
        var attachment = await FindAsync(attachmentId, ct);
        if (attachment is not { State: AttachmentState.Pending, MessageId: null } || attachment.UploaderId != callerId)
        {
            throw Refused(field, $"{attachmentId}: no unused upload of yours.");
        }
        if ((await CheckBytesAsync(attachment, field, ct)).State != AttachmentState.Processing)
        {
            throw Refused(field, $"{attachmentId}: an avatar is an image ({string.Join(", ", ContentSniffer.ImageTypes.Order(StringComparer.Ordinal))}).");
        }

        byte[]? avatar;
        using (var place = await gate.EnterAsync(ct))
        {
            var bytes = await ReadBoundedAsync(BlobKeys.Upload(attachment.Id), settings.MaxBytes, ct);
            avatar = bytes is null ? null : await DecodeBoundedAsync(place, attachment.Id, bytes, settings, ImageProcessor.Avatar, ct);
        }
        if (avatar is null)
        {
            throw Refused(field, $"{attachmentId}: the image cannot be processed.");
        }

        var avatarId = ObjectId.GenerateNewId().ToString();
        await blobs.WriteAsync(BlobKeys.Avatar(avatarId), new MemoryStream(avatar), ImageProcessor.ThumbnailType, ct);
        // Taking the record is the claim: a send or another avatar that took the upload first makes this fail.
        if (!await store.DeleteUnattachedAsync(attachment.Id, ct))
        {
            await blobs.DeleteAsync(BlobKeys.Avatar(avatarId), CancellationToken.None);
            throw Refused(field, $"{attachmentId}: the upload was used meanwhile.");
        }

        // The original with its metadata is never served; its upload URL stays spent.
        await blobs.RetireUploadAsync(BlobKeys.Upload(attachment.Id), ct);
        return avatarId;
    }

    /// <summary>A fresh signed URL of an avatar (inline, as WebP), on the same expiry grid as attachments' links; null for none.</summary>
    public async ValueTask<string?> AvatarUrlAsync(string? avatarId, CancellationToken ct) =>
        avatarId is null
            ? null
            : await blobs.CreateDownloadUrlAsync(BlobKeys.Avatar(avatarId), new BlobDownload(ImageProcessor.ThumbnailType, "avatar.webp", AsAttachment: false), LinkExpiry(), ct);

    /// <summary>Removes an avatar's thumbnail (one replaced or removed); nothing happens for none.</summary>
    public Task DeleteAvatarAsync(string? avatarId) =>
        avatarId is null ? Task.CompletedTask : blobs.DeleteAsync(BlobKeys.Avatar(avatarId), CancellationToken.None);

    /// <summary>Attaches all or none; false when another send got one of them first.</summary>
    public async Task ClaimAsync(string messageId, string callerId, IReadOnlyList<AttachmentClaim> claims, CancellationToken ct)
    {
        if (!await store.ClaimAsync(messageId, callerId, claims, ct))
        {
            throw Refused(Field, "An attachment was attached to another message meanwhile.");
        }
    }

    public Task ReleaseAsync(string messageId) => store.ReleaseAsync(messageId, CancellationToken.None);

    /// <summary>
    /// After the message is stored: other files move out of uploads/ (where the lifecycle rule would delete them),
    /// images go to processing.
    /// </summary>
    public async Task CompleteSendAsync(IReadOnlyList<AttachmentClaim> claims, CancellationToken ct)
    {
        foreach (var claim in claims)
        {
            if (claim.State == AttachmentState.Processing)
            {
                // Resolved when needed, like the assistant's queue: a host that sends no images needs none.
                var queue = queues.LastOrDefault() ?? throw new InvalidOperationException("No IAttachmentProcessingQueue is registered.");
                await queue.EnqueueAsync(claim.Id, ct);
            }
            else
            {
                await blobs.MoveAsync(BlobKeys.Upload(claim.Id), BlobKeys.File(claim.Id), ct);
            }
        }
    }

    /// <summary>The attachments of each message, for a whole page in one store query, with fresh signed links.</summary>
    public async Task<IReadOnlyDictionary<string, IReadOnlyList<AttachmentDto>>> ForMessagesAsync(IReadOnlyCollection<string> messageIds, CancellationToken ct)
    {
        if (messageIds.Count == 0)
        {
            return new Dictionary<string, IReadOnlyList<AttachmentDto>>();
        }
        var records = await store.ListForMessagesAsync(messageIds, ct);
        var result = new Dictionary<string, IReadOnlyList<AttachmentDto>>(StringComparer.Ordinal);
        foreach (var group in records.GroupBy(a => a.MessageId!, StringComparer.Ordinal))
        {
            var items = new List<AttachmentDto>();
            foreach (var record in group)
            {
                items.Add(await ToDtoAsync(record, ct));
            }
            result[group.Key] = items;
        }
        return result;
    }

    /// <summary>Removes a deleted message's attachments and their blobs: 404 for everyone from then on.</summary>
    public async Task DeleteForMessageAsync(string messageId, CancellationToken ct)
    {
        foreach (var attachment in await store.DeleteForMessageAsync(messageId, ct))
        {
            await DeleteBlobsAsync(attachment.Id, ct);
        }
    }

    /// <summary>Removes uploads never attached within a day; returns how many.</summary>
    public async Task<int> PurgeUnattachedAsync(CancellationToken ct)
    {
        var purged = 0;
        var cutoff = time.GetUtcNow() - UnattachedLifetime;
        while (true)
        {
            var batch = await store.ListUnattachedBeforeAsync(cutoff, 100, ct);
            foreach (var attachment in batch)
            {
                // The record goes first: a send that claims it meanwhile wins, and its blob stays.
                if (await store.DeleteUnattachedAsync(attachment.Id, ct))
                {
                    await DeleteBlobsAsync(attachment.Id, ct);
                    purged++;
                }
            }
            if (batch.Count < 100)
            {
                return purged;
            }
        }
    }

    public Task<IReadOnlyList<AttachmentRecord>> ListProcessingAsync(int limit, CancellationToken ct) => store.ListProcessingAsync(limit, ct);

    /// <summary>How many images one sweep looks at; the oldest first, so the next sweep goes on from there.</summary>
    public const int StuckSweepLimit = 1000;

    /// <summary>
    /// Images whose processing job was lost: those still processing <see cref="AttachmentOptions.RequeueProcessingAfterSeconds"/>
    /// after their slot was made are queued again; those still processing a day later are ended without a
    /// thumbnail (so a poison image cannot come back for ever). Returns the messages of the ended ones, to announce.
    /// </summary>
    public async Task<(int Requeued, IReadOnlyList<string> EndedMessageIds)> SweepStuckProcessingAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var requeueBefore = now - TimeSpan.FromSeconds(options.Value.RequeueProcessingAfterSeconds);
        var giveUpBefore = now - UnattachedLifetime;
        var requeued = 0;
        var ended = new List<string>();
        foreach (var attachment in await store.ListProcessingAsync(StuckSweepLimit, ct))
        {
            if (attachment.CreatedAt >= requeueBefore)
            {
                continue;
            }

            if (attachment.CreatedAt < giveUpBefore)
            {
                if (await store.CompleteProcessingAsync(attachment.Id, AttachmentState.Failed, null, null, null, ct) is { MessageId: { } messageId })
                {
                    await blobs.DeleteAsync(BlobKeys.Upload(attachment.Id), ct);
                    ended.Add(messageId);
                }

                continue;
            }

            var queue = queues.LastOrDefault() ?? throw new InvalidOperationException("No IAttachmentProcessingQueue is registered.");
            await queue.EnqueueAsync(attachment.Id, ct);
            requeued++;
        }

        return (requeued, ended);
    }

    /// <summary>
    /// Strips an image's metadata and makes its thumbnail, within a byte, pixel and time bound. Returns the
    /// message to announce as updated, or null when there is nothing to announce (not processing any more).
    /// </summary>
    public async Task<string?> ProcessAsync(string attachmentId, CancellationToken ct)
    {
        var settings = options.Value;
        var attachment = await FindAsync(attachmentId, ct);
        if (attachment is not { State: AttachmentState.Processing, MessageId: { } messageId })
        {
            return null;
        }

        var source = BlobKeys.Upload(attachment.Id);
        ProcessedImage? processed;
        // The place is taken before the bytes are read, so waiting jobs hold no image in memory; the timeout
        // counts from the decode's start, not from the wait.
        using (var place = await gate.EnterAsync(ct))
        {
            var bytes = await ReadBoundedAsync(source, settings.MaxBytes, ct);
            processed = bytes is null ? null : await DecodeBoundedAsync(place, attachment.Id, bytes, settings, ImageProcessor.Process, ct);
        }

        AttachmentRecord? completed;
        if (processed is null)
        {
            completed = await store.CompleteProcessingAsync(attachment.Id, AttachmentState.Failed, null, null, null, ct);
        }
        else
        {
            var thumbnailKey = BlobKeys.Thumbnail(attachment.Id);
            await blobs.WriteAsync(BlobKeys.File(attachment.Id), new MemoryStream(processed.Image), processed.ImageType, ct);
            await blobs.WriteAsync(thumbnailKey, new MemoryStream(processed.Thumbnail), processed.ThumbnailType, ct);
            completed = await store.CompleteProcessingAsync(attachment.Id, AttachmentState.Ready, processed.Width, processed.Height, thumbnailKey, ct);
        }

        // The original with its metadata is never served; a message deleted meanwhile leaves nothing behind. Its
        // upload URL stays spent.
        await blobs.RetireUploadAsync(source, ct);
        if (completed is null)
        {
            // Not processing any more: the message was deleted meanwhile (its record is gone, so are its blobs),
            // or a second run of the same job (a queue retry, a re-queue by the sweep) finished first and its
            // blobs must stay.
            if (await store.FindByIdAsync(attachment.Id, ct) is null)
            {
                await DeleteBlobsAsync(attachment.Id, ct);
            }

            return null;
        }
        return messageId;
    }

    private async Task<AttachmentDto> ToDtoAsync(AttachmentRecord attachment, CancellationToken ct)
    {
        string? url = null;
        string? thumbnailUrl = null;
        if (attachment.State == AttachmentState.Ready)
        {
            var expiresAt = LinkExpiry();
            url = await blobs.CreateDownloadUrlAsync(BlobKeys.File(attachment.Id), Download(attachment), expiresAt, ct);
            if (attachment.ThumbnailKey is { } thumbnailKey)
            {
                thumbnailUrl = await blobs.CreateDownloadUrlAsync(thumbnailKey,
                    new BlobDownload(ImageProcessor.ThumbnailType, "thumbnail-" + Path.ChangeExtension(attachment.FileName, ".webp"), AsAttachment: false), expiresAt, ct);
            }
        }
        return new AttachmentDto(attachment.Id, attachment.FileName, ServedType(attachment), attachment.StoredSize ?? attachment.DeclaredSize,
            attachment.State == AttachmentState.Processing, attachment.Width, attachment.Height, url, thumbnailUrl);
    }

    /// <summary>A processed GIF is stored as PNG (Skia encodes no GIF); everything else as sniffed.</summary>
    private static string ServedType(AttachmentRecord attachment) =>
        attachment is { SniffedType: ContentSniffer.Gif, State: AttachmentState.Ready, ThumbnailKey: not null }
            ? ContentSniffer.Png
            : attachment.SniffedType ?? attachment.DeclaredType;

    private static BlobDownload Download(AttachmentRecord attachment)
    {
        var type = ServedType(attachment);
        return new BlobDownload(type, attachment.FileName, AsAttachment: !AttachmentOptions.InlineSafeTypes.Contains(type));
    }

    /// <summary>
    /// Links expire on a 15-minute grid an hour ahead, so every answer carries 45 to 60 minutes and answers within
    /// one step carry the same URL (browsers cache the image).
    /// </summary>
    private DateTimeOffset LinkExpiry()
    {
        var now = time.GetUtcNow();
        return new DateTimeOffset(now.UtcTicks - (now.UtcTicks % LinkStep.Ticks), TimeSpan.Zero) + LinkLifetime;
    }

    private async Task<(string? Type, (int Width, int Height)? Dimensions)> SniffAsync(string key, long size, CancellationToken ct)
    {
        await using var content = await blobs.OpenReadAsync(key, ct);
        if (content is null)
        {
            return (null, null);
        }
        var header = new byte[(int)Math.Min(size, ImageProcessor.HeaderBytes)];
        await content.ReadAtLeastAsync(header, header.Length, throwOnEndOfStream: false, ct);
        var magic = ContentSniffer.FromMagic(header);
        if (magic is not null)
        {
            return (magic, ContentSniffer.ImageTypes.Contains(magic) ? ImageProcessor.ReadDimensions(header) : null);
        }
        await using var whole = await blobs.OpenReadAsync(key, ct);
        return (whole is null ? null : await ContentSniffer.SniffAsync(whole, options.Value.MaxBytes, ct), null);
    }

    /// <summary>Runs <paramref name="decode"/> on the image within the gate's pixel reservation and the processing timeout; null when it cannot.</summary>
    private static async Task<T?> DecodeBoundedAsync<T>(ImageDecodeGate.Place place, string attachmentId, byte[] bytes, AttachmentOptions settings,
        Func<ImagePlan, long, T?> decode, CancellationToken ct) where T : class
    {
        if (ImageProcessor.Plan(bytes, settings.MaxImagePixels) is not { } plan)
        {
            return null;
        }

        await place.ReservePixelsAsync(plan.DecodePixels, attachmentId, ct);
        // Native decoding cannot be interrupted: past the timeout its result is dropped and the job goes on, but
        // its place and pixels stay taken until it has really ended.
        var decoding = place.Hold();
        var work = Task.Run(() =>
        {
            using (decoding)
            {
                return decode(plan, settings.MaxImagePixels);
            }
        }, CancellationToken.None);
        try
        {
            return await work.WaitAsync(TimeSpan.FromSeconds(settings.ProcessingTimeoutSeconds), ct);
        }
        catch (TimeoutException)
        {
            return null;
        }
    }

    private async Task<byte[]?> ReadBoundedAsync(string key, long maxBytes, CancellationToken ct)
    {
        await using var content = await blobs.OpenReadAsync(key, ct);
        if (content is null)
        {
            return null;
        }
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await content.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > maxBytes)
            {
                return null;
            }
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }

    private async Task DeleteBlobsAsync(string id, CancellationToken ct)
    {
        await blobs.DeleteAsync(BlobKeys.Upload(id), ct);
        await blobs.DeleteAsync(BlobKeys.File(id), ct);
        await blobs.DeleteAsync(BlobKeys.Thumbnail(id), ct);
    }

    private static string? FileName(InputRules rules, string? value)
    {
        var name = value?.Normalize(System.Text.NormalizationForm.FormC).Trim();
        if (string.IsNullOrEmpty(name) || name.Length > MaxFileNameLength)
        {
            rules.Add("fileName", $"Use 1 to {MaxFileNameLength} characters.");
            return null;
        }
        if (name.Any(c => char.IsControl(c) || c is '/' or '\\' or '"') || name is "." or "..")
        {
            rules.Add("fileName", "A plain file name: no control characters, slashes or quotes.");
            return null;
        }
        if (InputRules.HiddenCharacterProblem(name) is { } problem)
        {
            rules.Add("fileName", problem);
            return null;
        }
        return name;
    }

    private static ProblemException Refused(string field, string message) => ProblemException.Validation(field, message);
}
