using System.ComponentModel.DataAnnotations;

namespace ServerlessChat.Core.Links;

/// <summary>Link previews (<c>Links</c>): fetched after the send, from public addresses only unless allowed otherwise.</summary>
public sealed class LinkOptions
{
    public const string Section = "Links";

    /// <summary>Off: messages keep <c>links: []</c> and no page is ever fetched.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Lets the server fetch pages at loopback and private addresses: for tests and local runs only.</summary>
    public bool AllowPrivateAddresses { get; set; }

    /// <summary>How much of a page is read; the rest is never downloaded.</summary>
    [Range(16 * 1024, 16 * 1024 * 1024)]
    public int MaxBytes { get; set; } = 1024 * 1024;

    /// <summary>Everything of one page (every redirect, the headers, the body) within this time.</summary>
    [Range(1, 30)]
    public int TimeoutSeconds { get; set; } = 5;

    /// <summary>Redirects followed per page, each checked like the first address.</summary>
    [Range(0, 10)]
    public int MaxRedirects { get; set; } = 3;

    /// <summary>Pages fetched for one sender's messages per minute (kept previews do not count); beyond it links stay without previews.</summary>
    [Range(1, 100_000)]
    public int PerUserPagesPerMinute { get; set; } = 30;

    /// <summary>How long a page's preview (or the finding that it has none) is kept by URL.</summary>
    [Range(1, 10_080)]
    public int CacheMinutes { get; set; } = 360;
}
