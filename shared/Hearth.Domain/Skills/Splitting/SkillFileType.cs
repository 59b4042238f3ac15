namespace Hearth.Skills.Splitting;

/// <summary>What a file in a skill library is, as decided by <see cref="SkillFileDetector"/> (the rules are in docs/skills.md).</summary>
public enum SkillFileType
{
    Skill,
    Command,
    Reference,
    Agent,
    Plugin,
    Hook,
    OutputStyle,
    Documentation,
    Config,
    Script,
    /// <summary>A binary file (image, font, PDF, archive...) beside the text: stored exactly, never split or indexed as text.</summary>
    Asset,
}

/// <summary>How a file's bytes are read for splitting; independent of its <see cref="SkillFileType"/> (a hook may be JSON or shell).</summary>
public enum SkillFileFormat
{
    Markdown,
    Python,
    JavaScript,
    TypeScript,
    Shell,
    Json,
    /// <summary>Anything else (YAML, TOML, plain text, unknown text formats): kept as one section.</summary>
    Text,
    /// <summary>JSON Lines (<c>.jsonl</c>, <c>.ndjson</c>): one record per line, kept as one section and never parsed as one JSON document.</summary>
    JsonLines,
    /// <summary>Not text (detected by content): one section, stored exactly, not indexed.</summary>
    Binary,
}

/// <summary>What a section is.</summary>
public enum SectionKind
{
    /// <summary>YAML frontmatter at the very start of a markdown file.</summary>
    Frontmatter,
    /// <summary>Bytes before the first heading, tag, symbol or JSON key.</summary>
    Preamble,
    /// <summary>A markdown ATX heading and the text under it up to the next boundary.</summary>
    Heading,
    /// <summary>An XML-style block tag on its own line (e.g. &lt;instructions&gt;) with a matching closing tag.</summary>
    Tag,
    /// <summary>Markdown text after a closing tag, before the next boundary.</summary>
    Text,
    Function,
    Class,
    Interface,
    TypeAlias,
    Enum,
    Namespace,
    /// <summary>Script code between symbols (or after the last member of a class).</summary>
    Code,
    /// <summary>Bytes after the last top-level symbol of a script, or the closing of a JSON document.</summary>
    Epilogue,
    /// <summary>A JSON member (a top-level key, or an MCP server).</summary>
    JsonKey,
    /// <summary>A hook event or a hook matcher group in hooks.json or a settings file.</summary>
    Hook,
    /// <summary>The whole file as one section: no structure to split on (plain text, invalid JSON, a JSON array...).</summary>
    Body,
    /// <summary>The whole of a binary file (see <see cref="SkillFileFormat.Binary"/>).</summary>
    Binary,
}

/// <summary>Stable lower-case names for the enums, as stored and shown (snake_case, e.g. <c>output_style</c>).</summary>
public static class SkillSplittingNames
{
    private static readonly string[] TypeNames =
        ["skill", "command", "reference", "agent", "plugin", "hook", "output_style", "documentation", "config", "script", "asset"];

    private static readonly string[] FormatNames = ["markdown", "python", "javascript", "typescript", "shell", "json", "text", "jsonl", "binary"];

    private static readonly string[] KindNames =
    [
        "frontmatter", "preamble", "heading", "tag", "text", "function", "class", "interface", "type_alias", "enum",
        "namespace", "code", "epilogue", "json_key", "hook", "body", "binary",
    ];

    public static string ToName(this SkillFileType type) => TypeNames[(int)type];

    public static string ToName(this SkillFileFormat format) => FormatNames[(int)format];

    public static string ToName(this SectionKind kind) => KindNames[(int)kind];

    /// <summary>Parses a stored type name (e.g. <c>output_style</c>); false for anything else.</summary>
    public static bool TryParseType(string? name, out SkillFileType type) => TryParse(TypeNames, name, out type);

    public static bool TryParseFormat(string? name, out SkillFileFormat format) => TryParse(FormatNames, name, out format);

    public static bool TryParseKind(string? name, out SectionKind kind) => TryParse(KindNames, name, out kind);

    private static bool TryParse<T>(string[] names, string? name, out T value) where T : struct, Enum
    {
        var i = name is null ? -1 : Array.IndexOf(names, name);
        value = i < 0 ? default : (T)(object)i;
        return i >= 0;
    }
}
