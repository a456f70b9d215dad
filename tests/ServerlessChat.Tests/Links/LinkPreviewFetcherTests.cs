using System.Collections.Concurrent;
using System.Net;
using ServerlessChat.Core.Domain;
using ServerlessChat.Core.Egress;
using ServerlessChat.Core.Links;

namespace ServerlessChat.Tests.Links;

/// <summary>The fetcher against a loopback page server, friendly and hostile pages alike.</summary>
public sealed class LinkPreviewFetcherTests : IAsyncLifetime
{
    private PageServer _pages = null!;
    private readonly ConcurrentBag<IPAddress> _checked = [];

    public async Task InitializeAsync() => _pages = await PageServer.StartAsync();

    public async Task DisposeAsync() => await _pages.DisposeAsync();

    /// <summary>Loopback only (the page server), every address the guard was asked about recorded.</summary>
    private LinkPreviewFetcher LoopbackFetcher(int timeoutSeconds = 5) =>
        new(new LinkOptions { TimeoutSeconds = timeoutSeconds }, new OutboundAddressGuard(ip =>
        {
            _checked.Add(ip);
            return IPAddress.IsLoopback(ip);
        }));

    private async Task<LinkPreviewRecord?> FetchAsync(string path, int timeoutSeconds = 5)
    {
        using var fetcher = LoopbackFetcher(timeoutSeconds);
        return await fetcher.FetchAsync(new Uri(_pages.Url(path)), default);
    }

    [Fact]
    public async Task OpenGraphTagsWinOverTheTitleAndTheirTextIsCleanedUp()
    {
        var preview = await FetchAsync("/article/moon");
        Assert.Equal(new LinkPreviewRecord(_pages.Url("/article/moon"), "The moon story", "All about moon.", "Example News"), preview);
    }

    [Fact]
    public async Task TwitterTagsTheTitleAndTheDescriptionTagServeWhenThereIsNoOpenGraph()
    {
        Assert.Equal(("Just a title", null), (await FetchAsync("/title-only")) is { } t ? (t.Title, t.Description) : default);
        Assert.Equal(("Tweeted", "Plain description"), (await FetchAsync("/twitter")) is { } w ? (w.Title, w.Description) : default);
        Assert.Null(await FetchAsync("/nothing"));
    }

    [Fact]
    public async Task ScriptsNeverRunAndMalformedHtmlIsParsedAsABrowserWould()
    {
        Assert.Equal("Real title", (await FetchAsync("/scripted"))!.Title);
        var broken = await FetchAsync("/malformed");
        Assert.Equal("Broken & still fine", broken!.Title);
        Assert.Equal("gnp.exe", (await FetchAsync("/bidi"))!.Title![4..]);
        Assert.DoesNotContain('\u202E', (await FetchAsync("/bidi"))!.Title!);
    }

    [Fact]
    public async Task TheCharsetComesFromTheHeaderOrFromThePageItself()
    {
        Assert.Equal("Café crème", (await FetchAsync("/latin1"))!.Title);
        Assert.Equal("Naïve", (await FetchAsync("/header-charset"))!.Title);
    }

    [Fact]
    public async Task OnlyHtmlThatAnswersSuccessfullyIsPreviewed()
    {
        Assert.Null(await FetchAsync("/json"));
        Assert.Null(await FetchAsync("/missing"));
    }

    [Fact]
    public async Task AtMostThreeRedirectsAreFollowed()
    {
        Assert.Equal("The redirected story", (await FetchAsync("/redirect/2"))!.Title);
        var before = _pages.Requests;
        Assert.Null(await FetchAsync("/redirect/3"));
        // The first request and three redirects; the fifth address is never asked for.
        Assert.Equal(4, _pages.Requests - before);
    }

    [Fact]
    public async Task ARedirectIntoPrivateSpaceIsCheckedAndNeverFollowed()
    {
        Assert.Null(await FetchAsync("/to-private"));
        Assert.Null(await FetchAsync("/to-metadata"));
        Assert.Contains(IPAddress.Parse("10.255.255.1"), _checked);
        Assert.Contains(IPAddress.Parse("169.254.169.254"), _checked);
    }

    [Fact]
    public async Task WithPublicAddressesOnlyLoopbackIsRefusedByAddressAndByName()
    {
        using var fetcher = new LinkPreviewFetcher(new LinkOptions(), OutboundAddressGuard.PublicOnly);
        var port = new Uri(_pages.BaseUrl).Port;
        var before = _pages.Requests;
        foreach (var url in new[] { $"http://127.0.0.1:{port}/article/a", $"http://localhost:{port}/article/a", $"http://[::ffff:127.0.0.1]:{port}/article/a", $"http://[::1]:{port}/article/a", $"http://0.0.0.0:{port}/article/a" })
        {
            Assert.Null(await fetcher.FetchAsync(new Uri(url), default));
        }
        Assert.Equal(before, _pages.Requests);
    }

    [Fact]
    public async Task AHugePageIsReadOnlyUpToTheCap()
    {
        Assert.Equal("Huge but early", (await FetchAsync("/huge/0"))!.Title);
        // The title comes after 2 MiB: beyond the 1 MiB read, so there is none.
        Assert.Null(await FetchAsync("/huge/2097152"));
        // Of 16 MiB offered, the server managed to write far less (what the socket buffers took beyond the cap).
        Assert.True(_pages.HugeBytesWritten < 12L * 1024 * 1024, $"{_pages.HugeBytesWritten} bytes written");
    }

    [Fact]
    public async Task ASlowPageGivesNoPreview()
    {
        Assert.Null(await FetchAsync("/slow", timeoutSeconds: 1));
    }

    [Theory]
    [InlineData("see https://example.com/a, and (http://example.org/b_(c)) then https://example.net/x. and https://fourth.example/",
        "https://example.com/a|http://example.org/b_(c)|https://example.net/x")]
    [InlineData("no links, ftp://example.com, javascript:alert(1), http://, https://user:pw@example.com/", "")]
    [InlineData("twice https://example.com/a https://example.com/a", "https://example.com/a")]
    public void TheFirstThreeHttpLinksAreFoundInOrder(string content, string expected)
    {
        Assert.Equal(expected, string.Join('|', LinkExtractor.Find(content).Select(u => u.OriginalString)));
    }
}
