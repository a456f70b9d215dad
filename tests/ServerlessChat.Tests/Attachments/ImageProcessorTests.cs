using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ServerlessChat.Core.Attachments;
using SkiaSharp;

namespace ServerlessChat.Tests.Attachments;

/// <summary>The image pipeline in process: metadata cut out of JPEGs, rotation, damaged files, and the decode gate's bounds.</summary>
public sealed class ImageProcessorTests
{
    private const long MaxPixels = 40_000_000;

    [Fact]
    public void AnUprightJpegKeepsItsCompressedDataWithoutAnyMetadataSegmentOrWhatFollowsTheEnd()
    {
        var plain = TestFiles.Jpeg(800, 600);
        var secret = Encoding.ASCII.GetBytes(TestFiles.ExifSecret);
        var loaded = TestFiles.JpegWithExif(800, 600);
        loaded = TestFiles.WithSegment(loaded, 0xE1, [.. "http://ns.adobe.com/xap/1.0/\0"u8, .. secret]);
        loaded = TestFiles.WithSegment(loaded, 0xED, [.. "Photoshop 3.0\0"u8, .. secret]);
        loaded = TestFiles.WithSegment(loaded, 0xE2, [.. "MPF\0"u8, .. secret]);
        loaded = TestFiles.WithSegment(loaded, 0xFE, secret);
        loaded = [.. loaded, .. secret];

        var processed = ImageProcessor.Process(ImageProcessor.Plan(loaded, MaxPixels)!, MaxPixels)!;

        Assert.Equal(ContentSniffer.Jpeg, processed.ImageType);
        Assert.Equal(JpegMetadata.Strip(plain), processed.Image);
        Assert.DoesNotContain(TestFiles.ExifSecret, Encoding.ASCII.GetString(processed.Image), StringComparison.Ordinal);
        Assert.Equal((800, 600), (processed.Width, processed.Height));
        using var codec = SKCodec.Create(new MemoryStream(processed.Image));
        Assert.Equal((800, 600), (codec.Info.Width, codec.Info.Height));
        using var decoded = SKBitmap.Decode(processed.Image);
        Assert.NotNull(decoded);
    }

    [Fact]
    public void AnUprightJpegIsDecodedAtThumbnailScaleAndAnyOtherImageAtFullSize()
    {
        var photo = ImageProcessor.Plan(TestFiles.Jpeg(4000, 3000), MaxPixels)!;
        Assert.NotNull(photo.StrippedJpeg);
        Assert.Equal(500L * 375, photo.DecodePixels);

        var drawing = ImageProcessor.Plan(TestFiles.Png(1000, 800), MaxPixels)!;
        Assert.Null(drawing.StrippedJpeg);
        Assert.Equal(1000L * 800, drawing.DecodePixels);

        Assert.Null(ImageProcessor.Plan(TestFiles.Jpeg(4000, 3000), 4000L * 3000 - 1));
    }

    [Theory]
    [InlineData(6, 200, 300)]
    [InlineData(8, 200, 300)]
    [InlineData(3, 300, 200)]
    public void ARotatedJpegIsTurnedUprightAndLosesItsExif(ushort orientation, int width, int height)
    {
        var jpeg = TestFiles.JpegWithExif(300, 200, orientation);

        var plan = ImageProcessor.Plan(jpeg, MaxPixels)!;
        var processed = ImageProcessor.Process(plan, MaxPixels)!;

        Assert.Null(plan.StrippedJpeg);
        Assert.Equal((width, height), (processed.Width, processed.Height));
        Assert.DoesNotContain("Exif\0\0", Encoding.ASCII.GetString(processed.Image), StringComparison.Ordinal);
        using var codec = SKCodec.Create(new MemoryStream(processed.Image));
        Assert.Equal((width, height), (codec.Info.Width, codec.Info.Height));
        Assert.Equal(SKEncodedOrigin.TopLeft, codec.EncodedOrigin);
    }

