using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using static Hearth.Testing.Corpus.CorpusEdgeCases;

namespace Hearth.Testing.Corpus;

/// <summary>
/// Generates a realistic skill library (skills with references and scripts, plugins with commands, agents, hooks and
/// MCP configs, output styles, settings, documentation) with every file type and every edge case the splitter promises
/// to survive. Deterministic: the same seed and parameters give the same paths and bytes.
/// </summary>
public static class SkillCorpusGenerator
{
    /// <summary>The size of the bulk-ingest acceptance library (skill-split's 1,367 files).</summary>
    public const int DefaultFiles = 1367;

    /// <summary>How many files it takes to hold every file type and every edge case.</summary>
    public static int CoverageFiles => CorpusBuilder.CoverageCount;

    /// <summary>
    /// Generates <paramref name="files"/> files. The first <see cref="CoverageFiles"/> files cover every type and every
    /// edge case (so any corpus at least that large has them all); the rest are drawn at random. <paramref name="edgeCaseRate"/> scales
    /// how often edge cases are injected into the random files (0 = clean files, 1 = edge cases everywhere they fit).
    /// </summary>
    public static SkillCorpus Generate(int seed, int files = DefaultFiles, double edgeCaseRate = 0.3)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(files);
        ArgumentOutOfRangeException.ThrowIfNegative(edgeCaseRate);
        return new SkillCorpus(seed, new CorpusBuilder(seed, edgeCaseRate).Build(files));
    }

    /// <summary>A large, clean SKILL.md-style markdown document of about <paramref name="targetBytes"/> bytes (for benchmarks).</summary>
    public static byte[] LargeMarkdown(int seed, int targetBytes = 50 * 1024) => new CorpusBuilder(seed, 0).LargeMarkdown(targetBytes);
}

internal sealed class CorpusBuilder(int seed, double rate)
{
    private enum Kind
    {
        SkillMd, Reference, ReferenceNamed, Command, Agent, OutputStyle, Documentation, DocTyped, Plugin, Marketplace,
        Hooks, HookScript, Settings, Mcp, ConfigJson, ConfigYaml, HooksOnlyJson, Python, JavaScript, TypeScript, Shell,
        ShebangScript, Asset,
    }

    private static readonly (Kind Kind, int Weight)[] Weights =
    [
        (Kind.SkillMd, 11), (Kind.Reference, 12), (Kind.ReferenceNamed, 2), (Kind.Command, 10), (Kind.Agent, 7),
        (Kind.OutputStyle, 3), (Kind.Documentation, 7), (Kind.DocTyped, 2), (Kind.Plugin, 4), (Kind.Marketplace, 1),
        (Kind.Hooks, 4), (Kind.HookScript, 3), (Kind.Settings, 2), (Kind.Mcp, 2), (Kind.ConfigJson, 3),
        (Kind.ConfigYaml, 2), (Kind.HooksOnlyJson, 1), (Kind.Python, 7), (Kind.JavaScript, 4), (Kind.TypeScript, 5),
        (Kind.Shell, 5), (Kind.ShebangScript, 2),
    ];

    /// <summary>Files generated first, one per (kind, forced edge case), so small corpora still cover everything.</summary>
    private static readonly (Kind Kind, string? Edge)[] Coverage =
    [
        (Kind.SkillMd, null), (Kind.Reference, null), (Kind.ReferenceNamed, null), (Kind.Command, null), (Kind.Agent, null),
        (Kind.OutputStyle, null), (Kind.Documentation, null), (Kind.DocTyped, null), (Kind.Plugin, null),
        (Kind.Marketplace, null), (Kind.Hooks, null), (Kind.HookScript, null), (Kind.Settings, null), (Kind.Mcp, null),
        (Kind.ConfigJson, null), (Kind.ConfigYaml, null), (Kind.HooksOnlyJson, JsonHooksOnly), (Kind.Python, null),
        (Kind.JavaScript, null), (Kind.TypeScript, null), (Kind.Shell, null), (Kind.ShebangScript, ShebangOnly),
        (Kind.SkillMd, Crlf), (Kind.Python, MixedLineEndings), (Kind.Shell, LoneCr), (Kind.Reference, NoFinalNewline),
        (Kind.SkillMd, Bom), (Kind.Documentation, InvalidUtf8), (Kind.TypeScript, InvalidUtf8), (Kind.Command, EmptyFile),
        (Kind.Reference, WhitespaceOnly), (Kind.Hooks, Crlf), (Kind.Plugin, Bom), (Kind.Agent, MixedLineEndings),
        (Kind.Documentation, TabsAfterHash), (Kind.Documentation, SpacesAfterHash), (Kind.SkillMd, HeadingAtEof),
        (Kind.Reference, SkippedLevels), (Kind.SkillMd, FencedHeadings), (Kind.Reference, LongFence),
        (Kind.Documentation, UnclosedFence), (Kind.Reference, ClosingHashes), (Kind.Documentation, HashWithoutSpace),
        (Kind.Documentation, IndentedHeading), (Kind.Reference, IndentedCodeHeading), (Kind.Agent, XmlTags),
        (Kind.Agent, HeadingInsideTag), (Kind.SkillMd, UnclosedTag), (Kind.SkillMd, FrontmatterDots),
        (Kind.Documentation, UnclosedFrontmatter), (Kind.Documentation, PreambleText), (Kind.Reference, SetextHeading),
        (Kind.Documentation, HtmlCommentHeading), (Kind.SkillMd, UnicodeTitles), (Kind.Reference, DuplicateTitles),
        (Kind.DocTyped, FrontmatterTyped), (Kind.Python, Decorators), (Kind.Python, AsyncDef), (Kind.Python, DefInDocstring),
        (Kind.Python, NestedClass), (Kind.JavaScript, ArrowFunctions), (Kind.TypeScript, ExportForms),
        (Kind.TypeScript, Generics), (Kind.TypeScript, TypeDeclarations), (Kind.TypeScript, Namespaces),
        (Kind.JavaScript, TemplateLiterals), (Kind.Shell, ShellBothForms), (Kind.Shell, Heredoc),
        (Kind.Python, CodeAfterLastSymbol), (Kind.Settings, JsonComments), (Kind.Mcp, JsonCompact),
        (Kind.ConfigJson, JsonInvalid), (Kind.ConfigJson, JsonArrayRoot), (Kind.DocTyped, Bom), (Kind.HookScript, Crlf),
        (Kind.Asset, null),
    ];

