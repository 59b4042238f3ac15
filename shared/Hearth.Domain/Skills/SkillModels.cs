namespace Hearth.Skills;

/// <summary>A library file at its current version.</summary>
/// <param name="Id">Stable id derived from (owner, path).</param>
/// <param name="Path">Normalised path relative to the library root (see <see cref="SkillPath"/>).</param>
/// <param name="Type">skill, command, reference, agent, plugin, hook, output_style, documentation, config or script.</param>
/// <param name="Format">How it was split: markdown, python, javascript, typescript, shell, json or text.</param>
/// <param name="Version">Current version (1 for the first ingest).</param>
/// <param name="Sha256">Lower-case hex SHA-256 of the current bytes.</param>
/// <param name="Size">Bytes.</param>
/// <param name="Sections">Sections of the current version.</param>
/// <param name="Name">The frontmatter's <c>name</c>, if any.</param>
/// <param name="Searchable">The search index holds this version's sections (always false for binary files).</param>
/// <param name="IndexError">Why the last attempt to index the file failed, while it is not searchable.</param>
public sealed record SkillFile(
    string Id,
    string Path,
    string Type,
    string Format,
    int Version,
    string Sha256,
    int Size,
    int Sections,
    string? Name,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    bool Searchable = false,
    string? IndexError = null)
{
    /// <summary>A binary file (format <c>binary</c>, type <c>asset</c>): stored exactly, one section, never indexed as text.</summary>
    public bool Binary => Format == "binary";
}

/// <summary>One immutable version of a file.</summary>
/// <param name="Source">How it came: upload, ingest, compose, checkin or section (a section replaced in place).</param>
/// <param name="RunId">The bulk ingest run that wrote it, if any.</param>
/// <param name="Warnings">The splitter's warnings (invalid UTF-8, invalid JSON...).</param>
public sealed record SkillFileVersion(
    int Version,
    string Sha256,
    int Size,
    string Type,
    string Format,
    int Sections,
    string Source,
    string? RunId,
    IReadOnlyList<string> Warnings,
    DateTimeOffset CreatedAt);

/// <summary>A section of a stored version (no content).</summary>
/// <param name="Id">Stable id derived from (owner, path, key).</param>
/// <param name="Order">Position in the file (0-based).</param>
/// <param name="Key">The splitter's key, e.g. <c>h:Usage/h:Options</c>.</param>
/// <param name="Depth">0 at the top, parent + 1 below.</param>
/// <param name="HeadingLevel">1-6 for markdown headings, 0 for other kinds.</param>
/// <param name="Offset">First byte in the file.</param>
/// <param name="Size">The section's own bytes (children excluded).</param>
/// <param name="SubtreeEnd">Order of the first section after this one's descendants.</param>
/// <param name="SubtreeSize">Bytes of the section with all its descendants.</param>
public sealed record StoredSection(
    string Id,
    string FileId,
    string Path,
    int Version,
    int Order,
    string Key,
    string? ParentId,
    int Depth,
    int HeadingLevel,
    string Kind,
    string Title,
    int Offset,
    int Size,
    int StartLine,
    int EndLine,
    string Sha256,
    int SubtreeEnd,
    int SubtreeSize)
{
    public bool HasChildren => SubtreeEnd > Order + 1;
}

/// <summary>A section with its bytes (its own, or with its descendants when asked) and its direct children.</summary>
public sealed record SectionRead(StoredSection Section, string FileType, byte[] Content, bool IncludesChildren, IReadOnlyList<StoredSection> Children);

/// <summary>What storing a file did.</summary>
public enum FileChange
{
    /// <summary>A new file (version 1).</summary>
    Created,
    /// <summary>A new version of an existing file.</summary>
    Updated,
    /// <summary>The bytes equal the current version: nothing was written.</summary>
    Unchanged,
}

/// <summary>The file after a store, what changed, and the splitter's warnings.</summary>
public sealed record StoredFile(SkillFile File, FileChange Change, IReadOnlyList<string> Warnings);

/// <summary>A local file's path and hash (and size, when known), to ask which files a push must upload.</summary>
public sealed record PathHash(string Path, string Sha256, long? Size = null);

/// <summary>Which of the given files differ from the library.</summary>
/// <param name="Changed">Paths (as given) that are new, whose bytes differ, or whose stored bytes are not searchable yet.</param>
/// <param name="Unchanged">How many match the library exactly.</param>
/// <param name="Invalid">Paths that cannot be library paths, or files the library cannot take (too large), with the reason.</param>
public sealed record CompareResult(IReadOnlyList<ChangedPath> Changed, int Unchanged, IReadOnlyList<InvalidPath> Invalid);

/// <summary>A path a push must upload: <c>new</c>, <c>modified</c>, or <c>unindexed</c> (the same bytes, which search does not hold yet: uploading them again indexes them).</summary>
public sealed record ChangedPath(string Path, string Change);

/// <summary>A path refused, and why.</summary>
public sealed record InvalidPath(string Path, string Error);

/// <summary>The request cannot be carried out as asked (a validation problem for the caller, not a fault).</summary>
public sealed class SkillRequestException(string field, string message) : Exception(message)
{
    public string Field { get; } = field;
}

/// <summary>The library changed under the caller (e.g. the file moved on since a checkout); the message says how to proceed.</summary>
public sealed class SkillConflictException(string message) : Exception(message);
