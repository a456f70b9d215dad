using System.Net;
using ServerlessChat.Core.Realtime;
using ServerlessChat.Tests.Infrastructure;
using ServerlessChat.Tests.Links;
using ServerlessChat.Tests.Realtime;

namespace ServerlessChat.Tests.Api;

/// <summary>
/// Link previews over HTTP on the shared host (which allows loopback pages), on the store it runs on (MongoDB when
/// CHAT_TEST_MONGODB is set): after the send, never in it.
/// </summary>
[Collection(SharedHostCollection.Name)]
public sealed class LinkPreviewsApiTests(SharedHostFixture fixture) : IAsyncLifetime
{
    private PageServer _pages = null!;

    private HttpClient Http => fixture.Host.Client;

    public async Task InitializeAsync() => _pages = await PageServer.StartAsync();

    public async Task DisposeAsync() => await _pages.DisposeAsync();

    [Fact]
    public async Task ASentLinkIsPreviewedAfterTheSendAndTheConversationHearsItAsMessageUpdated()
    {
        var (alice, bob) = (await ChatApiClient.RegisterAsync(Http, "lnk"), await ChatApiClient.RegisterAsync(Http, "lnk"));
        await using var bobOnline = await RealtimeClient.ConnectAsync(fixture.Host.BaseAddress, bob.UserId, bob.AccessToken);
        var start = await PinsApiTests.SyncStartAsync(bob);
        var url = _pages.Url($"/article/{Guid.NewGuid():N}");

        var sent = await alice.SendMessageAsync(new { receiverId = bob.UserId, content = $"look: {url} and {_pages.Url("/nothing")}" });
        var id = (string)sent["id"]!;
        Assert.Empty(sent["links"]!.AsArray());

        var updated = await bobOnline.WaitForAsync(ChatHub.MessageUpdated, m => m.Str("id") == id);
        var link = Assert.Single(updated.GetProperty("links").EnumerateArray());
        Assert.Equal(url, link.Str("url"));
        Assert.StartsWith("The ", link.Str("title"));
        Assert.Equal("Example News", link.Str("siteName"));
        Assert.Null(link.Str("imageUrl"));

        var history = (await ChatApiClient.ReadAsync(await bob.GetAsync($"api/messages?with={alice.UserId}"), HttpStatusCode.OK))["items"]!.AsArray();
        Assert.Equal(url, (string?)history[0]!["links"]![0]!["url"]);
        var synced = (await PinsApiTests.SyncAllAsync(bob, start)).Where(c => (string)c["type"]! == "messageUpdated").ToList();
        Assert.Equal(url, (string?)Assert.Single(synced)["data"]!["links"]![0]!["url"]);
    }

    [Fact]
    public async Task ABurstOfMessagesLinkingOnePageAllGetItsPreview()
    {
        var (alice, bob) = (await ChatApiClient.RegisterAsync(Http, "lnk"), await ChatApiClient.RegisterAsync(Http, "lnk"));
        await using var bobOnline = await RealtimeClient.ConnectAsync(fixture.Host.BaseAddress, bob.UserId, bob.AccessToken);
        var url = _pages.Url($"/article/{Guid.NewGuid():N}");

        var sends = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => alice.PostAsync("api/messages", new { receiverId = bob.UserId, content = $"{i} {url}" })));
        var ids = new List<string>();
        foreach (var send in sends)
        {
            ids.Add((string)(await ChatApiClient.ReadAsync(send, HttpStatusCode.Created))["id"]!);
        }

        foreach (var id in ids)
        {
            var updated = await bobOnline.WaitForAsync(ChatHub.MessageUpdated, m => m.Str("id") == id);
            Assert.Equal(url, Assert.Single(updated.GetProperty("links").EnumerateArray()).Str("url"));
        }
    }

    [Fact]
    public async Task AMessageWithoutAPreviewablePageStaysAsItWasSent()
    {
        var (alice, bob) = (await ChatApiClient.RegisterAsync(Http, "lnk"), await ChatApiClient.RegisterAsync(Http, "lnk"));
        await using var bobOnline = await RealtimeClient.ConnectAsync(fixture.Host.BaseAddress, bob.UserId, bob.AccessToken);
        var tag = Guid.NewGuid().ToString("N");
        var quiet = (string)(await alice.SendMessageAsync(new { receiverId = bob.UserId, content = $"{_pages.Url($"/json?{tag}")} {_pages.Url($"/missing?{tag}")}" }))["id"]!;
        await _pages.WaitForRequestAsync($"/json?{tag}");
        await _pages.WaitForRequestAsync($"/missing?{tag}");
        var sentinel = (string)(await alice.SendMessageAsync(new { receiverId = bob.UserId, content = _pages.Url($"/title-only?{tag}") }))["id"]!;

        // Both pages were asked for before the later message was sent: by the time that one is previewed, the first
        // message's job has long decided, and it announced nothing.
        await bobOnline.WaitForAsync(ChatHub.MessageUpdated, m => m.Str("id") == sentinel);
        Assert.Empty(bobOnline.Received(ChatHub.MessageUpdated, m => m.Str("id") == quiet));
        var history = (await ChatApiClient.ReadAsync(await bob.GetAsync($"api/messages?with={alice.UserId}"), HttpStatusCode.OK))["items"]!.AsArray();
        Assert.Empty(history.Single(m => (string)m!["id"]! == quiet)!["links"]!.AsArray());
    }

    [Fact]
    public async Task ASendersPagesPerMinuteAreCappedAndKeptPreviewsDoNotCount()
    {
        var (alice, bob) = (await ChatApiClient.RegisterAsync(Http, "lnk"), await ChatApiClient.RegisterAsync(Http, "lnk"));
        await using var bobOnline = await RealtimeClient.ConnectAsync(fixture.Host.BaseAddress, bob.UserId, bob.AccessToken);
        var tag = Guid.NewGuid().ToString("N");
        var first = "";
        // 30 pages (Links:PerUserPagesPerMinute), three to a message, each message previewed before the next is sent.
        for (var i = 0; i < 10; i++)
        {
            var urls = Enumerable.Range(0, 3).Select(j => _pages.Url($"/article/{tag}-{i}-{j}")).ToList();
            first = i == 0 ? urls[0] : first;
            var id = (string)(await alice.SendMessageAsync(new { receiverId = bob.UserId, content = string.Join(' ', urls) }))["id"]!;
            await bobOnline.WaitForAsync(ChatHub.MessageUpdated, m => m.Str("id") == id);
        }

        // A kept page costs nothing; a new one is beyond the cap.
        var kept = (string)(await alice.SendMessageAsync(new { receiverId = bob.UserId, content = first }))["id"]!;
        await bobOnline.WaitForAsync(ChatHub.MessageUpdated, m => m.Str("id") == kept);
        var over = (string)(await alice.SendMessageAsync(new { receiverId = bob.UserId, content = _pages.Url($"/article/{tag}-over") }))["id"]!;
        var sentinel = (string)(await bob.SendMessageAsync(new { receiverId = alice.UserId, content = _pages.Url($"/article/{tag}-bob") }))["id"]!;
        await bobOnline.WaitForAsync(ChatHub.MessageUpdated, m => m.Str("id") == sentinel);

        Assert.Empty(bobOnline.Received(ChatHub.MessageUpdated, m => m.Str("id") == over));
        Assert.False(_pages.HasHad($"/article/{tag}-over"));
    }
}