    public static int CoverageCount => Coverage.Length;

    private static readonly string[] HookEvents = ["PreToolUse", "PostToolUse", "UserPromptSubmit", "Stop", "SubagentStop", "SessionStart", "Notification", "PreCompact"];
    private static readonly string[] Matchers = ["Bash", "Edit|Write", "Read", "mcp__github__.*", "*", "Task", "WebFetch"];
    private static readonly string[] Models = ["sonnet", "opus", "haiku", "inherit"];
    private static readonly string[] Colors = ["blue", "green", "purple", "orange", "red", "cyan"];
    private static readonly string[] Tools = ["Read", "Grep", "Glob", "Bash", "Edit", "Write", "WebFetch", "Task"];

    private readonly CorpusText _t = new(new Random(seed));
    // Case-insensitive, so a corpus written to a case-insensitive file system keeps every file.
    private readonly HashSet<string> _paths = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<string> _skills = [];
    private readonly List<string> _plugins = [];
    private HashSet<string> _edges = [];
    private string? _forced;

    public List<CorpusFile> Build(int count)
    {
        var files = new List<CorpusFile>(count);
        var total = Weights.Sum(w => w.Weight);
        for (var i = 0; i < count; i++)
        {
            Kind kind;
            if (i < Coverage.Length)
                (kind, _forced) = Coverage[i];
            else
            {
                _forced = null;
                var roll = _t.Random.Next(total);
                kind = Weights.First(w => (roll -= w.Weight) < 0).Kind;
            }
            // A coverage file is drawn again until it carries its edge case (some depend on random structure, e.g. an h3 to skip to).
            CorpusFile file;
            var tries = 0;
            do
            {
                _edges = [];
                file = Make(kind);
            }
            while (_forced is not null && !_edges.Contains(_forced) && ++tries < 100);
            files.Add(file);
        }
        return files;
    }

