namespace ServerlessChat.Core.Attachments;

/// <summary>
/// Removes a JPEG's metadata without decoding it: the compressed image is copied as it is, segment by segment,
/// and only the segments a decoder needs are kept (tables, frame, scans, restart interval) plus the two that
/// carry colour: the ICC profile (APP2 <c>ICC_PROFILE</c>) and Adobe's transform flag (APP14). Everything else
/// goes: EXIF and XMP (APP1, with GPS and the embedded preview), JFIF thumbnails (APP0), IPTC (APP13), other
/// APPn, comments, and whatever follows the end of the image (the extra pictures of MPF files). Re-encoding the
/// pixels would cost a full-size decode and encode (over a second for 12 MP on a small machine) and lose quality.
/// Any segment it does not know, a second SOI, or a length past the end is a refusal (null): the caller then
/// re-encodes the decoded pixels, the path for every other format.
/// </summary>
public static class JpegMetadata
{
    public static byte[]? Strip(ReadOnlySpan<byte> jpeg)
    {
        if (jpeg.Length < 4 || jpeg[0] != 0xFF || jpeg[1] != 0xD8)
        {
            return null;
        }

        using var output = new MemoryStream(jpeg.Length);
        output.Write([0xFF, 0xD8]);
        var position = 2;
        var sawScan = false;
        while (true)
        {
            if (position >= jpeg.Length)
            {
                // Truncated between segments: a decoder shows what came, as it does for a scan cut short.
                return sawScan ? Finish(output) : null;
            }

            if (jpeg[position] != 0xFF)
            {
                return null;
            }

            // Fill bytes (0xFF runs) may precede a marker.
            while (position < jpeg.Length && jpeg[position] == 0xFF)
            {
                position++;
            }

            if (position >= jpeg.Length)
            {
                return sawScan ? Finish(output) : null;
            }

            var marker = jpeg[position++];
            if (marker == 0xD9)
            {
                return sawScan ? Finish(output) : null;
            }

            if (marker is >= 0xD0 and <= 0xD7)
            {
                // A restart marker between segments carries nothing; keep it as it stands.
                output.Write([0xFF, marker]);
                continue;
            }

            if (position + 2 > jpeg.Length)
            {
                return null;
            }

            var length = (jpeg[position] << 8) | jpeg[position + 1];
            if (length < 2 || position + length > jpeg.Length)
            {
                return null;
            }

            var body = jpeg.Slice(position + 2, length - 2);
            switch (Classify(marker, body))
            {
                case Segment.Keep:
                    output.Write([0xFF, marker]);
                    output.Write(jpeg.Slice(position, length));
                    break;
                case Segment.Drop:
                    break;
                default:
                    return null;
            }

            position += length;
            if (marker == 0xDA)
            {
                sawScan = true;
                var end = EndOfEntropyData(jpeg, position);
                output.Write(jpeg[position..end]);
                position = end;
            }
        }
    }

    private enum Segment { Keep, Drop, Refuse }

    private static Segment Classify(byte marker, ReadOnlySpan<byte> body) => marker switch
    {
        // SOF0-15 (less DHT, JPG, DAC: also needed), DHT, DAC, DQT, SOS, DNL, DRI, DHP, EXP.
        >= 0xC0 and <= 0xCF => Segment.Keep,
        0xDA or 0xDB or 0xDC or 0xDD or 0xDE or 0xDF => Segment.Keep,
        0xE2 when body.StartsWith("ICC_PROFILE\0"u8) => Segment.Keep,
        0xEE when body.StartsWith("Adobe"u8) => Segment.Keep,
        >= 0xE0 and <= 0xEF => Segment.Drop,
        0xFE => Segment.Drop,
        _ => Segment.Refuse,
    };

    /// <summary>Where a scan's entropy-coded data ends: the next marker that is neither a stuffed 0xFF00 nor a restart marker.</summary>
    private static int EndOfEntropyData(ReadOnlySpan<byte> jpeg, int position)
    {
        while (true)
        {
            var next = jpeg[position..].IndexOf((byte)0xFF);
            if (next < 0)
            {
                return jpeg.Length;
            }

            position += next;
            if (position + 1 >= jpeg.Length)
            {
                return jpeg.Length;
            }

            var following = jpeg[position + 1];
            if (following == 0x00 || following is >= 0xD0 and <= 0xD7)
            {
                position += 2;
                continue;
            }

            if (following == 0xFF)
            {
                // A fill byte before a marker: the marker starts at the last 0xFF of the run.
                position++;
                continue;
            }

            return position;
        }
    }

    /// <summary>The image as kept, closed with an end marker (also when the upload was cut short).</summary>
    private static byte[] Finish(MemoryStream output)
    {
        output.Write([0xFF, 0xD9]);
        return output.ToArray();
    }
}
