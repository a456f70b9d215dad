using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using ServerlessChat.Core.Realtime;
using ServerlessChat.Tests.Infrastructure;
using ServerlessChat.Tests.Realtime;

namespace ServerlessChat.Tests.Attachments;

/// <summary>
/// A burst of images is processed several at once, never more than the settings allow: the decode gate logs
/// each image it lets in with how many images and pixels are in flight, and the test reads that log.
/// </summary>
public sealed partial class ParallelProcessingTests
{
    [Fact]
    public async Task ABurstOfPhotosAllGetThumbnailsWithNoMoreDecodingAtOnceThanTheConcurrency()
    {
        await using var host = await StartAsync(new() { ["Attachments__ProcessingConcurrency"] = "2" });

        var (images, pixels) = await SendBurstAsync(host, 12, i => ($"photo-{i}.jpg", "image/jpeg", TestFiles.Jpeg(2400, 1800)), (2400, 1800));

        Assert.Equal(2, images);
        // Upright JPEGs are decoded at thumbnail scale: 1/4 of each side here (600x450), never the full 2400x1800.
        Assert.True(pixels <= 2 * 600 * 450, $"{pixels} pixels were in flight");
    }

    [Fact]
    public async Task ABurstOfImagesLargerThanThePixelBudgetAllowsIsProcessedWithinIt()
    {
        await using var host = await StartAsync(new()
        {
            ["Attachments__ProcessingConcurrency"] = "4",
            ["Attachments__MaxImagePixels"] = "1500000",
            ["Attachments__MaxDecodePixelsInFlight"] = "2000000",
        });

        // PNGs are decoded at full size: 1,000,000 pixels each, so two at a time fit the budget, not four.
        var (images, pixels) = await SendBurstAsync(host, 8, i => ($"drawing-{i}.png", "image/png", TestFiles.Png(1000, 1000)), (1000, 1000));

        Assert.Equal(2, images);
        Assert.True(pixels <= 2_000_000, $"{pixels} pixels were in flight");
    }

    [Fact]
    public async Task AHostWhosePixelBudgetCannotHoldTheLargestImageAllowedDoesNotStart()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => StartAsync(new()
        {
            ["Attachments__MaxImagePixels"] = "2000000",
            ["Attachments__MaxDecodePixelsInFlight"] = "1000000",
        }));

        Assert.Contains("MaxDecodePixelsInFlight", error.Message, StringComparison.Ordinal);
    }

    private static Task<StandaloneHost> StartAsync(Dictionary<string, string?> settings)
    {
        settings["Logging__LogLevel__ServerlessChat.Core.Attachments.ImageDecodeGate"] = "Debug";
        settings["Attachments__UploadsPerMinute"] = "1000";
        return StandaloneHost.StartAsync(settings);
    }

    /// <summary>Uploads the images, sends them all at once, waits for every thumbnail; the peak images and pixels the gate logged.</summary>
    private static async Task<(int Images, long Pixels)> SendBurstAsync(
        StandaloneHost host, int count, Func<int, (string Name, string Type, byte[] Bytes)> image, (int Width, int Height) size)
    {
        var alice = await ChatApiClient.RegisterAsync(host.Client, "burst-alice");
        var bob = await ChatApiClient.RegisterAsync(host.Client, "burst-bob");
        await using var bobLive = await RealtimeClient.ConnectAsync(host.BaseAddress, bob.UserId, bob.AccessToken);
        var ids = await Task.WhenAll(Enumerable.Range(0, count).Select(i =>
        {
            var (name, type, bytes) = image(i);
            return Uploads.UploadAsync(alice, name, type, bytes);
        }));

        var sent = await Task.WhenAll(ids.Select(id => alice.SendMessageAsync(new { receiverId = bob.UserId, content = "burst", attachmentIds = new[] { id } })));

        foreach (var messageId in sent.Select(m => (string)m["id"]!))
        {
            var done = (await bobLive.WaitForAsync(ChatHub.MessageUpdated, m => m.Str("id") == messageId)).GetProperty("attachments")[0];
            Assert.False(done.GetProperty("processing").GetBoolean());
            Assert.Equal(size, (done.GetProperty("width").GetInt32(), done.GetProperty("height").GetInt32()));
            Assert.Equal(HttpStatusCode.OK, (await Uploads.GetAsync(host.Client, done.GetProperty("thumbnailUrl").GetString()!)).StatusCode);
        }

        var decoding = Decoding().Matches(host.Output);
        Assert.Equal(count, decoding.Count);
        return (decoding.Max(m => int.Parse(m.Groups["images"].Value, CultureInfo.InvariantCulture)),
            decoding.Max(m => long.Parse(m.Groups["pixels"].Value, CultureInfo.InvariantCulture)));
    }

    [GeneratedRegex(@"Decoding attachment \S+: (?<images>\d+) images and (?<pixels>\d+) pixels in flight")]
    private static partial Regex Decoding();
}
