using System.Text.Unicode;

namespace Hearth.Skills.Splitting;

/// <summary>What a file's bytes are, before any format is chosen: text (UTF-8 or a legacy 8-bit encoding), UTF-16 text, or binary.</summary>
public enum ContentEncoding
{
    /// <summary>UTF-8 (or 8-bit text that is not valid UTF-8): split by its format.</summary>
    Text,
    /// <summary>UTF-16 with a byte-order mark: one section, indexed decoded.</summary>
    Utf16LittleEndian,
    /// <summary>UTF-16 big-endian with a byte-order mark.</summary>
    Utf16BigEndian,
    /// <summary>Not text (an image, a font, a PDF, an archive...): stored exactly as one section, never split or indexed as text.</summary>
    Binary,
}

/// <summary>
/// Tells text from binary by content, the way git and file(1) do: a known signature (PNG, PDF, fonts, archives,
/// executables...) is binary whatever the file is called; otherwise the first 8 KiB decide. UTF-8 that holds a few
/// NUL or control bytes stays text (a markdown file with a stray U+0000 is still a markdown file); bytes that are not
/// UTF-8 and hold a NUL, or that are mostly control bytes, are binary. A binary-looking extension (.png, .ttf...) only
/// lowers the bar: with it, any NUL or invalid UTF-8 in the sample is enough.
/// </summary>
public static class ContentSniffer
{
    private const int SampleBytes = 8192;

    private static readonly HashSet<string> BinaryExtensions = new(StringComparer.Ordinal)
    {
        ".png", ".jpg", ".jpeg", ".gif", ".webp", ".ico", ".icns", ".bmp", ".tif", ".tiff", ".psd", ".heic", ".avif",
        ".pdf", ".ttf", ".otf", ".woff", ".woff2", ".eot", ".zip", ".gz", ".tgz", ".bz2", ".xz", ".zst", ".7z", ".rar",
        ".tar", ".jar", ".war", ".whl", ".egg", ".pyc", ".pyo", ".class", ".so", ".dll", ".dylib", ".exe", ".bin", ".o",
        ".a", ".wasm", ".mp3", ".mp4", ".m4a", ".wav", ".ogg", ".flac", ".mov", ".avi", ".webm", ".sqlite", ".db",
        ".docx", ".xlsx", ".pptx", ".odt", ".ods", ".odp", ".npy", ".npz", ".pkl", ".onnx", ".pt",
    };

    /// <summary>Signatures at offset 0 (the start of the file) that mean binary.</summary>
    private static readonly byte[][] Signatures =
    [
        [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], // PNG
        "%PDF-"u8.ToArray(),
        "GIF87a"u8.ToArray(), "GIF89a"u8.ToArray(),
        [0xFF, 0xD8, 0xFF], // JPEG
        [0x50, 0x4B, 0x03, 0x04], [0x50, 0x4B, 0x05, 0x06], [0x50, 0x4B, 0x07, 0x08], // zip, docx, jar...
        [0x1F, 0x8B], // gzip
        "BZh"u8.ToArray(),
        [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00], // xz
        [0x28, 0xB5, 0x2F, 0xFD], // zstd
        [0x37, 0x7A, 0xBC, 0xAF, 0x27, 0x1C], // 7z
        [0x52, 0x61, 0x72, 0x21, 0x1A, 0x07], // RAR
        [0x00, 0x01, 0x00, 0x00], // TrueType
        "OTTO"u8.ToArray(), "wOFF"u8.ToArray(), "wOF2"u8.ToArray(), "ttcf"u8.ToArray(),
        [0x7F, 0x45, 0x4C, 0x46], // ELF
        [0xCF, 0xFA, 0xED, 0xFE], [0xCE, 0xFA, 0xED, 0xFE], [0xCA, 0xFE, 0xBA, 0xBE], // Mach-O, Java class
        [0x00, 0x61, 0x73, 0x6D], // WebAssembly
        "SQLite format 3\0"u8.ToArray(),
        "OggS"u8.ToArray(), "fLaC"u8.ToArray(), "ID3"u8.ToArray(),
        [0x00, 0x00, 0x01, 0x00], // ICO
        "II*\0"u8.ToArray(), "MM\0*"u8.ToArray(), // TIFF
        "8BPS"u8.ToArray(), // Photoshop
        [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59], // NumPy
        [0xFF, 0xFE, 0x00, 0x00], [0x00, 0x00, 0xFE, 0xFF], // UTF-32: not worth splitting or indexing
    ];

    /// <summary>What the bytes are; <paramref name="extension"/> is the lower-case extension with its dot (or empty).</summary>
    public static ContentEncoding Sniff(string extension, ReadOnlySpan<byte> content)
    {
        if (content.IsEmpty)
            return ContentEncoding.Text;
        foreach (var signature in Signatures)
            if (content.StartsWith(signature))
                return ContentEncoding.Binary;
        if (content.Length >= 12 && content[4..8].SequenceEqual("ftyp"u8))
            return ContentEncoding.Binary; // MP4, MOV, HEIC, AVIF
        if (content.Length >= 12 && content.StartsWith("RIFF"u8))
            return ContentEncoding.Binary; // WAV, AVI, WebP
        if (content.Length % 2 == 0 && content.StartsWith([(byte)0xFF, (byte)0xFE]))
            return ContentEncoding.Utf16LittleEndian;
        if (content.Length % 2 == 0 && content.StartsWith([(byte)0xFE, (byte)0xFF]))
            return ContentEncoding.Utf16BigEndian;

        var sample = content[..Math.Min(content.Length, SampleBytes)];
        var validUtf8 = IsValidUtf8Prefix(sample, truncated: sample.Length < content.Length);
        var nul = sample.Count((byte)0);
        var control = 0;
        foreach (var b in sample)
            if (b < 0x20 && b is not ((byte)'\t' or (byte)'\n' or (byte)'\r' or (byte)'\f' or (byte)'\v' or 0x1B) || b == 0x7F)
                control++;

        if (BinaryExtensions.Contains(extension) && (nul > 0 || !validUtf8))
            return ContentEncoding.Binary;
        if (!validUtf8 && nul > 0)
            return ContentEncoding.Binary;
        // More than one byte in ten a control character is not text anyone wrote, whatever the encoding.
        if (control * 10 > sample.Length && sample.Length >= 16)
            return ContentEncoding.Binary;
        return ContentEncoding.Text;
    }

    /// <summary>Valid UTF-8, allowing a character cut by the end of a truncated sample.</summary>
    private static bool IsValidUtf8Prefix(ReadOnlySpan<byte> sample, bool truncated)
    {
        if (Utf8.IsValid(sample))
            return true;
        if (!truncated)
            return false;
        for (var cut = 1; cut <= 3 && cut < sample.Length; cut++)
            if (Utf8.IsValid(sample[..^cut]))
                return true;
        return false;
    }
}
