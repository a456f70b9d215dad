using System.Net;
using System.Text;
using AngleSharp.Dom;
using AngleSharp.Html.Parser;
using Microsoft.Extensions.Options;
using ServerlessChat.Core.Domain;
using ServerlessChat.Core.Egress;

namespace ServerlessChat.Core.Links;

/// <summary>
/// Fetches a page a user linked to and reads what it says about itself. The page is untrusted: only addresses the
/// <see cref="OutboundAddressGuard"/> allows (checked for the first address, every redirect and each connection),
/// at most <see cref="LinkOptions.MaxRedirects"/> redirects, HTML only, at most <see cref="LinkOptions.MaxBytes"/>
/// read within <see cref="LinkOptions.TimeoutSeconds"/>, parsed by a real HTML parser that never runs scripts. Any
/// failure is "no preview", never an exception.
/// </summary>
public sealed class LinkPreviewFetcher : IDisposable
{
    public const int MaxTitleLength = 300;

    public const int MaxDescriptionLength = 1000;

    private static readonly HtmlParser Parser = new(new HtmlParserOptions { IsScripting = false });

    private readonly LinkOptions _options;
    private readonly OutboundAddressGuard _guard;
    private readonly HttpClient _http;

    public LinkPreviewFetcher(IOptions<LinkOptions> options)
        : this(options.Value, options.Value.AllowPrivateAddresses ? OutboundAddressGuard.Anywhere : OutboundAddressGuard.PublicOnly)
    {
    }

    public LinkPreviewFetcher(LinkOptions options, OutboundAddressGuard guard)
    {
        _options = options;
        _guard = guard;
        _http = new HttpClient(new SocketsHttpHandler
        {
            // Redirects are followed here, one checked hop at a time.
            AllowAutoRedirect = false,
            UseCookies = false,
            UseProxy = false,
            ConnectCallback = guard.ConnectAsync,
            ConnectTimeout = TimeSpan.FromSeconds(options.TimeoutSeconds),
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            MaxResponseHeadersLength = 64,
            AutomaticDecompression = DecompressionMethods.All,
        })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
        _http.DefaultRequestHeaders.UserAgent.ParseAdd("ServerlessChat-LinkPreview/1.0");
    }

    /// <summary>The page's preview (its URL is <paramref name="url"/>, the one in the message); null when there is none to be had.</summary>
    public async Task<LinkPreviewRecord?> FetchAsync(Uri url, CancellationToken ct)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(TimeSpan.FromSeconds(_options.TimeoutSeconds));
        try
        {
            var target = url;
            for (var hop = 0; ; hop++)
            {
                // Checked before the request too, so a host that resolves to a forbidden address gets no connection attempt.
                if (target.Scheme is not ("http" or "https") || target.UserInfo.Length > 0
                    || (await _guard.ResolveAsync(target.IdnHost, deadline.Token)).Count == 0)
                {
                    return null;
                }

                using var request = new HttpRequestMessage(HttpMethod.Get, target);
                request.Headers.Accept.ParseAdd("text/html, application/xhtml+xml;q=0.9");
                using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token);
                if ((int)response.StatusCode is >= 300 and < 400)
                {
                    if (hop >= _options.MaxRedirects || response.Headers.Location is not { } location)
                    {
                        return null;
                    }
                    target = new Uri(target, location);
                    continue;
                }

                var contentType = response.Content.Headers.ContentType;
                if (!response.IsSuccessStatusCode || contentType?.MediaType is not ("text/html" or "application/xhtml+xml"))
                {
                    return null;
                }

                await using var body = await response.Content.ReadAsStreamAsync(deadline.Token);
                var bytes = await ReadAtMostAsync(body, _options.MaxBytes, deadline.Token);
                return Parse(url.AbsoluteUri, bytes, contentType.CharSet);
            }
        }
        catch (Exception e) when (e is HttpRequestException or IOException or UriFormatException or InvalidOperationException
                                      || (e is OperationCanceledException && !ct.IsCancellationRequested))
        {
            return null;
        }
    }

    /// <summary>
    /// What the page says about itself: <c>og:*</c>, else <c>twitter:*</c>, else <c>&lt;title&gt;</c> and the
    /// description meta tag; null when it says nothing. The bytes are decoded with the header's charset, else as the
    /// page itself declares (the parser's own sniffing: BOM, then <c>&lt;meta charset&gt;</c>), else UTF-8.
    /// </summary>
    public static LinkPreviewRecord? Parse(string url, byte[] html, string? charset)
    {
        using var document = Decode(html, charset) is { } text ? Parser.ParseDocument(text) : Parser.ParseDocument(new MemoryStream(html));
        var metas = document.QuerySelectorAll("meta");
        string? Meta(params string[] keys)
        {
            foreach (var key in keys)
            {
                var content = metas
                    .Where(m => string.Equals(m.GetAttribute("property") ?? m.GetAttribute("name"), key, StringComparison.OrdinalIgnoreCase))
                    .Select(m => Clean(m.GetAttribute("content"), int.MaxValue))
                    .FirstOrDefault(c => c is not null);
                if (content is not null)
                {
                    return content;
                }
            }
            return null;
        }

        var title = Clean(Meta("og:title", "twitter:title") ?? document.QuerySelector("title")?.TextContent, MaxTitleLength);
        var description = Clean(Meta("og:description", "twitter:description", "description"), MaxDescriptionLength);
        var siteName = Clean(Meta("og:site_name"), MaxTitleLength);
        return title is null && description is null ? null : new LinkPreviewRecord(url, title, description, siteName);
    }

    private static string? Decode(byte[] html, string? charset)
    {
        if (string.IsNullOrWhiteSpace(charset))
        {
            return null;
        }
        try
        {
            return Encoding.GetEncoding(charset.Trim('"', '\'', ' ')).GetString(html);
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    /// <summary>Text as the page gave it, whitespace runs made one space, control and direction characters out, cut to a length (never inside a surrogate pair).</summary>
    private static string? Clean(string? value, int maxLength)
    {
        if (value is null)
        {
            return null;
        }
        var builder = new StringBuilder(Math.Min(value.Length, maxLength));
        var space = false;
        foreach (var c in value)
        {
            if (char.IsWhiteSpace(c))
            {
                space = builder.Length > 0;
                continue;
            }
            if (char.IsControl(c))
            {
                continue;
            }
            if (space)
            {
                builder.Append(' ');
                space = false;
            }
            builder.Append(c);
            if (builder.Length >= maxLength)
            {
                if (char.IsHighSurrogate(builder[^1]))
                {
                    builder.Length--;
                }
                break;
            }
        }
        // Direction overrides would let a page's title reorder the text around it in a client.
        var text = InputRules.WithoutBidiControls(builder.ToString()).Trim();
        return text.Length == 0 ? null : text;
    }

    private static async Task<byte[]> ReadAtMostAsync(Stream body, int maxBytes, CancellationToken ct)
    {
        var buffer = new byte[Math.Min(maxBytes, 64 * 1024)];
        using var read = new MemoryStream();
        int count;
        while (read.Length < maxBytes && (count = await body.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, maxBytes - read.Length)), ct)) > 0)
        {
            read.Write(buffer, 0, count);
        }
        return read.ToArray();
    }

    public void Dispose() => _http.Dispose();
}
