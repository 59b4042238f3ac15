namespace Hearth.Skills.Splitting;

/// <summary>
/// A file split into sections by <see cref="SkillSplitter.Split"/>. Pure data: the sections are slices of
/// <see cref="Content"/>, and <see cref="SkillRecomposer.Recompose(SplitResult)"/> gives the original bytes back.
/// </summary>
/// <param name="Path">The path the file was split under (as given, used for detection).</param>
/// <param name="Type">The detected file type.</param>
/// <param name="Format">How the bytes were read (markdown, python, json...).</param>
/// <param name="DetectionRule">The detection rule that decided <see cref="Type"/>, in words (for reports and debugging).</param>
/// <param name="Sha256">Lower-case hex SHA-256 of the whole file.</param>
/// <param name="Content">The original bytes.</param>
/// <param name="Sections">Ordered sections tiling the file; empty for an empty file.</param>
/// <param name="Frontmatter">Top-level scalar fields of markdown frontmatter (e.g. name, description, allowed-tools); empty otherwise.</param>
/// <param name="IsValidUtf8">False when the bytes are not valid UTF-8; they are kept exactly all the same.</param>
/// <param name="Warnings">Why the split is less structured than it could be (invalid UTF-8, unparseable JSON...); empty when all went well.</param>
public sealed record SplitResult(
    string Path,
    SkillFileType Type,
    SkillFileFormat Format,
    string DetectionRule,
    string Sha256,
    ReadOnlyMemory<byte> Content,
    IReadOnlyList<SkillSection> Sections,
    IReadOnlyDictionary<string, string> Frontmatter,
    bool IsValidUtf8,
    IReadOnlyList<string> Warnings)
{
    /// <summary>The file's length in bytes.</summary>
    public int Length => Content.Length;

    /// <summary>True for a binary file (detected by content): stored exactly as one section, never indexed as text.</summary>
    public bool IsBinary => Format == SkillFileFormat.Binary;
}
