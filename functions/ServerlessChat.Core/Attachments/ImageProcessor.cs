using SkiaSharp;

namespace ServerlessChat.Core.Attachments;

/// <summary>An image as it may be served: without metadata, with its size and a thumbnail.</summary>
public sealed record ProcessedImage(byte[] Image, string ImageType, byte[] Thumbnail, string ThumbnailType, int Width, int Height);

/// <summary>An image about to be processed: its bytes, a JPEG already without its metadata, and how many pixels processing it decodes.</summary>
public sealed record ImagePlan(byte[] Bytes, byte[]? StrippedJpeg, long DecodePixels);

/// <summary>
/// Serves images without metadata: an upright JPEG with its metadata segments cut out (see <see cref="JpegMetadata"/>),
/// any other image re-encoded with SkiaSharp, which writes no EXIF, GPS or XMP. Thumbnails come from a decode at
/// the smallest scale the codec offers that still covers the thumbnail. Defensive: the dimensions are read from
/// the header before any pixel is decoded and an image over the pixel bound is refused (a decompression bomb declares a huge size in a tiny file); the caller bounds the
/// bytes and the time; any decoder failure is a null result, never an exception.
/// </summary>
public static class ImageProcessor
{
    public const int ThumbnailLongSide = 320;
    public const string ThumbnailType = "image/webp";

    /// <summary>An avatar's side: a square, cut from the middle of the image.</summary>
    public const int AvatarSide = 256;

    /// <summary>Enough of any supported image for its header.</summary>
    public const int HeaderBytes = 1024 * 1024;