    public byte[] LargeMarkdown(int targetBytes)
    {
        var sb = new StringBuilder(Frontmatter(("name", "large-skill"), ("description", _t.Sentence()), ("allowed-tools", "Read, Grep, Bash")));
        sb.Append($"# {_t.Title()}\n\n{_t.Paragraph()}\n");
        while (sb.Length < targetBytes)
        {
            sb.Append($"## {_t.Title()}\n\n").Append(Block());
            for (var j = _t.Between(0, 3); j > 0; j--)
                sb.Append($"### {_t.Title()}\n\n").Append(Block());
        }
        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    /// <summary>True when this file should carry <paramref name="edge"/>: forced for coverage, or drawn at <c>rate × weight</c>.</summary>
    private bool Edge(string edge, double weight = 1)
    {
        if (_forced != edge && !(rate > 0 && _t.Random.NextDouble() < rate * weight))
            return false;
        _edges.Add(edge);
        return true;
    }

    private CorpusFile Make(Kind kind)
    {
        if (kind == Kind.Asset)
        {
            // A binary file beside a skill's text (an image, a font, a PDF): stored exactly, never split.
            var extension = _t.Pick(BinaryAssets.Extensions);
            return new CorpusFile(Unique($"{SkillFolder()}/assets/{Slug()}{extension}"), BinaryAssets.Make(_t.Random, extension), "asset", []);
        }
        var destructive = true;
        string path, type, text;
        switch (kind)
        {
            case Kind.SkillMd:
                path = $"{FolderWithout(_skills, NewSkill, "SKILL.md")}/SKILL.md";
                type = "skill";
                text = Markdown(Frontmatter(("name", SkillName()), ("description", Description()), ("allowed-tools", ToolList()), ("license", "MIT")), 4, 8, 3);
                break;
            case Kind.Reference:
                path = $"{SkillFolder()}/{_t.Pick(new[] { "references", "reference" })}/{Slug()}.md";
                type = "reference";
                text = Markdown(null, 3, 9, 3);
                break;
            case Kind.ReferenceNamed:
                path = $"{FolderWithout(_skills, NewSkill, "reference.md")}/{_t.Pick(new[] { "reference.md", "REFERENCE.md" })}";
                type = "reference";
                text = Markdown(null, 3, 8, 2);
                break;
            case Kind.Command:
                path = $"{PluginFolder()}/commands/{Slug()}.md";
                type = "command";
                text = Markdown(Frontmatter(("description", Description()), ("argument-hint", "[file] [--fix]"), ("allowed-tools", "Bash(git:*), Read")), 2, 6, 2);
                break;
            case Kind.Agent:
                path = $"{PluginFolder()}/agents/{Slug()}.md";
                type = "agent";
                text = Markdown(Frontmatter(("name", Slug()), ("description", Description()), ("tools", ToolList()), ("model", _t.Pick(Models)), ("color", _t.Pick(Colors))), 3, 7, 2, xml: true);
                break;
            case Kind.OutputStyle:
                path = $"output-styles/{Slug()}.md";
                type = "output_style";
                text = Markdown(Frontmatter(("name", _t.Capitalized(2)), ("description", Description()), ("keep-coding-instructions", "true")), 2, 6, 2);
                break;
            case Kind.Documentation:
                path = _t.Chance(0.4) ? $"{FolderWithout(_plugins, NewPlugin, "README.md")}/README.md" : $"docs/{Slug()}.md";
                type = "documentation";
                text = Markdown(null, 3, 8, 3, allowUnclosedFrontmatter: true);
                break;
            case Kind.DocTyped:
                (path, type, text) = TypedByFrontmatter();
                destructive = false;
                break;
            case Kind.Plugin:
                path = $"{FolderWithout(_plugins, NewPlugin, ".claude-plugin/plugin.json")}/.claude-plugin/plugin.json";
                type = "plugin";
                text = Json(PluginManifest());
                break;
            case Kind.Marketplace:
                path = $"{FolderWithout(_plugins, NewPlugin, ".claude-plugin/marketplace.json")}/.claude-plugin/marketplace.json";
                type = "plugin";
                text = Json(new JsonObject { ["name"] = Slug(), ["owner"] = new JsonObject { ["name"] = _t.Capitalized(2) }, ["plugins"] = new JsonArray(new JsonObject { ["name"] = Slug(), ["source"] = "./" }) });
                break;
            case Kind.Hooks:
                path = $"{FolderWithout(_plugins, NewPlugin, "hooks/hooks.json")}/hooks/hooks.json";
                type = "hook";
                text = Json(new JsonObject { ["description"] = _t.Sentence(), ["hooks"] = HooksObject() });
                break;
            case Kind.HookScript:
                path = $"{PluginFolder()}/hooks/{Slug()}{_t.Pick(new[] { ".sh", ".py" })}";
                type = "hook";
                text = path.EndsWith(".sh", StringComparison.Ordinal) ? Shell() : Python();
                break;
            case Kind.Settings:
                var settings = _t.Chance(0.7) ? ".claude/settings.json" : ".claude/settings.local.json";
                path = _paths.Contains(settings) ? $"{FolderWithout(_plugins, NewPlugin, settings)}/{settings}" : settings;
                type = "config";
                text = Json(Settings());
                break;
            case Kind.Mcp:
                path = $"{FolderWithout(_plugins, NewPlugin, ".mcp.json")}/.mcp.json";
                type = "config";
                text = Json(new JsonObject { ["mcpServers"] = McpServers() });
                break;
            case Kind.ConfigJson:
                path = $"{SkillFolder()}/assets/{Slug()}.json";
                type = "config";
                text = Edge(JsonArrayRoot, 0.2)
                    ? Json(new JsonArray(Enumerable.Range(0, _t.Between(2, 6)).Select(_ => (JsonNode)new JsonObject { ["id"] = _t.Word(), ["weight"] = _t.Between(1, 9) }).ToArray()))
                    : Json(ConfigObject());
                break;
            case Kind.ConfigYaml:
                path = $"config/{Slug()}.yaml";
                type = "config";
                text = string.Concat(Enumerable.Range(0, _t.Between(4, 14)).Select(_ => _t.Chance(0.2) ? $"# {_t.Capitalized(3)}\n" : $"{_t.Word()}_{_t.Word()}: {_t.Word()}\n"));
                break;
            case Kind.HooksOnlyJson:
                path = $"config/{Slug()}-hooks.json";
                type = "hook";
                _edges.Add(JsonHooksOnly);
                text = _t.Chance(0.5) ? Json(new JsonObject { ["hooks"] = HooksObject() }, allowInvalid: false) : Json(HooksObject(), allowInvalid: false);
                destructive = false;
                break;
            case Kind.Python:
                path = $"{SkillFolder()}/scripts/{_t.Identifier()}.py";
                type = "script";
                text = Python();
                break;
            case Kind.JavaScript:
                path = $"{SkillFolder()}/scripts/{Slug()}{_t.Pick(new[] { ".js", ".mjs", ".cjs" })}";
                type = "script";
                text = JavaScript(typescript: false);
                break;
            case Kind.TypeScript:
                path = $"{SkillFolder()}/scripts/{Slug()}{_t.Pick(new[] { ".ts", ".ts", ".tsx" })}";
                type = "script";
                text = JavaScript(typescript: true);
                break;
            case Kind.Shell:
                path = $"{SkillFolder()}/scripts/{Slug()}{_t.Pick(new[] { ".sh", ".bash" })}";
                type = "script";
                text = Shell();
                break;
            case Kind.ShebangScript:
                path = $"{SkillFolder()}/bin/{Slug()}";
                type = "script";
                _edges.Add(ShebangOnly);
                text = _t.Random.Next(3) switch
                {
                    0 => Python() is var py && py.StartsWith("#!", StringComparison.Ordinal) ? py : "#!/usr/bin/env python3\n" + py,
                    1 => Shell(),
                    _ => "#!/usr/bin/env node\n" + JavaScript(typescript: false),
                };
                destructive = false;
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, null);
        }
        var bytes = Bytes(text, destructive);
        return new CorpusFile(Unique(path), bytes, type, _edges.Order(StringComparer.Ordinal).ToList());
    }

