using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using SkiaSharp;

namespace ServerlessChat.Tests.Attachments;

/// <summary>Files for the attachment tests, made here: real images from SkiaSharp and hostile ones by hand.</summary>
public static class TestFiles
{
    public const string ExifSecret = "SecretCamera GPS 51.5074N 0.1278W";

    public static byte[] Png(int width, int height) => Encode(width, height, SKEncodedImageFormat.Png);

    public static byte[] Jpeg(int width, int height) => Encode(width, height, SKEncodedImageFormat.Jpeg);

    /// <summary>
    /// A JPEG with an APP1 Exif segment (a TIFF IFD holding a Make tag, and an Orientation tag when given) right
    /// after SOI, built by hand.
    /// </summary>
    public static byte[] JpegWithExif(int width, int height, ushort? orientation = null)
    {
        var jpeg = Jpeg(width, height);
        var make = Encoding.ASCII.GetBytes(ExifSecret + "\0");
        var entries = orientation is null ? 1 : 2;
        using var tiff = new MemoryStream();
        tiff.Write("II*\0"u8);
        tiff.Write(LittleEndian32(8));
        tiff.Write(LittleEndian16(entries));
        tiff.Write(LittleEndian16(0x010F)); // Make
        tiff.Write(LittleEndian16(2));      // ASCII
        tiff.Write(LittleEndian32(make.Length));
        tiff.Write(LittleEndian32(8 + 2 + (12 * entries) + 4));
        if (orientation is { } value)
        {
            tiff.Write(LittleEndian16(0x0112)); // Orientation
            tiff.Write(LittleEndian16(3));      // SHORT, inline
            tiff.Write(LittleEndian32(1));
            tiff.Write(LittleEndian16(value));
            tiff.Write(LittleEndian16(0));
        }
        tiff.Write(LittleEndian32(0));      // no next IFD
        tiff.Write(make);
        return WithSegment(jpeg, 0xE1, [.. "Exif\0\0"u8, .. tiff.ToArray()]);
    }

    /// <summary>The JPEG with a segment of that marker and payload inserted right after SOI.</summary>
    public static byte[] WithSegment(byte[] jpeg, byte marker, byte[] payload)
    {
        var segment = new byte[4 + payload.Length];
        segment[0] = 0xFF;
        segment[1] = marker;
        BinaryPrimitives.WriteUInt16BigEndian(segment.AsSpan(2), (ushort)(payload.Length + 2));
        payload.CopyTo(segment, 4);
        return [.. jpeg[..2], .. segment, .. jpeg[2..]];
    }

    public static byte[] TruncatedJpeg(int width, int height)
    {
        var jpeg = Jpeg(width, height);
        return jpeg[..(jpeg.Length * 6 / 10)];
    }

    /// <summary>A valid PNG that declares <paramref name="width"/> x <paramref name="height"/> pixels in a few hundred bytes.</summary>
    public static byte[] DecompressionBombPng(int width, int height)
    {
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = 8; // bit depth
        header[9] = 2; // RGB
        using var compressed = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            zlib.Write(new byte[4096]);
        }
        using var png = new MemoryStream();
        png.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        Chunk(png, "IHDR", header);
        Chunk(png, "IDAT", compressed.ToArray());
        Chunk(png, "IEND", []);
        return png.ToArray();
    }

    /// <summary>The start of a 64-bit ELF executable, padded.</summary>
    public static byte[] Elf() => [0x7F, (byte)'E', (byte)'L', (byte)'F', 2, 1, 1, 0, .. new byte[248]];

    public static byte[] SvgWithScript() =>
        Encoding.UTF8.GetBytes("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\"><script>alert(document.cookie)</script></svg>");

    public static byte[] Pdf() => Encoding.ASCII.GetBytes("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n");

    public static byte[] Text(string text) => Encoding.UTF8.GetBytes(text);

    private static byte[] Encode(int width, int height, SKEncodedImageFormat format)
    {
        using var bitmap = new SKBitmap(width, height);
        using (var canvas = new SKCanvas(bitmap))
        {
            using var paint = new SKPaint
            {
                Shader = SKShader.CreateLinearGradient(new SKPoint(0, 0), new SKPoint(width, height),
                    [SKColors.Red, SKColors.Blue], SKShaderTileMode.Clamp),
            };
            canvas.DrawRect(0, 0, width, height, paint);
        }
        using var data = bitmap.Encode(format, 90);
        return data.ToArray();
    }

    private static void Chunk(Stream png, string type, byte[] data)
    {
        var typeBytes = Encoding.ASCII.GetBytes(type);
        png.Write(BigEndian32(data.Length));
        png.Write(typeBytes);
        png.Write(data);
        png.Write(BigEndian32((int)Crc32([.. typeBytes, .. data])));
    }

    private static uint Crc32(byte[] bytes)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in bytes)
        {
            crc ^= b;
            for (var bit = 0; bit < 8; bit++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
            }
        }
        return ~crc;
    }

    private static byte[] BigEndian32(int value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(bytes, value);
        return bytes;
    }

    private static byte[] LittleEndian32(int value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, value);
        return bytes;
    }

    private static byte[] LittleEndian16(int value)
    {
        var bytes = new byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(bytes, (ushort)value);
        return bytes;
    }
}
