namespace Hearth.Skills.Splitting;

/// <summary>The outcome of detection: the file's type, how its bytes are read, the rule that decided it, and what the bytes are (text, UTF-16 or binary).</summary>
public sealed record SkillFileDetection(SkillFileType Type, SkillFileFormat Format, string Rule, ContentEncoding Encoding = ContentEncoding.Text);

/// <summary>
/// Decides a file's <see cref="SkillFileType"/> and <see cref="SkillFileFormat"/> from its path inside the library and
/// its content. Path rules first (first match wins), then content (shebang, frontmatter fields, what a JSON object
/// holds). The table is in docs/skills.md.
/// </summary>
public static class SkillFileDetector
{
    private static readonly string[] DocumentationNames = ["readme", "changelog", "contributing", "license", "code_of_conduct", "security"];

    /// <summary>Detects type and format. <paramref name="path"/> is relative to the library root; '/' or '\' separators.</summary>
    public static SkillFileDetection Detect(string path, ReadOnlySpan<byte> content) => Detect(path, content, null);

    internal static SkillFileDetection Detect(string path, ReadOnlySpan<byte> content, IReadOnlyDictionary<string, string>? frontmatter)
    {
        ArgumentNullException.ThrowIfNull(path);
        var segments = path.Replace('\\', '/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        var fileName = segments.Length == 0 ? "" : segments[^1];
        var lowerName = fileName.ToLowerInvariant();
        var folders = segments[..Math.Max(0, segments.Length - 1)].Select(f => f.ToLowerInvariant()).ToHashSet();
        var extension = Path.GetExtension(lowerName);
        var encoding = ContentSniffer.Sniff(extension, content);
        if (encoding == ContentEncoding.Binary)
            return new(SkillFileType.Asset, SkillFileFormat.Binary, "binary content", encoding);
        var detection = DetectText(lowerName, folders, extension, content, frontmatter);
        // UTF-16 text keeps the type its path gives it, but its bytes cannot be read by the UTF-8 splitters: one section.
        return encoding == ContentEncoding.Text ? detection : detection with { Format = SkillFileFormat.Text, Encoding = encoding };
    }

    private static SkillFileDetection DetectText(
        string lowerName, HashSet<string> folders, string extension, ReadOnlySpan<byte> content, IReadOnlyDictionary<string, string>? frontmatter)
    {
        var (format, formatRule) = DetectFormat(extension, content);
        var isScript = format is SkillFileFormat.Python or SkillFileFormat.JavaScript or SkillFileFormat.TypeScript or SkillFileFormat.Shell;

        if (lowerName == "skill.md")
            return new(SkillFileType.Skill, SkillFileFormat.Markdown, "file name SKILL.md");
        if (lowerName == "plugin.json")
            return new(SkillFileType.Plugin, format, "file name plugin.json");
        if (lowerName == "marketplace.json" && format == SkillFileFormat.Json)
            return new(SkillFileType.Plugin, format, "file name marketplace.json");
        if (folders.Contains(".claude-plugin") && format == SkillFileFormat.Json)
            return new(SkillFileType.Plugin, format, "JSON in a .claude-plugin/ folder");
        if (lowerName == "hooks.json")
            return new(SkillFileType.Hook, format, "file name hooks.json");
        // A hooks/ folder holds hook scripts; its README, package.json or tsconfig are what they are anywhere else
        // (JSON that holds hooks is a hook by its content, below).
        if (folders.Contains("hooks") && isScript)
            return new(SkillFileType.Hook, format, "script inside a hooks/ folder");
        if (format == SkillFileFormat.Markdown && folders.Contains("commands"))
            return new(SkillFileType.Command, format, "markdown in a commands/ folder");
        if (format == SkillFileFormat.Markdown && folders.Contains("agents"))
            return new(SkillFileType.Agent, format, "markdown in an agents/ folder");
        if (format == SkillFileFormat.Markdown && (folders.Contains("output-styles") || folders.Contains("output_styles")))
            return new(SkillFileType.OutputStyle, format, "markdown in an output-styles/ folder");
        if (isScript)
            return new(SkillFileType.Script, format, formatRule);
        if (folders.Contains("references") || folders.Contains("reference"))
            return new(SkillFileType.Reference, format, "inside a references/ or reference/ folder");
        if (format == SkillFileFormat.Markdown && lowerName is "reference.md" or "references.md")
            return new(SkillFileType.Reference, format, "file name reference.md");

        if (format == SkillFileFormat.Json)
        {
            if (lowerName is "settings.json" or "settings.local.json" or ".mcp.json" or "mcp.json")
                return new(SkillFileType.Config, format, $"file name {lowerName}");
            var keys = JsonSplitter.TopLevelKeys(content);
            if (keys is { Count: > 0 } && (keys.All(JsonSplitter.HookEvents.Contains)
                || (keys.Contains("hooks") && keys.All(k => k is "hooks" or "description" or "$schema"))))
                return new(SkillFileType.Hook, format, "JSON holding only hooks");
            return new(SkillFileType.Config, format, "other JSON");
        }
        if (format == SkillFileFormat.Text && extension is ".yaml" or ".yml" or ".toml" or ".ini" or ".cfg" or ".conf" or ".env")
            return new(SkillFileType.Config, format, $"configuration extension {extension}");

        if (format == SkillFileFormat.Markdown && !DocumentationNames.Contains(Path.GetFileNameWithoutExtension(lowerName)))
        {
            frontmatter ??= ReadFrontmatter(content);
            bool Has(string field) => frontmatter.ContainsKey(field);
            if (Has("argument-hint"))
                return new(SkillFileType.Command, format, "frontmatter has argument-hint");
            if (Has("keep-coding-instructions"))
                return new(SkillFileType.OutputStyle, format, "frontmatter has keep-coding-instructions");
            if (Has("name") && Has("description") && (Has("tools") || Has("model") || Has("color")) && !Has("allowed-tools"))
                return new(SkillFileType.Agent, format, "frontmatter has name, description and tools/model/color");
            if (Has("name") && Has("description"))
                return new(SkillFileType.Skill, format, "frontmatter has name and description");
        }
        return new(SkillFileType.Documentation, format, format == SkillFileFormat.Markdown ? "other markdown" : "other file");
    }

    private static Dictionary<string, string> ReadFrontmatter(ReadOnlySpan<byte> content) =>
        Frontmatter.Find(content, out var start, out var end) < 0 ? [] : Frontmatter.ParseFields(content[start..end]);

    private static (SkillFileFormat Format, string Rule) DetectFormat(string extension, ReadOnlySpan<byte> content)
    {
        switch (extension)
        {
            case ".md" or ".markdown" or ".mdx" or ".mdc":
                return (SkillFileFormat.Markdown, $"extension {extension}");
            case ".py" or ".pyw" or ".pyi":
                return (SkillFileFormat.Python, $"script extension {extension}");
            case ".js" or ".mjs" or ".cjs" or ".jsx":
                return (SkillFileFormat.JavaScript, $"script extension {extension}");
            case ".ts" or ".tsx" or ".mts" or ".cts":
                return (SkillFileFormat.TypeScript, $"script extension {extension}");
            case ".sh" or ".bash" or ".zsh" or ".ksh":
                return (SkillFileFormat.Shell, $"script extension {extension}");
            case ".json" or ".jsonc":
                return (SkillFileFormat.Json, $"extension {extension}");
            case ".jsonl" or ".ndjson":
                return (SkillFileFormat.JsonLines, $"extension {extension}");
            case ".yaml" or ".yml" or ".toml" or ".ini" or ".cfg" or ".conf" or ".env" or ".txt" or ".csv" or ".xml" or ".html" or ".htm":
                return (SkillFileFormat.Text, $"extension {extension}");
        }

        var body = content.StartsWith("\uFEFF"u8) ? content[3..] : content;
        if (body.StartsWith("#!"u8))
        {
            var eol = body.IndexOfAny((byte)'\r', (byte)'\n');
            var shebang = SectionBuilder.Decode(eol < 0 ? body : body[..eol]);
            if (shebang.Contains("python", StringComparison.Ordinal))
                return (SkillFileFormat.Python, "python shebang");
            if (shebang.Contains("ts-node", StringComparison.Ordinal) || shebang.Contains("tsx", StringComparison.Ordinal))
                return (SkillFileFormat.TypeScript, "typescript shebang");
            if (shebang.Contains("node", StringComparison.Ordinal) || shebang.Contains("deno", StringComparison.Ordinal)
                || shebang.Contains("bun", StringComparison.Ordinal))
                return (SkillFileFormat.JavaScript, "javascript shebang");
            if (shebang.Contains("sh", StringComparison.Ordinal))
                return (SkillFileFormat.Shell, "shell shebang");
        }
        var trimmed = body.TrimStart(" \t\r\n"u8);
        if (trimmed.StartsWith("{"u8) && JsonSplitter.TopLevelKeys(content) is not null)
            return (SkillFileFormat.Json, "content is a JSON object");
        // Headings alone prove nothing ('#' starts a comment in a Dockerfile, a Makefile, YAML, shell): only a file
        // without any extension that opens with YAML frontmatter is read as markdown. Everything else is one section.
        if (extension.Length == 0 && Frontmatter.Find(content, out _, out _) > 0)
            return (SkillFileFormat.Markdown, "no extension and content opens with frontmatter");
        return (SkillFileFormat.Text, extension.Length == 0 ? "no extension, no known content" : $"unknown extension {extension}");
    }
}