    // ---- Paths -------------------------------------------------------------------------------------------------

    private string Slug() => $"{_t.Word()}-{_t.Word()}";

    private string SkillName() => $"{_t.Word()}-{_t.Word()}";

    private string SkillFolder() => _skills.Count == 0 || _t.Chance(0.15) ? NewSkill() : _t.Pick(_skills);

    private string NewSkill()
    {
        string folder;
        do
            folder = _t.Chance(0.3) && _plugins.Count > 0 ? $"{_t.Pick(_plugins)}/skills/{SkillName()}" : $"skills/{SkillName()}";
        while (_skills.Contains(folder, StringComparer.OrdinalIgnoreCase));
        _skills.Add(folder);
        return folder;
    }

    private string PluginFolder() => _plugins.Count == 0 || _t.Chance(0.12) ? NewPlugin() : _t.Pick(_plugins);

    private string NewPlugin()
    {
        string folder;
        do
            folder = $"plugins/{_t.Word()}-{_t.Pick(new[] { "tools", "kit", "helper", "suite", "flow" })}";
        while (_plugins.Contains(folder, StringComparer.OrdinalIgnoreCase));
        _plugins.Add(folder);
        return folder;
    }

    /// <summary>A folder of the pool that has no <paramref name="fileName"/> yet (files like SKILL.md exist once per folder), or a new one.</summary>
    private string FolderWithout(List<string> pool, Func<string> create, string fileName)
    {
        var free = pool.Where(f => !_paths.Contains($"{f}/{fileName}")).ToList();
        return free.Count > 0 && _t.Chance(0.7) ? _t.Pick(free) : create();
    }

    private string Unique(string path)
    {
        var candidate = path;
        for (var n = 2; !_paths.Add(candidate); n++)
        {
            var slash = path.LastIndexOf('/');
            var dot = path.LastIndexOf('.');
            candidate = dot > slash + 1 ? $"{path[..dot]}-{n}{path[dot..]}" : $"{path}-{n}";
        }
        return candidate;
    }

    // ---- Markdown ----------------------------------------------------------------------------------------------

    private string Description() => _t.Chance(0.2) ? $"\"{_t.Sentence()}\"" : _t.Chance(0.15) ? $"|\n  {_t.Sentence()}\n  {_t.Sentence()}" : _t.Sentence();

    private string ToolList() => string.Join(", ", _t.Random.GetItems(Tools, _t.Between(1, 4)).Distinct());

    private string Frontmatter(params (string Key, string Value)[] fields)
    {
        var sb = new StringBuilder("---\n");
        foreach (var (key, value) in fields)
            sb.Append($"{key}: {value}\n");
        return sb.Append(Edge(FrontmatterDots, 0.2) ? "...\n" : "---\n").Append('\n').ToString();
    }

    private (string Path, string Type, string Text) TypedByFrontmatter()
    {
        _edges.Add(FrontmatterTyped);
        var path = $"docs/{Slug()}.md";
        return _t.Random.Next(4) switch
        {
            0 => (path, "command", Markdown(Frontmatter(("description", _t.Sentence()), ("argument-hint", "<query>")), 2, 4, 1)),
            1 => (path, "output_style", Markdown(Frontmatter(("name", _t.Capitalized(2)), ("description", _t.Sentence()), ("keep-coding-instructions", "false")), 2, 4, 1)),
            2 => (path, "agent", Markdown(Frontmatter(("name", Slug()), ("description", _t.Sentence()), ("tools", ToolList())), 2, 5, 1, xml: true)),
            _ => (path, "skill", Markdown(Frontmatter(("name", SkillName()), ("description", _t.Sentence())), 3, 6, 2)),
        };
    }