    /// <summary>Width and height from the header alone, or null when no decoder accepts the bytes.</summary>
    public static (int Width, int Height)? ReadDimensions(ReadOnlySpan<byte> header)
    {
        try
        {
            using var data = SKData.CreateCopy(header);
            using var codec = SKCodec.Create(data);
            return codec is null ? null : (codec.Info.Width, codec.Info.Height);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>
    /// What processing these bytes will take, read from the header without decoding a pixel: null when no decoder
    /// accepts them or they declare more than <paramref name="maxPixels"/>. An upright JPEG whose segments are all
    /// known keeps its compressed data with the metadata cut out and is decoded only at thumbnail scale; any other
    /// image is decoded at full size and re-encoded.
    /// </summary>
    public static ImagePlan? Plan(byte[] bytes, long maxPixels)
    {
        try
        {
            using var data = SKData.CreateCopy(bytes);
            using var codec = SKCodec.Create(data);
            if (codec is null)
            {
                return null;
            }
            var info = codec.Info;
            if (info.Width <= 0 || info.Height <= 0 || (long)info.Width * info.Height > maxPixels)
            {
                return null;
            }

            // A rotated JPEG needs its pixels turned, since the orientation tag goes with the metadata.
            if (codec.EncodedFormat == SKEncodedImageFormat.Jpeg && codec.EncodedOrigin == SKEncodedOrigin.TopLeft
                && JpegMetadata.Strip(bytes) is { } stripped)
            {
                var scaled = ThumbnailDecodeSize(codec);
                return new ImagePlan(bytes, stripped, (long)scaled.Width * scaled.Height);
            }
            return new ImagePlan(bytes, null, (long)info.Width * info.Height);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or OutOfMemoryException or NotSupportedException)
        {
            return null;
        }
    }

    /// <summary>Decodes no more than <see cref="ImagePlan.DecodePixels"/>; null when the image cannot be processed.</summary>
    public static ProcessedImage? Process(ImagePlan plan, long maxPixels) => WithCodec(plan, maxPixels, codec =>
    {
        var info = codec.Info;
        if (plan.StrippedJpeg is { } stripped)
        {
            // Decoding the whole scan at a reduced scale still reads every block: broken data is caught as at full size.
            using var small = Decode(codec, ThumbnailDecodeSize(codec));
            return small is not null && Shrink(small, ThumbnailLongSide) is { } smallThumbnail
                ? new ProcessedImage(stripped, ContentSniffer.Jpeg, smallThumbnail, ThumbnailType, info.Width, info.Height)
                : null;
        }

        using var decoded = Decode(codec, info.Size);
        if (decoded is null)
        {
            return null;
        }

        using var upright = Orient(decoded, codec.EncodedOrigin);
        var (format, type) = codec.EncodedFormat switch
        {
            SKEncodedImageFormat.Jpeg => (SKEncodedImageFormat.Jpeg, ContentSniffer.Jpeg),
            SKEncodedImageFormat.Webp => (SKEncodedImageFormat.Webp, ContentSniffer.WebP),
            // GIF: Skia has no GIF encoder; the first frame is kept as PNG.
            _ => (SKEncodedImageFormat.Png, ContentSniffer.Png),
        };
        var image = Encode(upright, format, 90);
        if (image is null || Shrink(upright, ThumbnailLongSide) is not { } thumbnail)
        {
            return null;
        }
        return new ProcessedImage(image, type, thumbnail, ThumbnailType, upright.Width, upright.Height);
    });

    /// <summary>
    /// An avatar: the largest square in the middle of the upright image, at most <see cref="AvatarSide"/> pixels a
    /// side, as WebP (no metadata). Decodes no more than <see cref="ImagePlan.DecodePixels"/>; null when the image
    /// cannot be processed.
    /// </summary>
    public static byte[]? Avatar(ImagePlan plan, long maxPixels) => WithCodec(plan, maxPixels, codec =>
    {
        using var decoded = Decode(codec, plan.StrippedJpeg is null ? codec.Info.Size : ThumbnailDecodeSize(codec));
        if (decoded is null)
        {
            return null;
        }

        using var upright = Orient(decoded, codec.EncodedOrigin);
        var side = Math.Min(upright.Width, upright.Height);
        using var square = new SKBitmap();
        return upright.ExtractSubset(square, SKRectI.Create((upright.Width - side) / 2, (upright.Height - side) / 2, side, side))
            ? Shrink(square, AvatarSide)
            : null;
    });

    /// <summary>Opens the plan's bytes and checks the pixel bound again before <paramref name="work"/> decodes; any decoder failure is null.</summary>
    private static T? WithCodec<T>(ImagePlan plan, long maxPixels, Func<SKCodec, T?> work) where T : class
    {
        try
        {
            using var data = SKData.CreateCopy(plan.Bytes);
            using var codec = SKCodec.Create(data);
            if (codec is null)
            {
                return null;
            }
            var info = codec.Info;
            return info.Width <= 0 || info.Height <= 0 || (long)info.Width * info.Height > maxPixels ? null : work(codec);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or OutOfMemoryException or NotSupportedException)
        {
            return null;
        }
    }

    /// <summary>
    /// The smallest size the codec decodes to directly (JPEG: 1/8 to 8/8; WebP: any; PNG and GIF: full size only)
    /// that is still at least the thumbnail's size, so the thumbnail is always a reduction.
    /// </summary>
    private static SKSizeI ThumbnailDecodeSize(SKCodec codec)
    {
        var longSide = Math.Max(codec.Info.Width, codec.Info.Height);
        var needed = Math.Min(ThumbnailLongSide, longSide);
        for (var eighths = 1; eighths < 8; eighths++)
        {
            var size = codec.GetScaledDimensions(eighths / 8f);
            if (Math.Max(size.Width, size.Height) >= needed)
            {
                return size;
            }
        }
        return codec.Info.Size;
    }

    /// <summary>The pixels at <paramref name="size"/>, or null when the decoder gives up; a truncated file decodes as far as it goes.</summary>
    private static SKBitmap? Decode(SKCodec codec, SKSizeI size)
    {
        var decoded = new SKBitmap(new SKImageInfo(size.Width, size.Height, SKColorType.Rgba8888, SKAlphaType.Premul));
        var result = codec.GetPixels(decoded.Info, decoded.GetPixels());
        // The rest of a truncated file stays blank, which is what a browser shows too.
        if (result is SKCodecResult.Success or SKCodecResult.IncompleteInput or SKCodecResult.ErrorInInput)
        {
            return decoded;
        }
        decoded.Dispose();
        return null;
    }

    /// <summary>The image scaled down (never up) to at most <paramref name="longSide"/> pixels on its long side, as WebP.</summary>
    private static byte[]? Shrink(SKBitmap upright, int longSide)
    {
        var scale = Math.Min(1.0, (double)longSide / Math.Max(upright.Width, upright.Height));
        var thumbInfo = new SKImageInfo(Math.Max(1, (int)Math.Round(upright.Width * scale)), Math.Max(1, (int)Math.Round(upright.Height * scale)),
            SKColorType.Rgba8888, SKAlphaType.Premul);
        using var thumb = upright.Resize(thumbInfo, new SKSamplingOptions(SKCubicResampler.Mitchell));
        return thumb is null ? null : Encode(thumb, SKEncodedImageFormat.Webp, 80);
    }

    /// <summary>The pixels as the EXIF orientation says to show them, since the orientation tag goes with the metadata.</summary>
    private static SKBitmap Orient(SKBitmap source, SKEncodedOrigin origin)
    {
        var (degrees, swap) = origin switch
        {
            SKEncodedOrigin.BottomRight => (180, false),
            SKEncodedOrigin.RightTop => (90, true),
            SKEncodedOrigin.LeftBottom => (270, true),
            _ => (0, false),
        };
        var width = swap ? source.Height : source.Width;
        var height = swap ? source.Width : source.Height;
        var rotated = new SKBitmap(new SKImageInfo(width, height, source.ColorType, source.AlphaType));
        using var canvas = new SKCanvas(rotated);
        canvas.Translate(width / 2f, height / 2f);
        canvas.RotateDegrees(degrees);
        canvas.Translate(-source.Width / 2f, -source.Height / 2f);
        canvas.DrawBitmap(source, 0, 0);
        return rotated;
    }

    private static byte[]? Encode(SKBitmap bitmap, SKEncodedImageFormat format, int quality)
    {
        using var data = bitmap.Encode(format, quality);
        return data?.ToArray();
    }
}
