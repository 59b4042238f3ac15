using System.IO.Compression;
using System.Text;

namespace Hearth.Testing.Corpus;

/// <summary>
/// Binary files as skill repositories carry them beside the text (images, fonts, PDFs, archives): the real formats'
/// signatures and structure, NUL bytes throughout, deterministic for a <see cref="Random"/>. Not valid images or fonts
/// to a viewer, but what a content sniffer and PostgreSQL see is what the real files show them.
/// </summary>
public static class BinaryAssets
{
    /// <summary>The extensions <see cref="Make"/> produces.</summary>
    public static IReadOnlyList<string> Extensions { get; } = [".png", ".pdf", ".ttf", ".gz", ".jpg", ".woff2", ".zip", ".ico"];

    /// <summary>Bytes of a file of the format named by <paramref name="extension"/> (one of <see cref="Extensions"/>), 200 B to ~12 KiB.</summary>
    public static byte[] Make(Random random, string extension)
    {
        var body = Noise(random, random.Next(200, 12_000));
        return extension switch
        {
            ".png" => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, .. "IHDR"u8, 0, 0, 1, 0, 0, 0, 1, 0, 8, 6, 0, 0, 0, .. body],
            ".pdf" => Pdf(random, body),
            ".ttf" => [0x00, 0x01, 0x00, 0x00, 0x00, 0x0B, 0x00, 0x80, .. "glyf"u8, 0, 0, 0, 0, .. body],
            ".gz" => Gzip(Encoding.UTF8.GetBytes(string.Join('\n', Enumerable.Range(0, random.Next(20, 200)).Select(i => $"row {i} {random.Next()}")))),
            ".jpg" => [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, .. "JFIF"u8, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0, .. body, 0xFF, 0xD9],
            ".woff2" => [.. "wOF2"u8, 0x00, 0x01, 0x00, 0x00, .. body],
            ".zip" => [0x50, 0x4B, 0x03, 0x04, 0x14, 0x00, 0x00, 0x00, 0x08, 0x00, .. body],
            ".ico" => [0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x10, 0x10, .. body],
            _ => throw new ArgumentOutOfRangeException(nameof(extension), extension, null),
        };
    }

    /// <summary>A PDF as generators write them: a text header and objects around a compressed (binary, NUL-bearing) stream.</summary>
    private static byte[] Pdf(Random random, byte[] stream) =>
    [
        .. "%PDF-1.7\n%\u00e2\u00e3\u00cf\u00d3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"u8,
        .. Encoding.ASCII.GetBytes($"4 0 obj\n<< /Length {stream.Length} /Filter /FlateDecode >>\nstream\n"),
        .. stream,
        .. Encoding.ASCII.GetBytes($"\nendstream\nendobj\ntrailer\n<< /Root 1 0 R /Size {random.Next(5, 40)} >>\n%%EOF\n"),
    ];

    private static byte[] Gzip(byte[] content)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
            gzip.Write(content);
        return output.ToArray();
    }

    /// <summary>Compressed-looking bytes with the NUL runs real binary files have.</summary>
    private static byte[] Noise(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        for (var i = 0; i < length; i += random.Next(8, 64))
            for (var j = i; j < Math.Min(length, i + random.Next(1, 6)); j++)
                bytes[j] = 0;
        return bytes;
    }
}
