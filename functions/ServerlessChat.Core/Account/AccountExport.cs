using System.IO.Compression;
using System.IO.Pipelines;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using MongoDB.Bson;
using ServerlessChat.Core.Api;
using ServerlessChat.Core.Attachments;
using ServerlessChat.Core.Domain;
using ServerlessChat.Core.Http;
using ServerlessChat.Core.Messaging;
using ServerlessChat.Core.Storage;

namespace ServerlessChat.Core.Account;

/// <summary>
/// A user's data export (API.md "Sessions and the account"): a request queues a job, the job streams a ZIP
/// (<c>account.json</c>, <c>messages.jsonl</c>, <c>attachments/</c>) straight into the attachment blob store the
/// deployment uses, and each status read signs a fresh short-lived link to it. The archive never sits in
/// memory: the ZIP is written into a pipe that the blob store reads from while it is being written. The export's
/// state is a small record next to it in the same blob store, so the two never disagree.
/// </summary>
public sealed partial class AccountExport(
    IUserStore users,
    ISessionStore sessions,
    IBlockStore blocks,
    IPushStore push,
    IConversationStore conversations,
    IMessageStore messages,
    IAttachmentStore attachments,
    IAttachmentBlobStore blobs,
    IRateLimitCounterStore counters,
    MessageService messageService,
    IAccountJobQueue queue,
    TimeProvider time,
    ILogger<AccountExport> logger)
{
    public const string Running = "running";
    public const string Ready = "ready";
    public const string Failed = "failed";

    /// <summary>How long an export is kept (API.md: 24 hours).</summary>
    public static readonly TimeSpan KeptFor = TimeSpan.FromHours(24);

    /// <summary>How long a signed link works (API.md: 15 minutes).</summary>
    public static readonly TimeSpan LinkLifetime = TimeSpan.FromMinutes(15);

    private static readonly TimeSpan Window = TimeSpan.FromDays(1);

    private const int PageSize = 500;

    // Flushed to the blob store in pieces of about this size; the pipe holds at most twice it.
    private const int PipeBytes = 1024 * 1024;

    /// <summary>Starts an export: at most one a day per user (429 with Retry-After beyond).</summary>
    public async Task<ExportDto> RequestAsync(string userId, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var windowEnd = new DateTimeOffset(now.UtcTicks - (now.UtcTicks % Window.Ticks), TimeSpan.Zero) + Window;
        if (await counters.IncrementAsync($"exports:{userId}", windowEnd, ct) > 1)
        {
            throw new ProblemException(StatusCodes.Status429TooManyRequests, "Too many requests", "One export a day; retry later.")
            {
                RetryAfter = windowEnd - now,
            };
        }

        var id = ObjectId.GenerateNewId().ToString();
        await SaveStateAsync(new ExportState(id, userId, Running, time.GetStoredNow(), null), ct);
        if (!await queue.EnqueueAsync(AccountJob.ForExport(userId, id), ct))
        {
            await SaveStateAsync(new ExportState(id, userId, Failed, time.GetStoredNow(), null), ct);
            throw new ProblemException(StatusCodes.Status503ServiceUnavailable, "Service unavailable", "Exports are busy; retry later.");
        }

        return new ExportDto(id, Running);
    }

    /// <summary>The caller's export; a ready one with a link signed now. 404 for another user's, an unknown or an expired one.</summary>
    public async Task<ExportDto> GetAsync(string userId, string id, CancellationToken ct)
    {
        var state = InputRules.IsId(id) ? await ReadStateAsync(id, ct) : null;
        if (state is null || state.UserId != userId)
        {
            throw ProblemException.NotFound("No such export.");
        }

        if (state.Status != Ready)
        {
            return new ExportDto(state.Id, state.Status);
        }

        var now = time.GetUtcNow();
        if (state.FinishedAt is { } finished && finished + KeptFor <= now)
        {
            await blobs.DeleteAsync(ZipKey(id), ct);
            throw ProblemException.NotFound("No such export.");
        }

        var expiresAt = now + LinkLifetime;
        var url = await blobs.CreateDownloadUrlAsync(ZipKey(id), new BlobDownload("application/zip", $"serverlesschat-export-{id}.zip", AsAttachment: true), expiresAt, ct);
        return new ExportDto(state.Id, state.Status, url, expiresAt);
    }

    /// <summary>The job: builds the ZIP unless it is built already (a repeated job does nothing more).</summary>
    public async Task RunAsync(string userId, string exportId, CancellationToken ct)
    {
        var state = await ReadStateAsync(exportId, ct);
        if (state is null || state.UserId != userId || state.Status == Ready)
        {
            return;
        }

        var user = await users.FindByIdAsync(userId, ct);
        if (user is null || user.IsErased)
        {
            await SaveStateAsync(state with { Status = Failed }, ct);
            return;
        }

        try
        {
            await WriteZipAsync(user, ZipKey(exportId), ct);
            await SaveStateAsync(state with { Status = Ready, FinishedAt = time.GetStoredNow() }, ct);
            LogReady(logger, exportId, userId);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            LogFailed(logger, e, exportId, userId);
            await SaveStateAsync(state with { Status = Failed }, CancellationToken.None);
        }
    }

    /// <summary>Streams the archive into the blob store: one task writes the ZIP into a pipe, the store reads it as it comes.</summary>
    public async Task WriteZipAsync(UserRecord user, string key, CancellationToken ct)
    {
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 2 * PipeBytes, resumeWriterThreshold: PipeBytes, minimumSegmentSize: 64 * 1024));
        var upload = Task.Run(async () =>
        {
            await using var reader = pipe.Reader.AsStream();
            await blobs.WriteAsync(key, reader, "application/zip", ct);
        }, ct);

        Exception? failed = null;
        try
        {
            // Left open: the writer is completed below, with the failure if there was one, so a cut archive never looks whole.
            await using var output = pipe.Writer.AsStream(leaveOpen: true);
            using (var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
            {
                await WriteEntriesAsync(zip, user, ct);
            }
        }
        catch (Exception e)
        {
            failed = e;
            throw;
        }
        finally
        {
            await pipe.Writer.CompleteAsync(failed);
            try
            {
                await upload;
            }
            catch when (failed is not null)
            {
                // The writer's own failure is the one that counts.
            }
        }
    }

    private async Task WriteEntriesAsync(ZipArchive zip, UserRecord user, CancellationToken ct)
    {
        var subscriptions = await push.ListSubscriptionsAsync(user.Id, ct);
        var account = new ExportAccountDto(
            UserDto.From(user, includeEmail: true),
            [.. (await sessions.ListLiveAsync(user.Id, time.GetUtcNow(), 1_000, ct)).Select(s => new ExportSessionDto(s.Id, s.CreatedAt, s.LastUsedAt, s.UserAgent))],
            await blocks.ListBlockedAsync(user.Id, ct),
            await push.ListMutedAsync(user.Id, ct),
            [.. subscriptions.Select(s => new ExportPushSubscriptionDto(s.Endpoint, s.CreatedAt))]);
        await using (var entry = zip.CreateEntry("account.json", CompressionLevel.Fastest).Open())
        {
            await JsonSerializer.SerializeAsync(entry, account, ChatJson.Options, ct);
        }

        var uploaded = new List<AttachmentRecord>();
        await using (var entry = zip.CreateEntry("messages.jsonl", CompressionLevel.Fastest).Open())
        {
            var newline = "\n"u8.ToArray();
            foreach (var conversationId in await conversations.ListSpokenInAsync(user.Id, ct))
            {
                string? before = null;
                while (true)
                {
                    var page = await messages.GetPageAsync(conversationId, before, PageSize, ct);
                    // System messages stored under the user (a group change it made, a call it placed) are no text of its own.
                    var own = page.Where(m => m.SenderId == user.Id && !m.Deleted && m.System is null).ToList();
                    if (own.Count > 0)
                    {
                        foreach (var message in await messageService.ToDtosAsync(own, _ => false, ct))
                        {
                            await JsonSerializer.SerializeAsync(entry, message, ChatJson.Options, ct);
                            await entry.WriteAsync(newline, ct);
                        }

                        uploaded.AddRange(await attachments.ListForMessagesAsync([.. own.Select(m => m.Id)], ct));
                    }

                    if (page.Count < PageSize)
                    {
                        break;
                    }

                    before = page[^1].Id;
                }
            }
        }

        foreach (var attachment in uploaded.Where(a => a.UploaderId == user.Id))
        {
            await using var source = await blobs.OpenReadAsync(BlobKeys.File(attachment.Id), ct);
            if (source is null)
            {
                continue;
            }

            // Files are mostly compressed already (images, archives): stored as they are, which is also the fastest.
            await using var entry = zip.CreateEntry($"attachments/{attachment.Id}/{SafeName(attachment.FileName)}", CompressionLevel.NoCompression).Open();
            await source.CopyToAsync(entry, ct);
        }
    }

    /// <summary>A file name as one path segment of the archive: no folders, nothing a ZIP tool would resolve upwards.</summary>
    public static string SafeName(string fileName)
    {
        var name = new string([.. fileName.Select(c => c is '/' or '\\' || char.IsControl(c) ? '_' : c)]).Trim();
        return name is "" or "." or ".." ? "file" : name;
    }

    public static string ZipKey(string exportId) => BlobKeys.Export(exportId);

    private async Task<ExportState?> ReadStateAsync(string id, CancellationToken ct)
    {
        await using var stream = await blobs.OpenReadAsync(BlobKeys.ExportState(id), ct);
        return stream is null ? null : await JsonSerializer.DeserializeAsync<ExportState>(stream, ChatJson.Options, ct);
    }

    private async Task SaveStateAsync(ExportState state, CancellationToken ct)
    {
        using var content = new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(state, ChatJson.Options));
        await blobs.WriteAsync(BlobKeys.ExportState(state.Id), content, "application/json", ct);
    }

    /// <summary>What the blob store keeps about one export.</summary>
    private sealed record ExportState(string Id, string UserId, string Status, DateTimeOffset CreatedAt, DateTimeOffset? FinishedAt);

    [LoggerMessage(LogLevel.Information, "Export {ExportId} of user {UserId} is ready")]
    private static partial void LogReady(ILogger logger, string exportId, string userId);

    [LoggerMessage(LogLevel.Error, "Export {ExportId} of user {UserId} failed")]
    private static partial void LogFailed(ILogger logger, Exception exception, string exportId, string userId);
}
