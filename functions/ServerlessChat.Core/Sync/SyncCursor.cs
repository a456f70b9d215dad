using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.WebUtilities;
using ServerlessChat.Core.Domain;

namespace ServerlessChat.Core.Sync;

/// <summary>
/// A resume position in every conversation at once, opaque to clients (base64url of a small binary form).
/// </summary>
/// <remarks>
/// The change log stamps each entry with a time <c>At</c> that strictly increases within its conversation.
/// A cursor is a <see cref="Watermark"/> (every change stamped at or before it has been delivered) plus, for the
/// few conversations delivered past the watermark, their own position. The watermark only advances to a time
/// at least <see cref="SyncOptions.SettleSeconds"/> old, by which every change stamped earlier is committed, so
/// a change committed late with an early stamp is never jumped over; within the settle window positions are
/// exact per conversation. Conversations are named by 8 bytes of a SHA-256 of their id, so a cursor stays a few
/// bytes per recently active conversation however many conversations a user has.
/// </remarks>
public sealed record SyncCursor(long Watermark, IReadOnlyDictionary<ulong, long> Positions)
{
    private const byte ResumeVersion = 1;
    private const byte ChangeVersion = 2;

    /// <summary>The position of one conversation: its own entry, else the watermark.</summary>
    public long PositionOf(string conversationId) =>
        Positions.TryGetValue(Key(conversationId), out var at) ? at : Watermark;

    public string Encode()
    {
        var buffer = new List<byte>(16 + Positions.Count * 12) { ResumeVersion };
        WriteVarint(buffer, (ulong)Watermark);
        WriteVarint(buffer, (ulong)Positions.Count);
        foreach (var (key, at) in Positions.OrderBy(p => p.Key))
        {
            WriteKey(buffer, key);
            WriteVarint(buffer, (ulong)(at - Watermark));
        }
        return WebEncoders.Base64UrlEncode(buffer.ToArray());
    }

    /// <summary>Null when the text is not a resume cursor this server wrote.</summary>
    public static SyncCursor? TryDecode(string text)
    {
        if (text.Length is 0 or > 16_384)
        {
            return null;
        }
        byte[] bytes;
        try
        {
            bytes = WebEncoders.Base64UrlDecode(text);
        }
        catch (FormatException)
        {
            return null;
        }
        var reader = new Reader(bytes);
        if (!reader.Byte(out var version) || version != ResumeVersion
            || !reader.Varint(out var watermark) || watermark > long.MaxValue / 2
            || !reader.Varint(out var count) || count > (ulong)bytes.Length / 9)
        {
            return null;
        }
        var positions = new Dictionary<ulong, long>((int)count);
        for (var i = 0UL; i < count; i++)
        {
            if (!reader.UInt64(out var key) || !reader.Varint(out var delta) || delta > long.MaxValue / 2 || !positions.TryAdd(key, (long)watermark + (long)delta))
            {
                return null;
            }
        }
        return reader.AtEnd ? new SyncCursor((long)watermark, positions) : null;
    }

    /// <summary>The cursor of one change, the same in its realtime event and in sync: unique per change.</summary>
    public static string ForChange(ChangeRecord change)
    {
        var buffer = new List<byte>(24) { ChangeVersion };
        WriteKey(buffer, Key(change.ConversationId));
        WriteVarint(buffer, (ulong)change.At);
        WriteVarint(buffer, (ulong)change.Seq);
        return WebEncoders.Base64UrlEncode(buffer.ToArray());
    }

    public static string? ForChangeOrNull(ChangeRecord? change) => change is null ? null : ForChange(change);

    /// <summary>The time stamped on the change whose cursor this is (<see cref="ForChange"/>); false for any other text.</summary>
    public static bool TryReadChangeTime(string? text, out long at)
    {
        at = 0;
        if (text is null || text.Length is 0 or > 64)
        {
            return false;
        }
        byte[] bytes;
        try
        {
            bytes = WebEncoders.Base64UrlDecode(text);
        }
        catch (FormatException)
        {
            return false;
        }
        var reader = new Reader(bytes);
        if (!reader.Byte(out var version) || version != ChangeVersion || !reader.UInt64(out _)
            || !reader.Varint(out var stamp) || stamp > long.MaxValue / 2 || !reader.Varint(out _) || !reader.AtEnd)
        {
            return false;
        }
        at = (long)stamp;
        return true;
    }

    public static ulong Key(string conversationId) =>
        BinaryPrimitives.ReadUInt64BigEndian(SHA256.HashData(Encoding.UTF8.GetBytes(conversationId)));

    private static void WriteKey(List<byte> buffer, ulong key)
    {
        for (var shift = 56; shift >= 0; shift -= 8)
        {
            buffer.Add((byte)(key >> shift));
        }
    }

    private static void WriteVarint(List<byte> buffer, ulong value)
    {
        while (value >= 0x80)
        {
            buffer.Add((byte)(value | 0x80));
            value >>= 7;
        }
        buffer.Add((byte)value);
    }

    private ref struct Reader(ReadOnlySpan<byte> bytes)
    {
        private readonly ReadOnlySpan<byte> _bytes = bytes;
        private int _offset;

        public readonly bool AtEnd => _offset == _bytes.Length;

        public bool Byte(out byte value)
        {
            value = 0;
            if (_offset >= _bytes.Length)
            {
                return false;
            }
            value = _bytes[_offset++];
            return true;
        }

        public bool UInt64(out ulong value)
        {
            value = 0;
            if (_offset + 8 > _bytes.Length)
            {
                return false;
            }
            value = BinaryPrimitives.ReadUInt64BigEndian(_bytes.Slice(_offset, 8));
            _offset += 8;
            return true;
        }

        public bool Varint(out ulong value)
        {
            value = 0;
            for (var shift = 0; shift < 64; shift += 7)
            {
                if (!Byte(out var b))
                {
                    return false;
                }
                value |= (ulong)(b & 0x7F) << shift;
                if ((b & 0x80) == 0)
                {
                    return true;
                }
            }
            return false;
        }
    }
}
