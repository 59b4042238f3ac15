using System.Security.Cryptography;
using System.Text;
using Hearth.Skills.Splitting;

namespace Hearth.Skills.Tests.Splitting;

/// <summary>The invariants every split must hold, checked independently of the splitter's own bookkeeping.</summary>
internal static class SplitAssert
{
    /// <summary>Splits and checks; returns the result for further assertions.</summary>
    public static SplitResult SplitValid(string path, byte[] bytes)
    {
        var result = SkillSplitter.Split(path, bytes);
        var problem = Problem(result, bytes);
        if (problem is not null)
            throw new Xunit.Sdk.XunitException($"{path} ({bytes.Length} bytes): {problem}\n{Escape(bytes)}\n{Describe(result)}");
        return result;
    }

    /// <summary>The first broken invariant, or null when the split is sound.</summary>
    public static string? Problem(SplitResult r, byte[] original)
    {
        if (!r.Content.Span.SequenceEqual(original))
            return "the result does not hold the original bytes";
        if (r.Sha256 != Convert.ToHexStringLower(SHA256.HashData(original)))
            return "file SHA-256 is wrong";
        if (r.Warnings.FirstOrDefault(w => w.Contains("splitter failed", StringComparison.Ordinal)) is { } failure)
            return failure;
        if (original.Length == 0 != (r.Sections.Count == 0))
            return "an empty file must have no sections, any other file at least one";

        var lineOf = LineNumbers(original);
        var keys = new HashSet<string>(StringComparer.Ordinal);
        var offset = 0;
        for (var i = 0; i < r.Sections.Count; i++)
        {
            var s = r.Sections[i];
            if (s.Index != i)
                return $"section {i} has index {s.Index}";
            if (s.Offset != offset || s.Length <= 0)
                return $"section {i} is at {s.Offset}+{s.Length}, expected to start at {offset} with at least one byte (the sections must tile the file)";
            if (!s.Content.Span.SequenceEqual(original.AsSpan(s.Offset, s.Length)))
                return $"section {i} content is not the file's bytes at its range";
            if (s.Sha256 != Convert.ToHexStringLower(SHA256.HashData(original.AsSpan(s.Offset, s.Length))))
                return $"section {i} SHA-256 is wrong";
            if (s.ParentIndex is { } p)
            {
                if (p < 0 || p >= i)
                    return $"section {i} has parent {p}, which does not precede it";
                if (s.Depth != r.Sections[p].Depth + 1)
                    return $"section {i} depth {s.Depth} is not its parent's + 1";
                if (s.Kind == SectionKind.Heading && r.Sections[p].Kind == SectionKind.Heading && s.HeadingLevel <= r.Sections[p].HeadingLevel)
                    return $"heading {i} (h{s.HeadingLevel}) sits under h{r.Sections[p].HeadingLevel}";
                if (!s.Key.StartsWith(r.Sections[p].Key + "/", StringComparison.Ordinal))
                    return $"section {i} key '{s.Key}' does not extend its parent's '{r.Sections[p].Key}'";
            }
            else if (s.Depth != 0)
                return $"top-level section {i} has depth {s.Depth}";
            if ((s.Kind == SectionKind.Heading) != (s.HeadingLevel is >= 1 and <= 6))
                return $"section {i} ({s.Kind}) has heading level {s.HeadingLevel}";
            if (!keys.Add(s.Key))
                return $"key '{s.Key}' is not unique";
            if (s.StartLine != lineOf[s.Offset] || s.EndLine != lineOf[s.Offset + s.Length - 1])
                return $"section {i} lines {s.StartLine}-{s.EndLine}, expected {lineOf[s.Offset]}-{lineOf[s.Offset + s.Length - 1]}";
            offset += s.Length;
        }
        if (offset != original.Length)
            return $"sections cover {offset} of {original.Length} bytes";
        if (!SkillRecomposer.Recompose(r).AsSpan().SequenceEqual(original))
            return "recomposition differs from the original";
        return null;
    }

    /// <summary>1-based line of every byte, counted the plain way: a line ends after LF, after CRLF, or at a lone CR.</summary>
    private static int[] LineNumbers(byte[] bytes)
    {
        var lines = new int[bytes.Length];
        var line = 1;
        for (var i = 0; i < bytes.Length; i++)
        {
            lines[i] = line;
            if (bytes[i] == '\n' || (bytes[i] == '\r' && (i + 1 == bytes.Length || bytes[i + 1] != '\n')))
                line++;
        }
        return lines;
    }

    /// <summary>A readable outline: one line per section, indented by depth, "kind title".</summary>
    public static string[] Outline(SplitResult r) =>
        r.Sections.Select(s => new string(' ', 2 * s.Depth) + (s.Kind == SectionKind.Heading ? $"h{s.HeadingLevel}" : s.Kind.ToName()) + " " + s.Title).ToArray();

    public static string Describe(SplitResult r) => string.Join("\n", r.Sections.Select(s =>
        $"  [{s.Index}] {s.Kind} '{s.Title}' key={s.Key} parent={s.ParentIndex} {s.Offset}+{s.Length} L{s.StartLine}-{s.EndLine}"));

    public static string Escape(byte[] bytes) =>
        Encoding.UTF8.GetString(bytes).Replace("\r", "\\r").Replace("\n", "\\n\n").Replace("\t", "\\t");

    public static SplitResult Split(string path, string text) => SplitValid(path, Encoding.UTF8.GetBytes(text));

    /// <summary>The text of a section (lenient decoding).</summary>
    public static string Text(this SkillSection s) => Encoding.UTF8.GetString(s.Content.Span);
}
