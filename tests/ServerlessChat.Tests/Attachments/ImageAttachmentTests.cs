using System.Net;
using System.Text;
using System.Text.Json;
using ServerlessChat.Core.Realtime;
using ServerlessChat.Tests.Infrastructure;
using ServerlessChat.Tests.Realtime;
using SkiaSharp;

namespace ServerlessChat.Tests.Attachments;

/// <summary>Images over HTTP and SignalR with real clients: processing first, then messageUpdated with the result.</summary>
[Collection(RealtimeHostCollection.Name)]
public sealed class ImageAttachmentTests(RealtimeHostFixture fixture) : IAsyncLifetime
{
    private readonly List<RealtimeClient> _connections = [];

    private StandaloneHost Host => fixture.Host;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var connection in _connections)
        {
            await connection.DisposeAsync();
        }
    }

    [Fact]
    public async Task AnImageIsProcessingUntilMessageUpdatedBringsItsSizeAThumbnailAndTheImageWithoutExif()
    {
        var (alice, bob, bobLive) = await PairAsync();
        var jpeg = TestFiles.JpegWithExif(1200, 800);
        Assert.Contains(TestFiles.ExifSecret, Encoding.ASCII.GetString(jpeg), StringComparison.Ordinal);
        var id = await Uploads.UploadAsync(alice, "holiday.jpg", "image/jpeg", jpeg);

        var sent = await alice.SendMessageAsync(new { receiverId = bob.UserId, content = "look", attachmentIds = new[] { id } });

        var pending = sent["attachments"]![0]!;
        Assert.True((bool)pending["processing"]!);
        Assert.Null(pending["url"]);
        Assert.Null(pending["thumbnailUrl"]);
        var messageId = (string)sent["id"]!;
        var arrived = await bobLive.WaitForAsync(ChatHub.NewMessage, m => m.Str("id") == messageId);
        Assert.True(arrived.GetProperty("attachments")[0].GetProperty("processing").GetBoolean());

        var updated = await bobLive.WaitForAsync(ChatHub.MessageUpdated, m => m.Str("id") == messageId);

        var done = updated.GetProperty("attachments")[0];
        Assert.False(done.GetProperty("processing").GetBoolean());
        Assert.Equal(1200, done.GetProperty("width").GetInt32());
        Assert.Equal(800, done.GetProperty("height").GetInt32());
        Assert.Equal("look", updated.GetProperty("content").GetString());

        var thumbnail = await Uploads.GetAsync(Host.Client, done.GetProperty("thumbnailUrl").GetString()!);
        Assert.Equal(HttpStatusCode.OK, thumbnail.StatusCode);
        Assert.Equal("image/webp", thumbnail.Content.Headers.ContentType?.MediaType);
        using (var codec = SKCodec.Create(new MemoryStream(await thumbnail.Content.ReadAsByteArrayAsync())))
        {
            Assert.Equal(SKEncodedImageFormat.Webp, codec.EncodedFormat);
            Assert.Equal(320, Math.Max(codec.Info.Width, codec.Info.Height));
            Assert.Equal(213, codec.Info.Height);
        }

        var image = await Uploads.GetAsync(Host.Client, done.GetProperty("url").GetString()!);
        var bytes = await image.Content.ReadAsByteArrayAsync();
        Assert.Equal("image/jpeg", image.Content.Headers.ContentType?.MediaType);
        Assert.Equal("nosniff", image.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.DoesNotContain(TestFiles.ExifSecret, Encoding.ASCII.GetString(bytes), StringComparison.Ordinal);
        Assert.DoesNotContain("Exif\0\0", Encoding.ASCII.GetString(bytes), StringComparison.Ordinal);
        using (var codec = SKCodec.Create(new MemoryStream(bytes)))
        {
            Assert.Equal((1200, 800), (codec.Info.Width, codec.Info.Height));
        }

        // Later answers carry the finished attachment too, with links of their own.
        var history = await ChatApiClient.ReadAsync(await bob.GetAsync($"api/messages?with={alice.UserId}"), System.Net.HttpStatusCode.OK);
        var stored = history["items"]![0]!["attachments"]![0]!;
        Assert.False((bool)stored["processing"]!);
        Assert.Equal(1200, (int)stored["width"]!);
    }

    [Fact]
    public async Task APngGetsAThumbnailAndKeepsItsType()
    {
        var (alice, bob, bobLive) = await PairAsync();
        var id = await Uploads.UploadAsync(alice, "diagram.png", "image/png", TestFiles.Png(200, 600));

        var messageId = (string)(await alice.SendMessageAsync(new { receiverId = bob.UserId, content = "", attachmentIds = new[] { id } }))["id"]!;

        var done = (await bobLive.WaitForAsync(ChatHub.MessageUpdated, m => m.Str("id") == messageId)).GetProperty("attachments")[0];
        Assert.Equal("image/png", done.GetProperty("contentType").GetString());
        var thumbnail = await (await Uploads.GetAsync(Host.Client, done.GetProperty("thumbnailUrl").GetString()!)).Content.ReadAsByteArrayAsync();
        using var codec = SKCodec.Create(new MemoryStream(thumbnail));
        Assert.Equal((107, 320), (codec.Info.Width, codec.Info.Height));
    }

    [Fact]
    public async Task ATruncatedJpegEndsProcessedWithoutCrashingTheHost()
    {
        var (alice, bob, bobLive) = await PairAsync();
        var id = await Uploads.UploadAsync(alice, "broken.jpg", "image/jpeg", TestFiles.TruncatedJpeg(800, 600));

        var messageId = (string)(await alice.SendMessageAsync(new { receiverId = bob.UserId, content = "broken", attachmentIds = new[] { id } }))["id"]!;

        var done = (await bobLive.WaitForAsync(ChatHub.MessageUpdated, m => m.Str("id") == messageId)).GetProperty("attachments")[0];
        Assert.False(done.GetProperty("processing").GetBoolean());
        // Decoded as far as it goes, or refused: either way the host answers and serves nothing with metadata.
        if (done.TryGetProperty("url", out var url) && url.ValueKind == JsonValueKind.String)
        {
            Assert.Equal(HttpStatusCode.OK, (await Uploads.GetAsync(Host.Client, url.GetString()!)).StatusCode);
        }
        Assert.Equal(HttpStatusCode.OK, (await Host.Client.GetAsync("api/health")).StatusCode);
    }

    [Fact]
    public async Task AnImageFinishedWhileAClientWasAwayReachesItBySyncWithTheCursorOfItsMessageUpdated()
    {
        var (alice, bob, bobLive) = await PairAsync();
        var start = (string)(await ChatApiClient.ReadAsync(await bob.GetAsync("api/sync"), HttpStatusCode.OK))["cursor"]!;
        var id = await Uploads.UploadAsync(alice, "later.png", "image/png", TestFiles.Png(300, 200));

        var messageId = (string)(await alice.SendMessageAsync(new { receiverId = bob.UserId, content = "", attachmentIds = new[] { id } }))["id"]!;
        var updated = await bobLive.WaitForAsync(ChatHub.MessageUpdated, m => m.Str("id") == messageId);

        var changes = (await ChatApiClient.ReadAsync(await bob.GetAsync($"api/sync?since={Uri.EscapeDataString(start)}"), HttpStatusCode.OK))["changes"]!.AsArray();
        Assert.Equal(["newMessage", "messageUpdated"], changes.Select(c => (string)c!["type"]!));
        Assert.NotNull(updated.Str("cursor"));
        Assert.Equal(updated.Str("cursor"), (string)changes[1]!["cursor"]!);
        var attachment = changes[1]!["data"]!["attachments"]![0]!;
        Assert.False((bool)attachment["processing"]!);
        Assert.Equal(300, (int)attachment["width"]!);
        Assert.NotNull((string?)attachment["thumbnailUrl"]);
    }

    private async Task<(ChatApiClient Alice, ChatApiClient Bob, RealtimeClient BobLive)> PairAsync()
    {
        var alice = await ChatApiClient.RegisterAsync(Host.Client, "alice");
        var bob = await ChatApiClient.RegisterAsync(Host.Client, "bob");
        var live = await RealtimeClient.ConnectAsync(Host.BaseAddress, bob.UserId, bob.AccessToken);
        _connections.Add(live);
        return (alice, bob, live);
    }
}
