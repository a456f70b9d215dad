using Microsoft.Extensions.Options;
using ServerlessChat.Core.Domain;
using ServerlessChat.Core.Messaging;
using ServerlessChat.Core.RateLimiting;
using ServerlessChat.Core.Realtime;
using ServerlessChat.Core.Storage;

namespace ServerlessChat.Core.Links;

/// <summary>
/// One message's previews: each of its first links from the kept previews or fetched (and kept), set on the message,
/// then the conversation told with <c>messageUpdated</c> (recorded for sync) carrying the message as it now is.
/// </summary>
public sealed class LinkPreviewJob(
    IMessageStore messages,
    ILinkPreviewStore previews,
    LinkPreviewFetcher fetcher,
    MessageService messageService,
    IRealtimePublisher realtime,
    IRateLimitCounterStore counters,
    IOptions<LinkOptions> options,
    TimeProvider time)
{
    public async Task RunAsync(string messageId, CancellationToken ct)
    {
        if (!options.Value.Enabled || await messages.FindByIdAsync(messageId, ct) is not { Deleted: false } message)
        {
            return;
        }
        var urls = LinkExtractor.Find(message.Content);
        if (urls.Count == 0)
        {
            return;
        }

        var found = await Task.WhenAll(urls.Select(url => PreviewAsync(message.SenderId, url, ct)));
        var links = found.Where(p => p is { Title: not null } or { Description: not null }).Select(p => p!).ToList();
        if (links.Count == 0 || await previews.SetMessageLinksAsync(message.Id, links, ct) is null)
        {
            return;
        }
        if (await messageService.AnnounceUpdatedAsync(message.Id, ct) is { } actions)
        {
            await realtime.PublishAsync(actions, ct);
        }
    }

    /// <summary>
    /// The kept preview of the page, else a fresh one, kept (a page with nothing to show is kept as such, so it is
    /// not fetched again for a while); null when the sender has had its pages for this minute.
    /// </summary>
    private async Task<LinkPreviewRecord?> PreviewAsync(string senderId, Uri url, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        if (await previews.FindAsync(url.AbsoluteUri, now, ct) is { } kept)
        {
            return kept;
        }
        if (await counters.IncrementAsync($"links:{senderId}", RequestRateLimiter.WindowEnd(now), ct) > options.Value.PerUserPagesPerMinute)
        {
            return null;
        }
        var preview = await fetcher.FetchAsync(url, ct) ?? new LinkPreviewRecord(url.AbsoluteUri, null, null, null);
        await previews.PutAsync(preview, now.AddMinutes(options.Value.CacheMinutes), ct);
        return preview;
    }
}
