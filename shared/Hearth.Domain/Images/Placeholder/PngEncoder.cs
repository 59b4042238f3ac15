using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;
using System.Text;

namespace Hearth.Images.Placeholder;

/// <summary>
/// A minimal PNG writer for 8-bit RGB images: IHDR, optional tEXt chunks, one IDAT (zlib), IEND.
/// Each scanline takes the cheaper of the None, Sub and Up filters (smallest sum of absolute values, the usual heuristic).
/// Same pixels and text give the same bytes for a given runtime.
/// </summary>
public static class PngEncoder
{
    /// <summary>The eight bytes every PNG starts with.</summary>
    public static ReadOnlySpan<byte> Signature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>Encodes <paramref name="rgb"/> (row-major, 3 bytes per pixel) as a PNG.</summary>
    public static byte[] EncodeRgb(int width, int height, ReadOnlySpan<byte> rgb, IReadOnlyList<KeyValuePair<string, string>>? text = null)
    {
        if (width <= 0 || height <= 0) throw new ArgumentOutOfRangeException(nameof(width), "Width and height must be positive.");
        var stride = checked(width * 3);
        if (rgb.Length != checked(stride * height)) throw new ArgumentException($"Expected {stride * height} bytes of RGB, got {rgb.Length}.", nameof(rgb));

        using var output = new MemoryStream();
        output.Write(Signature);

        Span<byte> header = stackalloc byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header[4..], height);
        header[8] = 8;   // bit depth
        header[9] = 2;   // colour type: truecolour
        header[10] = 0;  // deflate
        header[11] = 0;  // adaptive filtering
        header[12] = 0;  // no interlace
        WriteChunk(output, "IHDR"u8, header);

        foreach (var (keyword, value) in text ?? [])
            WriteChunk(output, "tEXt"u8, TextChunk(keyword, value));

        WriteChunk(output, "IDAT"u8, Compress(height, stride, rgb));
        WriteChunk(output, "IEND"u8, []);
        return output.ToArray();
    }

    private static byte[] Compress(int height, int stride, ReadOnlySpan<byte> rgb)
    {
        using var compressed = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
        {
            var candidates = new byte[3][];
            for (var f = 0; f < 3; f++) candidates[f] = new byte[stride + 1];
            for (var y = 0; y < height; y++)
            {
                var row = rgb.Slice(y * stride, stride);
                var above = y == 0 ? ReadOnlySpan<byte>.Empty : rgb.Slice((y - 1) * stride, stride);
                var best = 0;
                var bestCost = long.MaxValue;
                for (var filter = 0; filter < 3; filter++)
                {
                    var line = candidates[filter];
                    line[0] = (byte)filter;
                    long cost = 0;
                    for (var i = 0; i < stride; i++)
                    {
                        int predictor = filter switch
                        {
                            1 => i >= 3 ? row[i - 3] : 0,
                            2 => above.IsEmpty ? 0 : above[i],
                            _ => 0,
                        };
                        var value = (byte)(row[i] - predictor);
                        line[i + 1] = value;
                        cost += value < 128 ? value : 256 - value;
                    }
                    if (cost < bestCost) { bestCost = cost; best = filter; }
                }
                zlib.Write(candidates[best]);
            }
        }
        return compressed.ToArray();
    }

    private static byte[] TextChunk(string keyword, string value)
    {
        if (keyword.Length is < 1 or > 79 || keyword.Any(c => c is < ' ' or > '~'))
            throw new ArgumentException("A PNG text keyword is 1-79 printable Latin-1 characters.", nameof(keyword));
        // tEXt is Latin-1; anything outside it is replaced so the chunk stays valid.
        var latin1 = Encoding.Latin1;
        var data = new byte[keyword.Length + 1 + latin1.GetByteCount(value)];
        latin1.GetBytes(keyword, data);
        latin1.GetBytes(value, data.AsSpan(keyword.Length + 1));
        return data;
    }

    private static void WriteChunk(Stream output, ReadOnlySpan<byte> type, ReadOnlySpan<byte> data)
    {
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, data.Length);
        output.Write(length);
        output.Write(type);
        output.Write(data);
        var crc = new Crc32();
        crc.Append(type);
        crc.Append(data);
        Span<byte> trailer = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(trailer, crc.GetCurrentHashAsUInt32());
        output.Write(trailer);
    }
}
