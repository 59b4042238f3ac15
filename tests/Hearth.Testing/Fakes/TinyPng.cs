using System.Buffers.Binary;
using System.IO.Compression;

namespace Hearth.Testing.Fakes;

/// <summary>Small solid-colour PNGs for fakes that serve "generated" images. Independent of the product's encoder on purpose.</summary>
public static class TinyPng
{
    /// <summary>A valid <paramref name="size"/>×<paramref name="size"/> RGB PNG of one colour.</summary>
    public static byte[] Solid(byte r, byte g, byte b, int size = 16)
    {
        var raw = new byte[size * (1 + size * 3)];
        for (var y = 0; y < size; y++)
        {
            var row = y * (1 + size * 3);
            for (var x = 0; x < size; x++)
            {
                raw[row + 1 + x * 3] = r;
                raw[row + 2 + x * 3] = g;
                raw[row + 3 + x * 3] = b;
            }
        }
        using var compressed = new MemoryStream();
        using (var z = new ZLibStream(compressed, CompressionLevel.Fastest, leaveOpen: true)) z.Write(raw);

        using var png = new MemoryStream();
        png.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, size);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), size);
        header[8] = 8;
        header[9] = 2;
        Chunk(png, "IHDR"u8, header);
        Chunk(png, "IDAT"u8, compressed.ToArray());
        Chunk(png, "IEND"u8, []);
        return png.ToArray();
    }

    /// <summary>
    /// A copy of <paramref name="png"/> with a tEXt chunk (<paramref name="keyword"/>, Latin-1 <paramref name="text"/>) right
    /// after IHDR, as character card tools write the card: what the card tests import.
    /// </summary>
    public static byte[] WithText(byte[] png, string keyword, string text)
    {
        var ihdrEnd = 8 + 4 + 4 + 13 + 4;
        using var output = new MemoryStream();
        output.Write(png, 0, ihdrEnd);
        var data = new byte[keyword.Length + 1 + text.Length];
        System.Text.Encoding.Latin1.GetBytes(keyword, data);
        System.Text.Encoding.Latin1.GetBytes(text, data.AsSpan(keyword.Length + 1));
        Chunk(output, "tEXt"u8, data);
        output.Write(png, ihdrEnd, png.Length - ihdrEnd);
        return output.ToArray();
    }

    /// <summary>The tEXt chunks of a PNG (keyword → text), read without the product's code; chunk CRCs are not checked here.</summary>
    public static Dictionary<string, string> Texts(byte[] png)
    {
        var texts = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var at = 8; at + 12 <= png.Length;)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(at));
            var type = System.Text.Encoding.ASCII.GetString(png, at + 4, 4);
            if (type == "tEXt")
            {
                var data = png.AsSpan(at + 8, length);
                var nul = data.IndexOf((byte)0);
                texts[System.Text.Encoding.Latin1.GetString(data[..nul])] = System.Text.Encoding.Latin1.GetString(data[(nul + 1)..]);
            }
            at += 12 + length;
        }
        return texts;
    }

    private static void Chunk(Stream output, ReadOnlySpan<byte> type, ReadOnlySpan<byte> data)
    {
        Span<byte> four = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(four, data.Length);
        output.Write(four);
        output.Write(type);
        output.Write(data);
        var crc = 0xFFFFFFFFu;
        foreach (var part in new[] { type.ToArray(), data.ToArray() })
        {
            foreach (var octet in part)
            {
                crc ^= octet;
                for (var k = 0; k < 8; k++) crc = (crc & 1) != 0 ? 0xEDB88320u ^ (crc >> 1) : crc >> 1;
            }
        }
        BinaryPrimitives.WriteUInt32BigEndian(four, crc ^ 0xFFFFFFFFu);
        output.Write(four);
    }
}