    private string Markdown(string? frontmatter, int minH2, int maxH2, int maxH3, bool xml = false, bool allowUnclosedFrontmatter = false)
    {
        var sb = new StringBuilder(frontmatter ?? "");
        if (frontmatter is null && allowUnclosedFrontmatter && Edge(UnclosedFrontmatter, 0.15))
            sb.Append("---\ntitle: never closed\n\n");
        if (Edge(PreambleText, 1.5))
            sb.Append(_t.Paragraph()).Append('\n');
        var unicode = Edge(UnicodeTitles, 0.3);
        sb.Append(Heading(1, _t.Title(unicode))).Append('\n').Append(_t.Paragraph()).Append('\n');
        var duplicate = Edge(DuplicateTitles, 0.3) ? _t.Title() : null;
        var h2 = _t.Between(minH2, maxH2);
        for (var i = 0; i < h2; i++)
        {
            var title = duplicate is not null && i % 2 == 0 ? duplicate : _t.Title(unicode && _t.Chance(0.3));
            sb.Append(Heading(2, title)).Append('\n').Append(Block(xml));
            for (var j = _t.Between(0, maxH3); j > 0; j--)
                sb.Append(Heading(Edge(SkippedLevels, 0.2) ? 4 : 3, _t.Title())).Append('\n').Append(Block(xml));
        }
        if (Edge(UnclosedFence, 0.15))
            sb.Append("```text\n# Heading inside a fence that never closes\nmore text\n");
        else if (Edge(HeadingAtEof, 0.5))
            sb.Append(Heading(2, "See also")).Length -= _t.Chance(0.5) ? 1 : 0;
        return sb.ToString();
    }

    private string Heading(int level, string title)
    {
        var hashes = new string('#', level);
        if (Edge(TabsAfterHash, 0.08))
            return $"{hashes}\t{title}\n";
        if (Edge(SpacesAfterHash, 0.08))
            return $"{hashes}   {title}\n";
        if (Edge(ClosingHashes, 0.08))
            return $"{hashes} {title} {hashes}\n";
        if (Edge(IndentedHeading, 0.06))
            return $"{new string(' ', _t.Between(1, 3))}{hashes} {title}\n";
        return $"{hashes} {title}\n";
    }

    private string Block(bool xml = false)
    {
        var sb = new StringBuilder();
        switch (_t.Random.Next(xml ? 8 : 6))
        {
            case 0 or 1:
                sb.Append(_t.Paragraph()).Append('\n');
                break;
            case 2:
                sb.Append(_t.Paragraph(1, 2)).Append('\n').Append(_t.Bullets()).Append('\n');
                break;
            case 3:
                sb.Append(_t.Table()).Append('\n');
                break;
            case 4:
                sb.Append(_t.Paragraph(1, 2)).Append('\n').Append(_t.CodeBlock(_t.Chance(0.2) ? "~~~" : "```")).Append('\n');
                break;
            default:
                var tag = _t.Pick(new[] { "example", "instructions", "context", "output_format" });
                sb.Append($"<{tag}>\n{_t.Paragraph(1, 3)}</{tag}>\n\n");
                _edges.Add(XmlTags);
                break;
        }
        if (Edge(XmlTags, 0.15))
            sb.Append($"<example>\n{_t.Paragraph(1, 2)}</example>\n\n");
        if (Edge(HeadingInsideTag, 0.1))
            sb.Append($"<instructions>\n### {_t.Title()}\n{_t.Paragraph(1, 2)}</instructions>\n{_t.Paragraph(1, 1)}\n");
        if (Edge(UnclosedTag, 0.05))
            sb.Append($"<note>\n{_t.Paragraph(1, 1)}\n");
        if (Edge(FencedHeadings, 0.15))
            sb.Append(_t.Chance(0.5) ? "```markdown\n# Not a heading\n## Also not\n```\n\n" : "~~~\n# Inside tildes\n~~~\n\n");
        if (Edge(LongFence, 0.08))
            sb.Append("````md\n```\n# inner fence is shorter\n```\n## still inside\n`````\n\n");
        if (Edge(HashWithoutSpace, 0.08))
            sb.Append($"#hashtag {_t.Word()} #{_t.Word()}\n\n");
        if (Edge(IndentedCodeHeading, 0.08))
            sb.Append("    # indented code, not a heading\n\n");
        if (Edge(SetextHeading, 0.05))
            sb.Append($"{_t.Capitalized(2)}\n========\n\n");
        if (Edge(HtmlCommentHeading, 0.05))
            sb.Append("<!--\n# commented out heading\n-->\n\n");
        return sb.ToString();
    }

    // ---- Scripts -----------------------------------------------------------------------------------------------

