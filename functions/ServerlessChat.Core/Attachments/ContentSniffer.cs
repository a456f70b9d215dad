using System.Text;

namespace ServerlessChat.Core.Attachments;

/// <summary>
/// Decides a file's type from its bytes alone: magic numbers for the binary formats, and "text/plain" for valid
/// UTF-8 without NULs or control characters (with SVG and HTML told apart from plain text, since a browser would
/// run them). Anything else is unknown.
/// </summary>
public static class ContentSniffer
{
    public const string Png = "image/png";
    public const string Jpeg = "image/jpeg";
    public const string Gif = "image/gif";
    public const string WebP = "image/webp";
    public const string Pdf = "application/pdf";
    public const string Zip = "application/zip";
    public const string Mp4 = "video/mp4";
    public const string WebM = "video/webm";
    public const string Mp3 = "audio/mpeg";
    public const string Ogg = "audio/ogg";
    public const string Text = "text/plain";
    public const string Svg = "image/svg+xml";
    public const string Html = "text/html";

    /// <summary>Recognized, but never allowed: named so that a refusal can say what the file really is.</summary>
    public const string Executable = "application/x-executable";

    private const int HeaderBytes = 4096;

    /// <summary>Every type this sniffer can decide; only these can be allowed.</summary>
    public static readonly IReadOnlySet<string> KnownTypes = new HashSet<string>(StringComparer.Ordinal)
    {
        Png, Jpeg, Gif, WebP, Pdf, Zip, Mp4, WebM, Mp3, Ogg, Text, Svg, Html,
    };

    public static readonly IReadOnlySet<string> ImageTypes = new HashSet<string>(StringComparer.Ordinal) { Png, Jpeg, Gif, WebP };

    /// <summary>The type of the stream's content, reading at most <paramref name="maxBytes"/>; null when unknown.</summary>
    public static async Task<string?> SniffAsync(Stream content, long maxBytes, CancellationToken ct)
    {
        var header = new byte[HeaderBytes];
        var length = 0;
        while (length < header.Length)
        {
            var read = await content.ReadAsync(header.AsMemory(length), ct).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }
            length += read;
        }

        var head = header.AsSpan(0, length);
        if (FromMagic(head) is { } binary)
        {
            return binary;
        }

        return await IsTextAsync(header.AsMemory(0, length), content, maxBytes, ct).ConfigureAwait(false) ? TextKind(header.AsSpan(0, length)) : null;
    }

    internal static string? FromMagic(ReadOnlySpan<byte> b)
    {
        if (b.StartsWith((ReadOnlySpan<byte>)[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
        {
            return Png;
        }
        if (b.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF]))
        {
            return Jpeg;
        }
        if (b.StartsWith("GIF87a"u8) || b.StartsWith("GIF89a"u8))
        {
            return Gif;
        }
        if (b.Length >= 12 && b.StartsWith("RIFF"u8) && b[8..12].SequenceEqual("WEBP"u8))
        {
            return WebP;
        }
        if (b.StartsWith("%PDF-"u8))
        {
            return Pdf;
        }
        if (b.StartsWith("PK\x03\x04"u8) || b.StartsWith("PK\x05\x06"u8))
        {
            return Zip;
        }
        if (b.Length >= 12 && b[4..8].SequenceEqual("ftyp"u8))
        {
            return Mp4;
        }
        if (b.StartsWith((ReadOnlySpan<byte>)[0x1A, 0x45, 0xDF, 0xA3]) && b[..Math.Min(b.Length, 64)].IndexOf("webm"u8) >= 0)
        {
            return WebM;
        }
        if (b.StartsWith("OggS"u8))
        {
            return Ogg;
        }
        // An ID3 tag, or an MPEG audio Layer III frame header (11 sync bits, then layer bits 01).
        if (b.StartsWith("ID3"u8) || (b.Length >= 2 && b[0] == 0xFF && (b[1] & 0xE0) == 0xE0 && (b[1] & 0x06) == 0x02))
        {
            return Mp3;
        }
        if (b.StartsWith((ReadOnlySpan<byte>)[0x7F, (byte)'E', (byte)'L', (byte)'F']) || b.StartsWith("MZ"u8) ||
            b.StartsWith((ReadOnlySpan<byte>)[0xCF, 0xFA, 0xED, 0xFE]) || b.StartsWith("#!"u8))
        {
            return Executable;
        }
        return null;
    }

    /// <summary>Valid UTF-8 throughout, and no control characters other than tab, newline and carriage return.</summary>
    private static async Task<bool> IsTextAsync(ReadOnlyMemory<byte> head, Stream rest, long maxBytes, CancellationToken ct)
    {
        var decoder = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetDecoder();
        var chars = new char[HeaderBytes + 4];
        var buffer = new byte[64 * 1024];
        long total = 0;
        try
        {
            if (!Check(decoder, head.Span, chars, flush: false))
            {
                return false;
            }
            total += head.Length;
            while (true)
            {
                var read = await rest.ReadAsync(buffer, ct).ConfigureAwait(false);
                if (read == 0)
                {
                    return Check(decoder, [], chars, flush: true);
                }
                total += read;
                if (total > maxBytes)
                {
                    return false;
                }
                for (var offset = 0; offset < read; offset += HeaderBytes)
                {
                    if (!Check(decoder, buffer.AsSpan(offset, Math.Min(HeaderBytes, read - offset)), chars, flush: false))
                    {
                        return false;
                    }
                }
            }
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
    }

    private static bool Check(Decoder decoder, ReadOnlySpan<byte> bytes, char[] chars, bool flush)
    {
        var count = decoder.GetChars(bytes, chars, flush);
        foreach (var c in chars.AsSpan(0, count))
        {
            if (char.IsControl(c) && c is not ('\t' or '\n' or '\r'))
            {
                return false;
            }
        }
        return true;
    }

    private static string TextKind(ReadOnlySpan<byte> head)
    {
        var text = Encoding.UTF8.GetString(head).TrimStart('\uFEFF', ' ', '\t', '\r', '\n');
        if (text.StartsWith("<svg", StringComparison.OrdinalIgnoreCase) ||
            (text.StartsWith("<?xml", StringComparison.OrdinalIgnoreCase) && text.Contains("<svg", StringComparison.OrdinalIgnoreCase)))
        {
            return Svg;
        }
        if (text.StartsWith("<!doctype html", StringComparison.OrdinalIgnoreCase) || text.StartsWith("<html", StringComparison.OrdinalIgnoreCase))
        {
            return Html;
        }
        return Text;
    }
}
