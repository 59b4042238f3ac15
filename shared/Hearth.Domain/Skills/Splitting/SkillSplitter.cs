using System.Security.Cryptography;
using System.Text;
using System.Text.Unicode;

namespace Hearth.Skills.Splitting;

/// <summary>
/// Splits a skill-library file into sections: pure, no I/O, deterministic (same path and bytes, same result).
/// Works on the raw bytes, so any line endings, a BOM and invalid UTF-8 survive: the sections tile the file and
/// <see cref="SkillRecomposer"/> gives the exact bytes back, checked against the SHA-256 taken here.
/// </summary>
public static class SkillSplitter
{
    /// <summary>
    /// Detects the file's type and format from <paramref name="path"/> (relative to the library root) and its
    /// content, then splits it. Never throws for any content: what cannot be read structurally becomes one section and
    /// a warning says why.
    /// </summary>
    public static SplitResult Split(string path, ReadOnlyMemory<byte> content)
    {
        ArgumentNullException.ThrowIfNull(path);
        var s = content.Span;
        var warnings = new List<string>();
        var valid = Utf8.IsValid(s);

        var frontmatterEnd = Frontmatter.Find(s, out var innerStart, out var innerEnd);
        IReadOnlyDictionary<string, string> fields = frontmatterEnd > 0 ? Frontmatter.ParseFields(s[innerStart..innerEnd]) : new Dictionary<string, string>();
        var detection = SkillFileDetector.Detect(path, s, fields);
        if (detection.Format != SkillFileFormat.Markdown)
            fields = new Dictionary<string, string>();
        if (detection.Encoding == ContentEncoding.Binary)
            return Binary(path, detection, content, valid);
        if (detection.Encoding is ContentEncoding.Utf16LittleEndian or ContentEncoding.Utf16BigEndian)
            warnings.Add($"UTF-16 text ({(detection.Encoding == ContentEncoding.Utf16LittleEndian ? "little" : "big")}-endian); kept as one section, searchable as decoded text.");
        else if (!valid)
            warnings.Add($"Not valid UTF-8 (first invalid byte at offset {FirstInvalidUtf8(s)}); the bytes are kept exactly, titles show U+FFFD.");

        var builder = new SectionBuilder(content);
        var whole = SectionKind.Preamble;
        try
        {
            switch (s.IsEmpty ? SkillFileFormat.Text : detection.Format)
            {
                case SkillFileFormat.Markdown:
                    MarkdownSplitter.Split(s, builder, Math.Max(frontmatterEnd, 0));
                    break;
                case SkillFileFormat.Python:
                    PythonSplitter.Split(s, builder);
                    break;
                case SkillFileFormat.JavaScript or SkillFileFormat.TypeScript:
                    JavaScriptSplitter.Split(content, builder);
                    break;
                case SkillFileFormat.Shell:
                    ShellSplitter.Split(s, builder);
                    break;
                case SkillFileFormat.Json:
                    if (!JsonSplitter.Split(s, builder, warnings))
                        whole = SectionKind.Body;
                    break;
                default:
                    whole = SectionKind.Body;
                    break;
            }
        }
        catch (Exception ex) when (ex is InvalidOperationException or IndexOutOfRangeException or ArgumentOutOfRangeException)
        {
            // A splitter defect must not lose a file: keep it whole, and say so in the report.
            builder = new SectionBuilder(content);
            whole = SectionKind.Body;
            warnings.Add($"The {detection.Format.ToName()} splitter failed ({ex.GetType().Name}: {ex.Message}); kept as one section.");
        }

        return new SplitResult(
            path, detection.Type, detection.Format, detection.Rule, Sha256Hex(s), content, builder.Build(whole), fields, valid, warnings);
    }

    /// <summary>A binary file: one section titled by its name and size, no warnings (being binary is not a defect), never split.</summary>
    private static SplitResult Binary(string path, SkillFileDetection detection, ReadOnlyMemory<byte> content, bool valid)
    {
        var builder = new SectionBuilder(content);
        if (!content.IsEmpty)
        {
            var name = path.Replace('\\', '/').Split('/')[^1];
            builder.Add(0, SectionKind.Binary, string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{name} (binary, {content.Length:N0} bytes)"), null);
        }
        return new SplitResult(path, detection.Type, detection.Format, detection.Rule, Sha256Hex(content.Span), content,
            builder.Build(SectionKind.Binary), new Dictionary<string, string>(), valid, []);
    }

    /// <summary>Lower-case hex SHA-256, the form used for files and sections.</summary>
    public static string Sha256Hex(ReadOnlySpan<byte> bytes)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(bytes, hash);
        return Convert.ToHexStringLower(hash);
    }

    private static int FirstInvalidUtf8(ReadOnlySpan<byte> s)
    {
        for (var i = 0; i < s.Length;)
        {
            if (Rune.DecodeFromUtf8(s[i..], out _, out var consumed) != System.Buffers.OperationStatus.Done)
                return i;
            i += consumed;
        }
        return -1;
    }
}