    private string Python()
    {
        var sb = new StringBuilder();
        if (_t.Chance(0.5))
            sb.Append("#!/usr/bin/env python3\n");
        sb.Append($"\"\"\"{_t.Sentence()}\n\n{_t.Sentence()}\n\"\"\"\n\nimport json\nimport os\nfrom pathlib import Path\n\n");
        if (_t.Chance(0.5))
            sb.Append($"{_t.Word().ToUpperInvariant()}_LIMIT = {_t.Between(1, 500)}\n\n");
        for (var n = _t.Between(3, 8); n > 0; n--)
        {
            if (_t.Chance(0.3))
                sb.Append($"# {_t.Capitalized(4)}\n");
            if (_t.Chance(0.3))
                sb.Append(PythonClass());
            else
                sb.Append(PythonFunction(""));
            sb.Append('\n');
            if (_t.Chance(0.15))
                sb.Append($"{_t.Word().ToUpperInvariant()} = {{\"{_t.Word()}\": {_t.Between(1, 9)}}}\n\n");
        }
        if (Edge(CodeAfterLastSymbol, 1.5))
            sb.Append("if __name__ == \"__main__\":\n    main()\n");
        return sb.ToString();
    }

    private string PythonFunction(string indent, bool method = false)
    {
        var sb = new StringBuilder();
        if (Edge(Decorators, 0.5))
            sb.Append(_t.Chance(0.5) ? $"{indent}@functools.lru_cache(maxsize=None)\n" : $"{indent}@app.route(\n{indent}    \"/{_t.Word()}\",\n{indent}    methods=[\"GET\"],\n{indent})\n");
        var asyncKeyword = Edge(AsyncDef, 0.4) ? "async " : "";
        var self = method ? "self, " : "";
        sb.Append($"{indent}{asyncKeyword}def {_t.Identifier()}({self}path: str, limit: int = 10) -> dict:\n");
        if (Edge(DefInDocstring, 0.2))
            sb.Append($"{indent}    \"\"\"{_t.Sentence()}\n\nExample:\ndef fake():\n    pass\nclass Fake:\n    pass\n{indent}    \"\"\"\n");
        else
            sb.Append($"{indent}    \"\"\"{_t.Sentence()}\"\"\"\n");
        sb.Append($"{indent}    data = {{\n{indent}        \"path\": path,\n# a comment at column 0 inside the body\n{indent}        \"limit\": limit,\n{indent}    }}\n");
        sb.Append($"{indent}    text = '''\n{_t.Sentence()}\n'''\n");
        sb.Append($"{indent}    return data\n");
        return sb.ToString();
    }

    private string PythonClass()
    {
        var sb = new StringBuilder();
        if (Edge(Decorators, 0.3))
            sb.Append("@dataclass\n");
        sb.Append($"class {_t.PascalIdentifier()}(Base):\n    \"\"\"{_t.Sentence()}\"\"\"\n\n    retries = {_t.Between(1, 5)}\n\n");
        for (var m = _t.Between(2, 5); m > 0; m--)
            sb.Append(PythonFunction("    ", method: true)).Append('\n');
        if (Edge(NestedClass, 0.3))
            sb.Append($"    class Meta:\n        ordering = [\"{_t.Word()}\"]\n\n        def {_t.Identifier()}(self):\n            return None\n\n");
        return sb.ToString();
    }

    private string JavaScript(bool typescript)
    {
        var sb = new StringBuilder($"import {{ {_t.CamelIdentifier()} }} from './{_t.Word()}.js';\nimport fs from 'node:fs';\n\n");
        if (typescript && Edge(TypeDeclarations, 0.6))
        {
            sb.Append($"export interface {_t.PascalIdentifier()}Options {{\n  path: string;\n  limit?: number;\n}}\n\n");
            sb.Append($"export type {_t.PascalIdentifier()}Result =\n  | {{ ok: true; value: string }}\n  | {{ ok: false; error: Error }};\n\n");
            sb.Append($"export enum {_t.PascalIdentifier()}Mode {{\n  Fast = 'fast',\n  Safe = 'safe',\n}}\n\n");
        }
        for (var n = _t.Between(3, 8); n > 0; n--)
        {
            if (_t.Chance(0.35))
                sb.Append($"/**\n * {_t.Sentence()}\n * @param input {_t.Sentence()}\n */\n");
            switch (_t.Random.Next(5))
            {
                case 0:
                    var generic = typescript && Edge(Generics, 0.5) ? "<T extends object>" : "";
                    var exported = Edge(ExportForms, 0.5) ? _t.Pick(new[] { "export ", "export default ", "export async " }) : "";
                    var asyncWord = exported.Contains("async", StringComparison.Ordinal) ? "" : _t.Chance(0.3) ? "async " : "";
                    sb.Append($"{exported}{asyncWord}function {_t.CamelIdentifier()}{generic}(input{(typescript ? ": string" : "")}) {{\n  const parts = input.split(/[{{}}]/g);\n  if (parts.length > 1) {{\n    return parts.join('}}');\n  }}\n  return input;\n}}\n\n");
                    break;
                case 1:
                    _edges.Add(ArrowFunctions);
                    sb.Append(_t.Random.Next(3) switch
                    {
                        0 => $"export const {_t.CamelIdentifier()} = async (path{(typescript ? ": string" : "")}) => {{\n  const text = await fs.promises.readFile(path, 'utf8');\n  return text.trim();\n}};\n\n",
                        1 => $"const {_t.CamelIdentifier()} = x => x * 2;\n\n",
                        _ => $"export const {_t.CamelIdentifier()} = {(typescript && Edge(Generics, 0.5) ? "<T,>" : "")}(\n  value{(typescript ? ": T" : "")},\n  fallback{(typescript ? ": T" : "")}\n){(typescript ? ": T" : "")} => value ?? fallback;\n\n",
                    });
                    break;
                case 2:
                    sb.Append(JsClass(typescript));
                    break;
                case 3:
                    if (Edge(TemplateLiterals, 0.6))
                        sb.Append($"function {_t.CamelIdentifier()}(a, b) {{\n  const s = `${{a}} {{ ${{b ? `}}` : '{{'}} }}\n  multi-line ${{fn({{ x: 1 }})}}`;\n  return s.replace(/\\}}/g, \"\");\n}}\n\n");
                    else if (typescript && Edge(Namespaces, 0.6))
                        sb.Append($"export namespace {_t.PascalIdentifier()} {{\n  export function {_t.CamelIdentifier()}(): void {{}}\n\n  export const {_t.CamelIdentifier()} = (): number => 1;\n}}\n\n");
                    else
                        sb.Append($"const {_t.Word().ToUpperInvariant()} = {{\n  retries: {_t.Between(1, 5)},\n  mode: '{_t.Word()}',\n}};\n\n");
                    break;
                default:
                    sb.Append(typescript ? $"export declare function {_t.CamelIdentifier()}(x: number): string;\n\n" : $"module.exports.{_t.CamelIdentifier()} = function (req, res) {{\n  res.end('ok');\n}};\n\n");
                    break;
            }
        }
        if (Edge(CodeAfterLastSymbol, 1.5))
            sb.Append("main().catch((err) => {\n  console.error(err);\n  process.exit(1);\n});\n");
        return sb.ToString();
    }

