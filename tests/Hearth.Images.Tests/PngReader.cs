using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace Hearth.Images.Tests;

/// <summary>
/// Reads PNGs for assertions, independently of the product's encoder: chunks with their CRCs checked by a bitwise
/// CRC-32 (not the table one under test), IHDR, tEXt, and the unfiltered RGB pixels.
/// </summary>
public sealed class PngReader
{
    public required IReadOnlyList<(string Type, byte[] Data)> Chunks { get; init; }

    public required int Width { get; init; }

    public required int Height { get; init; }

    public required byte[] Rgb { get; init; }

    public IReadOnlyDictionary<string, string> Text => Chunks.Where(c => c.Type == "tEXt").Select(c =>
    {
        var zero = Array.IndexOf(c.Data, (byte)0);
        return KeyValuePair.Create(Encoding.Latin1.GetString(c.Data, 0, zero), Encoding.Latin1.GetString(c.Data, zero + 1, c.Data.Length - zero - 1));
    }).ToDictionary();

    public (byte R, byte G, byte B) Pixel(int x, int y)
    {
        var o = (y * Width + x) * 3;
        return (Rgb[o], Rgb[o + 1], Rgb[o + 2]);
    }

    public static PngReader Read(byte[] png)
    {
        Assert.Equal([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], png[..8]);
        var chunks = new List<(string, byte[])>();
        var at = 8;
        while (at < png.Length)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(at));
            var type = Encoding.ASCII.GetString(png, at + 4, 4);
            var data = png.AsSpan(at + 8, length).ToArray();
            var crc = BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(at + 8 + length));
            Assert.True(BitwiseCrc(png.AsSpan(at + 4, 4 + length)) == crc, $"CRC of chunk {type} does not match");
            chunks.Add((type, data));
            at += 12 + length;
        }
        Assert.Equal(png.Length, at);
        Assert.Equal("IHDR", chunks[0].Item1);
        Assert.Equal("IEND", chunks[^1].Item1);
        Assert.Empty(chunks[^1].Item2);

        var header = chunks[0].Item2;
        var width = BinaryPrimitives.ReadInt32BigEndian(header);
        var height = BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(4));
        Assert.Equal([8, 2, 0, 0, 0], header[8..]); // 8-bit truecolour, deflate, adaptive filter, no interlace

        using var compressed = new MemoryStream(chunks.Where(c => c.Item1 == "IDAT").SelectMany(c => c.Item2).ToArray());
        using var zlib = new ZLibStream(compressed, CompressionMode.Decompress);
        using var raw = new MemoryStream();
        zlib.CopyTo(raw);
        var filtered = raw.ToArray();
        var stride = width * 3;
        Assert.Equal(height * (stride + 1), filtered.Length);

        var rgb = new byte[height * stride];
        for (var y = 0; y < height; y++)
        {
            var filter = filtered[y * (stride + 1)];
            for (var i = 0; i < stride; i++)
            {
                var value = filtered[y * (stride + 1) + 1 + i];
                int left = i >= 3 ? rgb[y * stride + i - 3] : 0;
                int up = y > 0 ? rgb[(y - 1) * stride + i] : 0;
                int upLeft = y > 0 && i >= 3 ? rgb[(y - 1) * stride + i - 3] : 0;
                rgb[y * stride + i] = filter switch
                {
                    0 => value,
                    1 => (byte)(value + left),
                    2 => (byte)(value + up),
                    3 => (byte)(value + (left + up) / 2),
                    4 => (byte)(value + Paeth(left, up, upLeft)),
                    _ => throw new InvalidDataException($"Unknown PNG filter {filter} on row {y}"),
                };
            }
        }
        return new PngReader { Chunks = chunks, Width = width, Height = height, Rgb = rgb };
    }

    private static int Paeth(int a, int b, int c)
    {
        var p = a + b - c;
        int pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }

    private static uint BitwiseCrc(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var octet in data)
        {
            crc ^= octet;
            for (var k = 0; k < 8; k++) crc = (crc & 1) != 0 ? 0xEDB88320u ^ (crc >> 1) : crc >> 1;
        }
        return crc ^ 0xFFFFFFFFu;
    }
}
