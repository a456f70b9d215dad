using SkiaSharp;

namespace ServerlessChat.Core.Attachments;

/// <summary>An image as it may be served: re-encoded without metadata, with its size and a thumbnail.</summary>
public sealed record ProcessedImage(byte[] Image, string ImageType, byte[] Thumbnail, string ThumbnailType, int Width, int Height);

/// <summary>
/// Re-encodes images with SkiaSharp, which writes no EXIF, GPS or XMP, so the stored image keeps only its
/// pixels. Defensive: the dimensions are read from the header before any pixel is decoded and an image over
/// the pixel bound is refused (a decompression bomb declares a huge size in a tiny file); the caller bounds the
/// bytes and the time; any decoder failure is a null result, never an exception.
/// </summary>
public static class ImageProcessor
{
    public const int ThumbnailLongSide = 320;
    public const string ThumbnailType = "image/webp";

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

    public static ProcessedImage? Process(byte[] bytes, long maxPixels)
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

            using var decoded = new SKBitmap(new SKImageInfo(info.Width, info.Height, SKColorType.Rgba8888, SKAlphaType.Premul));
            var result = codec.GetPixels(decoded.Info, decoded.GetPixels());
            // A truncated file decodes as far as it goes; the rest stays blank, which is what a browser shows too.
            if (result is not (SKCodecResult.Success or SKCodecResult.IncompleteInput or SKCodecResult.ErrorInInput))
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
            var scale = Math.Min(1.0, (double)ThumbnailLongSide / Math.Max(upright.Width, upright.Height));
            var thumbInfo = new SKImageInfo(Math.Max(1, (int)Math.Round(upright.Width * scale)), Math.Max(1, (int)Math.Round(upright.Height * scale)),
                SKColorType.Rgba8888, SKAlphaType.Premul);
            using var thumb = upright.Resize(thumbInfo, new SKSamplingOptions(SKCubicResampler.Mitchell));
            if (image is null || thumb is null || Encode(thumb, SKEncodedImageFormat.Webp, 80) is not { } thumbnail)
            {
                return null;
            }
            return new ProcessedImage(image, type, thumbnail, ThumbnailType, upright.Width, upright.Height);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or OutOfMemoryException or NotSupportedException)
        {
            return null;
        }
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