    private string JsClass(bool typescript)
    {
        var generic = typescript && Edge(Generics, 0.4) ? "<T>" : "";
        var sb = new StringBuilder($"{(Edge(ExportForms, 0.5) ? "export " : "")}class {_t.PascalIdentifier()}{generic} extends Base {{\n");
        sb.Append(typescript ? "  private readonly cache = new Map<string, number>();\n\n" : "  cache = new Map();\n\n");
        sb.Append("  constructor(options) {\n    super(options);\n  }\n\n");
        for (var m = _t.Between(1, 4); m > 0; m--)
        {
            if (typescript && Edge(Decorators, 0.3))
                sb.Append("  @memoize()\n");
            sb.Append(_t.Random.Next(4) switch
            {
                0 => $"  async {_t.CamelIdentifier()}(path{(typescript ? ": string): Promise<void>" : ")")} {{\n    await this.load(path);\n  }}\n\n",
                1 => $"  static {_t.CamelIdentifier()}() {{\n    return new this();\n  }}\n\n",
                2 => $"  {_t.CamelIdentifier()} = (event) => {{\n    this.emit(event);\n  }};\n\n",
                _ => $"  get {_t.CamelIdentifier()}() {{\n    return this.cache.size;\n  }}\n\n",
            });
        }
        return sb.Append("}\n\n").ToString();
    }

    private string Shell()
    {
        var sb = new StringBuilder("#!/usr/bin/env bash\nset -euo pipefail\n\n");
        sb.Append($"ROOT=\"${{ROOT:-$(cd \"$(dirname \"$0\")\" && pwd)}}\"\nLIMIT={_t.Between(1, 50)}\n\n");
        for (var n = _t.Between(2, 6); n > 0; n--)
        {
            if (_t.Chance(0.4))
                sb.Append($"# {_t.Capitalized(4)}\n");
            var name = _t.Identifier();
            var both = Edge(ShellBothForms, 0.6);
            sb.Append(both ? _t.Random.Next(3) switch { 0 => $"function {name} {{\n", 1 => $"function {name}() {{\n", _ => $"{name}()\n{{\n" } : $"{name}() {{\n");
            sb.Append($"  local target=\"${{1:-{_t.Word()}}}\"\n  if [[ -z \"$target\" ]]; then\n    echo \"missing target }}\" >&2\n    return 1\n  fi\n");
            if (Edge(Heredoc, 0.3))
                sb.Append("  cat <<'EOF'\n}\nfake_function() {\n# not a comment\nEOF\n  cat <<-END\n\t}\n\tEND\n");
            sb.Append($"  echo \"${{target}}\" | tr '{{' '}}'\n}}\n\n");
        }
        sb.Append("case \"${1:-}\" in\n  run) main ;;\n  *) echo usage ;;\nesac\n");
        if (Edge(CodeAfterLastSymbol, 1.0))
            sb.Append("main \"$@\"\n");
        return sb.ToString();
    }

    // ---- JSON --------------------------------------------------------------------------------------------------

    private string Json(JsonNode node, bool allowInvalid = true)
    {
        if (Edge(JsonCompact, 0.2))
            return node.ToJsonString() + "\n";
        var text = node.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n";
        if (node is JsonObject && Edge(JsonComments, 0.2))
        {
            var lines = text.Split('\n').ToList();
            var at = 1 + _t.Random.Next(Math.Max(1, lines.Count - 2));
            lines.Insert(at, $"  // {_t.Capitalized(3)}");
            text = string.Join('\n', lines);
        }
        if (allowInvalid && Edge(JsonInvalid, 0.05))
            text = text[..Math.Max(1, text.Length - _t.Between(2, 12))];
        return text;
    }

    private JsonObject PluginManifest()
    {
        var manifest = new JsonObject
        {
            ["name"] = Slug(),
            ["version"] = $"{_t.Between(0, 3)}.{_t.Between(0, 9)}.{_t.Between(0, 20)}",
            ["description"] = _t.Sentence(),
            ["author"] = new JsonObject { ["name"] = _t.Capitalized(2), ["email"] = $"{_t.Word()}@example.com" },
            ["license"] = "MIT",
            ["keywords"] = new JsonArray(_t.Word(), _t.Word(), _t.Word()),
        };
        if (_t.Chance(0.5))
            manifest["commands"] = "./commands";
        if (_t.Chance(0.4))
            manifest["hooks"] = HooksObject();
        if (_t.Chance(0.3))
            manifest["mcpServers"] = McpServers();
        return manifest;
    }

    private JsonObject HooksObject()
    {
        var hooks = new JsonObject();
        foreach (var hookEvent in _t.Random.GetItems(HookEvents, _t.Between(1, 4)).Distinct())
        {
            var groups = new JsonArray();
            for (var g = _t.Between(1, 3); g > 0; g--)
            {
                var group = new JsonObject();
                if (_t.Chance(0.7))
                    group["matcher"] = _t.Pick(Matchers);
                group["hooks"] = new JsonArray(new JsonObject { ["type"] = "command", ["command"] = $"${{CLAUDE_PLUGIN_ROOT}}/hooks/{Slug()}.sh", ["timeout"] = _t.Between(5, 60) });
                groups.Add(group);
            }
            hooks[hookEvent] = groups;
        }
        return hooks;
    }

    private JsonObject McpServers()
    {
        var servers = new JsonObject();
        foreach (var name in _t.Random.GetItems(new[] { "github", "postgres", "filesystem", "search", "memory", "browser" }, _t.Between(1, 4)).Distinct())
            servers[name] = new JsonObject { ["command"] = "npx", ["args"] = new JsonArray("-y", $"@modelcontextprotocol/server-{name}"), ["env"] = new JsonObject { ["LOG_LEVEL"] = "info" } };
        return servers;
    }

    private JsonObject Settings() => new()
    {
        ["$schema"] = "https://json.schemastore.org/claude-code-settings.json",
        ["model"] = _t.Pick(Models),
        ["permissions"] = new JsonObject { ["allow"] = new JsonArray("Bash(npm run test:*)", "Read(~/.zshrc)"), ["deny"] = new JsonArray("Read(./.env)") },
        ["env"] = new JsonObject { ["CLAUDE_CODE_ENABLE_TELEMETRY"] = "0" },
        ["hooks"] = HooksObject(),
    };

    private JsonObject ConfigObject()
    {
        var config = new JsonObject();
        for (var n = _t.Between(2, 7); n > 0; n--)
            config[$"{_t.Word()}{n}"] = _t.Chance(0.5) ? _t.Word() : new JsonObject { ["enabled"] = _t.Chance(0.5), ["limit"] = _t.Between(1, 100) };
        return config;
    }

    // ---- Bytes -------------------------------------------------------------------------------------------------

    /// <summary>Byte-level edge cases: line endings, final newline, BOM, invalid UTF-8, empty and whitespace-only files.</summary>
    private byte[] Bytes(string text, bool destructive)
    {
        if (destructive && Edge(EmptyFile, 0.04))
            return [];
        if (destructive && Edge(WhitespaceOnly, 0.03))
            return "\n  \n\t\n"u8.ToArray();
        if (Edge(NoFinalNewline, 0.4))
            text = text.TrimEnd('\n');
        if (Edge(Crlf, 0.5))
            text = text.Replace("\n", "\r\n", StringComparison.Ordinal);
        else if (Edge(MixedLineEndings, 0.25))
        {
            var sb = new StringBuilder(text.Length + 64);
            foreach (var c in text)
                sb.Append(c == '\n' ? _t.Pick(new[] { "\n", "\r\n", "\r\n", "\r" }) : c.ToString());
            text = sb.ToString();
        }
        else if (Edge(LoneCr, 0.08))
            text = text.Replace('\n', '\r');

        var bytes = Encoding.UTF8.GetBytes(text);
        var firstBreak = Array.FindIndex(bytes, b => b is (byte)'\n' or (byte)'\r');
        if (destructive && firstBreak >= 0 && Edge(InvalidUtf8, 0.12))
        {
            var bad = _t.Pick(new byte[][] { [0xFF], [0xC3, 0x28], [0xE2, 0x82], [0xED, 0xA0, 0x80], [0xC0, 0xAF], [0x80] });
            var at = _t.Random.Next(firstBreak + 1, bytes.Length + 1);
            bytes = [.. bytes[..at], .. bad, .. bytes[at..]];
        }
        if (Edge(Bom, 0.25))
            bytes = [0xEF, 0xBB, 0xBF, .. bytes];
        return bytes;
    }
}
