namespace Hearth.Skills.Splitting;

/// <summary>
/// One section of a split file: a contiguous byte range. The sections of a file tile it in order, so concatenating
/// their <see cref="Content"/> gives back the file exactly. A section's content is only its own bytes, up to the next
/// section (a heading's children are separate sections that follow it).
/// </summary>
/// <remarks>
/// A class rather than a record because <see cref="Sha256"/> is computed on first use and cached: storing needs it,
/// showing and recomposing do not, and hashing every section costs more than the whole split (see docs/skills.md).
/// </remarks>
public sealed class SkillSection(
    int index,
    string key,
    int? parentIndex,
    int depth,
    int headingLevel,
    SectionKind kind,
    string title,
    int offset,
    int length,
    int startLine,
    int endLine,
    ReadOnlyMemory<byte> content)
{
    private string? _sha256;

    /// <summary>Position in the file's section list (0-based); parents always come before their children.</summary>
    public int Index { get; } = index;

    /// <summary>Stable path within the file (e.g. <c>h:Usage/h:Options~2</c>), unique per file; see docs/skills.md.</summary>
    public string Key { get; } = key;

    /// <summary>Index of the parent section, or null for a top-level section.</summary>
    public int? ParentIndex { get; } = parentIndex;

    /// <summary>0 for top-level sections, parent's depth + 1 otherwise.</summary>
    public int Depth { get; } = depth;

    /// <summary>1–6 for markdown headings (the number of #), 0 for every other kind.</summary>
    public int HeadingLevel { get; } = headingLevel;

    public SectionKind Kind { get; } = kind;

    /// <summary>Display title, decoded leniently from the bytes (invalid UTF-8 shows as U+FFFD); at most 120 characters, one line.</summary>
    public string Title { get; } = title;

    /// <summary>Byte offset of the first byte in the file.</summary>
    public int Offset { get; } = offset;

    /// <summary>Byte length; never 0.</summary>
    public int Length { get; } = length;

    /// <summary>1-based line of the first byte (lines end at LF, CRLF or a lone CR).</summary>
    public int StartLine { get; } = startLine;

    /// <summary>1-based line of the last byte (a line's terminator belongs to that line).</summary>
    public int EndLine { get; } = endLine;

    /// <summary>The section's bytes: a slice of the split file's memory, not a copy (do not change that memory afterwards).</summary>
    public ReadOnlyMemory<byte> Content { get; } = content;

    /// <summary>Lower-case hex SHA-256 of <see cref="Content"/>, computed on first use and cached (safe across threads).</summary>
    public string Sha256 => _sha256 ??= SkillSplitter.Sha256Hex(Content.Span);

    public override string ToString() => $"{Index} {Kind.ToName()} '{Title}' [{Key}] bytes {Offset}+{Length}, lines {StartLine}-{EndLine}";
}
