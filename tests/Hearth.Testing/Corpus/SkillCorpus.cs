namespace Hearth.Testing.Corpus;

/// <summary>
/// One generated file: its path inside the library, its exact bytes, the file type the detection rules should give it
/// (snake_case, e.g. <c>output_style</c>), and the edge cases it carries (names from <see cref="CorpusEdgeCases"/>).
/// </summary>
public sealed record CorpusFile(string Path, byte[] Content, string ExpectedType, IReadOnlyList<string> EdgeCases);

/// <summary>A generated skill library: deterministic for a seed, written to disk with <see cref="WriteTo"/> when a test or benchmark needs files.</summary>
public sealed record SkillCorpus(int Seed, IReadOnlyList<CorpusFile> Files)
{
    public long TotalBytes => Files.Sum(f => (long)f.Content.Length);

    /// <summary>File count per expected type.</summary>
    public IReadOnlyDictionary<string, int> CountByType =>
        Files.GroupBy(f => f.ExpectedType).ToDictionary(g => g.Key, g => g.Count());

    /// <summary>File count per edge case.</summary>
    public IReadOnlyDictionary<string, int> CountByEdgeCase =>
        Files.SelectMany(f => f.EdgeCases).GroupBy(e => e).ToDictionary(g => g.Key, g => g.Count());

    /// <summary>Writes every file under <paramref name="directory"/> (created if missing), byte for byte.</summary>
    public void WriteTo(string directory)
    {
        foreach (var file in Files)
        {
            var full = System.IO.Path.Combine(directory, file.Path.Replace('/', System.IO.Path.DirectorySeparatorChar));
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
            File.WriteAllBytes(full, file.Content);
        }
    }
}

/// <summary>The edge cases the generator injects, by name. Every one appears in any corpus of <see cref="SkillCorpusGenerator.CoverageFiles"/> files or more.</summary>
public static class CorpusEdgeCases
{
    // Byte-level, applied to any file.
    public const string Crlf = "crlf";
    public const string MixedLineEndings = "mixed-line-endings";
    public const string LoneCr = "lone-cr";
    public const string NoFinalNewline = "no-final-newline";
    public const string Bom = "bom";
    public const string InvalidUtf8 = "invalid-utf8";
    public const string EmptyFile = "empty-file";
    public const string WhitespaceOnly = "whitespace-only";

    // Markdown.
    public const string TabsAfterHash = "tabs-after-hash";
    public const string SpacesAfterHash = "spaces-after-hash";
    public const string HeadingAtEof = "heading-at-eof";
    public const string SkippedLevels = "skipped-levels";
    public const string FencedHeadings = "fenced-headings";
    public const string LongFence = "long-fence";
    public const string UnclosedFence = "unclosed-fence";
    public const string ClosingHashes = "closing-hashes";
    public const string HashWithoutSpace = "hash-without-space";
    public const string IndentedHeading = "indented-heading";
    public const string IndentedCodeHeading = "indented-code-heading";
    public const string XmlTags = "xml-tags";
    public const string HeadingInsideTag = "heading-inside-tag";
    public const string UnclosedTag = "unclosed-tag";
    public const string FrontmatterDots = "frontmatter-dots";
    public const string UnclosedFrontmatter = "unclosed-frontmatter";
    public const string PreambleText = "preamble-text";
    public const string SetextHeading = "setext-heading";
    public const string HtmlCommentHeading = "html-comment-heading";
    public const string UnicodeTitles = "unicode-titles";
    public const string DuplicateTitles = "duplicate-titles";
    public const string FrontmatterTyped = "frontmatter-typed";

    // Scripts.
    public const string Decorators = "decorators";
    public const string AsyncDef = "async-def";
    public const string DefInDocstring = "def-in-docstring";
    public const string NestedClass = "nested-class";
    public const string ArrowFunctions = "arrow-functions";
    public const string ExportForms = "export-forms";
    public const string Generics = "generics";
    public const string TypeDeclarations = "type-declarations";
    public const string Namespaces = "namespaces";
    public const string TemplateLiterals = "template-literals";
    public const string ShellBothForms = "shell-both-forms";
    public const string Heredoc = "heredoc";
    public const string ShebangOnly = "shebang-no-extension";
    public const string CodeAfterLastSymbol = "code-after-last-symbol";

    // JSON.
    public const string JsonComments = "json-comments";
    public const string JsonCompact = "json-compact";
    public const string JsonInvalid = "json-invalid";
    public const string JsonArrayRoot = "json-array-root";
    public const string JsonHooksOnly = "json-hooks-only";

    /// <summary>Every edge case name.</summary>
    public static IReadOnlyList<string> All { get; } = typeof(CorpusEdgeCases)
        .GetFields(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static)
        .Where(f => f.IsLiteral)
        .Select(f => (string)f.GetRawConstantValue()!)
        .ToList();
}