    [Fact]
    public void DamagedImagesEndAsNoResultOrADecodableOneNeverAnException()
    {
        var random = new Random(23);
        var sources = new[] { TestFiles.JpegWithExif(400, 300), TestFiles.Png(300, 200), TestFiles.TruncatedJpeg(400, 300) };
        for (var round = 0; round < 400; round++)
        {
            var bytes = (byte[])sources[round % sources.Length].Clone();
            switch (round % 4)
            {
                case 0:
                    for (var flips = 0; flips < 8; flips++)
                    {
                        bytes[random.Next(2, bytes.Length)] = (byte)random.Next(256);
                    }
                    break;
                case 1:
                    bytes = bytes[..random.Next(2, bytes.Length)];
                    break;
                case 2:
                    // A marker's length bytes, or anything near the start, set to extremes.
                    bytes[random.Next(2, Math.Min(bytes.Length, 200))] = (byte)(random.Next(2) == 0 ? 0x00 : 0xFF);
                    break;
                default:
                    Array.Fill(bytes, (byte)0xFF, random.Next(2, bytes.Length), Math.Min(16, bytes.Length / 4));
                    break;
            }

            _ = JpegMetadata.Strip(bytes);
            if (ImageProcessor.Plan(bytes, MaxPixels) is { } plan && ImageProcessor.Process(plan, MaxPixels) is { } processed)
            {
                using var image = SKCodec.Create(new MemoryStream(processed.Image));
                using var thumbnail = SKCodec.Create(new MemoryStream(processed.Thumbnail));
                Assert.NotNull(image);
                Assert.NotNull(thumbnail);
            }
        }
    }

    [Fact]
    public async Task TheGateNeverLetsMoreImagesOrPixelsDecodeThanItsBoundsAndServesEveryoneInTheEnd()
    {
        for (var round = 0; round < 20; round++)
        {
            var gate = new ImageDecodeGate(Options.Create(new AttachmentOptions { ProcessingConcurrency = 3, MaxImagePixels = 10, MaxDecodePixelsInFlight = 10 }),
                NullLogger<ImageDecodeGate>.Instance);
            var (images, pixels, peakImages, peakPixels) = (0, 0L, 0, 0L);
            var random = new Random(round);
            var sizes = Enumerable.Range(0, 60).Select(_ => (long)random.Next(1, 11)).ToList();
            await Task.WhenAll(sizes.Select(size => Task.Run(async () =>
            {
                using var place = await gate.EnterAsync(CancellationToken.None);
                await place.ReservePixelsAsync(size, "image", CancellationToken.None);
                var nowImages = Interlocked.Increment(ref images);
                var nowPixels = Interlocked.Add(ref pixels, size);
                InterlockedMax(ref peakImages, nowImages);
                InterlockedMax(ref peakPixels, nowPixels);
                await Task.Yield();
                Interlocked.Decrement(ref images);
                Interlocked.Add(ref pixels, -size);
            })));

            Assert.InRange(peakImages, 1, 3);
            Assert.InRange(peakPixels, 1, 10);
            Assert.InRange(gate.PeakImages, 1, 3);
        }
    }

    [Fact]
    public async Task AWaiterThatGivesUpLeavesNothingTakenAndAHoldOutlivesItsPlace()
    {
        var gate = new ImageDecodeGate(Options.Create(new AttachmentOptions { ProcessingConcurrency = 2, MaxImagePixels = 10, MaxDecodePixelsInFlight = 10 }),
            NullLogger<ImageDecodeGate>.Instance);
        var first = await gate.EnterAsync(CancellationToken.None);
        await first.ReservePixelsAsync(8, "first", CancellationToken.None);
        var decoding = first.Hold();
        first.Dispose();

        using var impatient = new CancellationTokenSource();
        var second = await gate.EnterAsync(CancellationToken.None);
        var waiting = second.ReservePixelsAsync(5, "second", impatient.Token);
        Assert.False(waiting.IsCompleted);
        await impatient.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        second.Dispose();

        // The first image's decode still holds its place and pixels: a third fits in pixels only once it ends.
        var third = await gate.EnterAsync(CancellationToken.None);
        var granted = third.ReservePixelsAsync(5, "third", CancellationToken.None);
        Assert.False(granted.IsCompleted);
        decoding.Dispose();
        await granted.WaitAsync(TimeSpan.FromSeconds(5));
        third.Dispose();
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while (value > (seen = Volatile.Read(ref target)) && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }

    private static void InterlockedMax(ref long target, long value)
    {
        long seen;
        while (value > (seen = Interlocked.Read(ref target)) && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }
}
