using System.Globalization;
using System.Text;

namespace Hearth.Testing.Corpus;

/// <summary>
/// One file of a <see cref="RealisticLibrary"/>: its path, exact bytes, the type detection should give it, and the
/// word only this file holds (null for a binary file), so a test can search for every text file by itself.
/// </summary>
public sealed record LibraryFile(string Path, byte[] Content, string ExpectedType, string? Marker)
{
    /// <summary>A binary asset (image, font, PDF, archive): stored exactly, never searchable as text.</summary>
    public bool Binary => Marker is null;
}

/// <summary>A generated library shaped like published skill repositories; see <see cref="RealisticLibraryGenerator"/>.</summary>
public sealed record RealisticLibrary(int Seed, IReadOnlyList<LibraryFile> Files)
{
    public long TotalBytes => Files.Sum(f => (long)f.Content.Length);

    public IEnumerable<LibraryFile> TextFiles => Files.Where(f => !f.Binary);

    /// <summary>Writes every file under <paramref name="directory"/>, byte for byte.</summary>
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

/// <summary>
/// The regression corpus of issue 16: repositories laid out the way public skill libraries are, with what broke the
/// library on real ones. Skill collections (SKILL.md with frontmatter, references, Python/shell/TypeScript scripts,
/// XSD schemas, JSON Lines evals, fonts, images, PDFs and archives beside them), plugin marketplaces (marketplace and
/// plugin manifests, commands, agents, hooks.json with hook scripts, MCP config, READMEs), TypeScript hook collections
/// (hooks/src with interfaces, types, classes, untyped-semicolon declarations, package.json and tsconfig, settings
/// holding hooks), and command/agent/output-style collections. Files carry CRLF, BOMs, a stray NUL, UTF-16, fences in
/// list items and quotes, here-strings, Dockerfiles and Makefiles. Deterministic for a seed; every text file holds a
/// marker word no other file holds.
/// </summary>
public static class RealisticLibraryGenerator
{
    /// <summary>Generates repositories until at least <paramref name="files"/> files exist.</summary>
    public static RealisticLibrary Generate(int seed, int files = 1450) => new(seed, new RealisticBuilder(seed).Build(files));
}

internal sealed class RealisticBuilder(int seed)
{
    private static readonly string[] Models = ["sonnet", "opus", "haiku", "inherit"];
    private static readonly string[] Colors = ["blue", "green", "purple", "orange", "red", "cyan"];
    private static readonly string[] Events = ["PreToolUse", "PostToolUse", "UserPromptSubmit", "Stop", "SessionStart", "Notification"];
    private static readonly string[] Matchers = ["Bash", "Edit|Write|MultiEdit", "Read", "mcp__github__.*", "Task", "WebFetch"];

    private readonly CorpusText _t = new(new Random(seed));
    private readonly List<LibraryFile> _files = [];
    private readonly HashSet<string> _paths = new(StringComparer.OrdinalIgnoreCase);
    private int _marker;

    public List<LibraryFile> Build(int count)
    {
        var repo = 0;
        while (_files.Count < count)
        {
            var root = $"{_t.Pick(new[] { "anthropic", "community", "acme", "team", "oss" })}-{_t.Word()}-{repo++}";
            switch (repo % 4)
            {
                case 1: SkillsRepository(root); break;
                case 2: Marketplace(root); break;
                case 3: HookCollection(root); break;
                default: CommandCollection(root); break;
            }
        }
        return _files;
    }

    // ---- Repositories ------------------------------------------------------------------------------------------

    private void SkillsRepository(string root)
    {
        Text($"{root}/README.md", "documentation", m => Markdown(null, m, 4, 8));
        Text($"{root}/.claude-plugin/marketplace.json", "plugin", m => MarketplaceJson(m));
        for (var s = _t.Between(4, 8); s > 0; s--)
        {
            var name = $"{_t.Word()}-{_t.Word()}";
            var skill = $"{root}/skills/{name}";
            Text($"{skill}/SKILL.md", "skill", m => Markdown(Frontmatter(("name", name), ("description", _t.Sentence()), ("license", "Complete terms in LICENSE.txt")), m, 10, 22, references: true));
            if (_t.Chance(0.5)) Text($"{skill}/LICENSE.txt", "documentation", m => $"Copyright {_t.Capitalized(2)}\n\n{m} {_t.Paragraph(4, 8)}\n");
            var folder = _t.Chance(0.5) ? "references" : "reference";
            for (var r = _t.Between(0, 3); r > 0; r--)
                Text($"{skill}/{folder}/{_t.Word()}-{_t.Pick(new[] { "guide", "api", "notes", "spec" })}.md", "reference", m => Markdown(null, m, 10, 26));
            if (_t.Chance(0.3)) Text($"{skill}/reference.md", "reference", m => Markdown(null, m, 6, 16));
            for (var p = _t.Between(1, 3); p > 0; p--)
                Text($"{skill}/scripts/{_t.Identifier()}.py", "script", m => Python(m));
            if (_t.Chance(0.4)) Text($"{skill}/scripts/{_t.Word()}.sh", "script", m => Shell(m));
            if (_t.Chance(0.25)) Text($"{skill}/scripts/{_t.Word()}.ts", "script", m => TypeScript(m));
            if (_t.Chance(0.2)) Text($"{skill}/templates/{_t.Word()}.xsd", "documentation", m => Xsd(m));
            if (_t.Chance(0.15)) Text($"{skill}/evals/{_t.Word()}.jsonl", "documentation", m => JsonLines(m));
            for (var a = _t.Between(0, 3); a > 0; a--)
                Binary($"{skill}/{_t.Pick(new[] { "assets", "fonts", "examples" })}/{_t.Word()}{_t.Pick(BinaryAssets.Extensions)}");
        }
    }

    private void Marketplace(string root)
    {
        Text($"{root}/.claude-plugin/marketplace.json", "plugin", m => MarketplaceJson(m));
        Text($"{root}/README.md", "documentation", m => Markdown(null, m, 3, 8));
        for (var p = _t.Between(2, 5); p > 0; p--)
        {
            var plugin = $"{root}/plugins/{_t.Word()}-{_t.Word()}";
            Text($"{plugin}/.claude-plugin/plugin.json", "plugin", m => PluginJson(m));
            Text($"{plugin}/README.md", "documentation", m => Markdown(null, m, 3, 7));
            for (var c = _t.Between(1, 5); c > 0; c--)
                Text($"{plugin}/commands/{_t.Word()}.md", "command", m => Markdown(Frontmatter(("description", _t.Sentence()), ("argument-hint", "[path] [--fix]"), ("allowed-tools", "Bash(git:*), Read, Edit")), m, 3, 7));
            for (var a = _t.Between(0, 3); a > 0; a--)
                Text($"{plugin}/agents/{_t.Word()}-{_t.Word()}.md", "agent", m => Markdown(Frontmatter(("name", _t.Word()), ("description", _t.Sentence()), ("tools", "Read, Grep, Glob"), ("model", _t.Pick(Models)), ("color", _t.Pick(Colors))), m, 4, 9, xml: true));
            if (_t.Chance(0.6))
            {
                Text($"{plugin}/hooks/hooks.json", "hook", m => HooksJson(m));
                Text($"{plugin}/hooks/{_t.Word()}.py", "hook", m => Python(m));
                if (_t.Chance(0.5)) Text($"{plugin}/hooks/{_t.Word()}.sh", "hook", m => Shell(m));
                if (_t.Chance(0.4)) Text($"{plugin}/hooks/README.md", "documentation", m => Markdown(null, m, 2, 5));
            }
            if (_t.Chance(0.3)) Text($"{plugin}/.mcp.json", "config", m => $"{{\n  \"mcpServers\": {{\n    \"{_t.Word()}\": {{ \"command\": \"npx\", \"args\": [\"-y\", \"{m}\"] }}\n  }}\n}}\n");
            if (_t.Chance(0.3)) Binary($"{plugin}/assets/icon{_t.Pick(new[] { ".png", ".ico" })}");
        }
    }

    private void HookCollection(string root)
    {
        Text($"{root}/README.md", "documentation", m => Markdown(null, m, 4, 9));
        Text($"{root}/hooks/README.md", "documentation", m => Markdown(null, m, 3, 6));
        Text($"{root}/hooks/package.json", "config", m => $"{{\n  \"name\": \"{m}\",\n  \"version\": \"1.{_t.Between(0, 9)}.0\",\n  \"type\": \"module\",\n  \"scripts\": {{ \"build\": \"tsc\" }},\n  \"devDependencies\": {{ \"typescript\": \"^5.6.0\" }}\n}}\n");
        Text($"{root}/hooks/tsconfig.json", "config", m => $"{{\n  // {m}\n  \"compilerOptions\": {{ \"strict\": true, \"target\": \"ES2022\" }},\n  \"include\": [\"src\"],\n}}\n");
        for (var h = _t.Between(6, 14); h > 0; h--)
            Text($"{root}/hooks/src/{_t.Word()}-{_t.Word()}.ts", "hook", m => TypeScript(m));
        for (var l = _t.Between(1, 4); l > 0; l--)
            Text($"{root}/hooks/src/lib/{_t.Word()}.ts", "hook", m => TypeScript(m));
        Text($"{root}/.claude/settings.json", "config", m => $"{{\n  \"$schema\": \"{m}\",\n  \"hooks\": {Hooks()}\n}}\n");
        Text($"{root}/Makefile", "documentation", m => $"# {m}\nbuild:\n\t# compile the hooks\n\tnpm run build\n\ntest:\n\tnpm test\n");
        if (_t.Chance(0.5)) Text($"{root}/Dockerfile", "documentation", m => $"# syntax=docker/dockerfile:1\n# {m}\nFROM node:22\nWORKDIR /app\n# install\nRUN npm ci\n");
        Text($"{root}/.github/workflows/ci.yml", "config", m => $"# {m}\nname: ci\non: [push]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - run: npm test\n");
    }

    private void CommandCollection(string root)
    {
        Text($"{root}/CLAUDE.md", "documentation", m => Markdown(null, m, 4, 10));
        for (var c = _t.Between(8, 20); c > 0; c--)
            Text($"{root}/commands/{_t.Word()}-{_t.Word()}.md", "command", m => Markdown(Frontmatter(("description", _t.Sentence()), ("argument-hint", "<issue-number>")), m, 4, 10));
        for (var a = _t.Between(4, 12); a > 0; a--)
            Text($"{root}/agents/{_t.Word()}-{_t.Word()}.md", "agent", m => Markdown(Frontmatter(("name", _t.Word()), ("description", _t.Sentence()), ("model", _t.Pick(Models))), m, 5, 12, xml: true));
        for (var o = _t.Between(0, 2); o > 0; o--)
            Text($"{root}/output-styles/{_t.Word()}.md", "output_style", m => Markdown(Frontmatter(("name", _t.Capitalized(2)), ("description", _t.Sentence())), m, 3, 6));
    }

    // ---- Files -------------------------------------------------------------------------------------------------

    private void Text(string path, string type, Func<string, string> content)
    {
        if (!_paths.Add(path)) return;
        var marker = string.Create(CultureInfo.InvariantCulture, $"rlmark{_marker++:D5}q");
        var text = content(marker);
        byte[] bytes;
        var roll = _t.Random.NextDouble();
        if (roll < 0.004 && !path.EndsWith(".json", StringComparison.Ordinal))
            bytes = [.. Encoding.Unicode.GetPreamble(), .. Encoding.Unicode.GetBytes(text)]; // saved by a Windows editor
        else
        {
            if (roll < 0.10) text = text.Replace("\n", "\r\n", StringComparison.Ordinal);
            bytes = Encoding.UTF8.GetBytes(text);
            if (_t.Chance(0.04)) bytes = [0xEF, 0xBB, 0xBF, .. bytes];
            if (_t.Chance(0.015) && !path.EndsWith(".json", StringComparison.Ordinal))
            {
                // A stray NUL, as pasted from a terminal or a binary diff (after the marker, so the marker stays a word).
                var at = Array.LastIndexOf(bytes, (byte)'\n');
                bytes = at <= 0 ? bytes : [.. bytes[..at], 0, .. bytes[at..]];
            }
        }
        _files.Add(new LibraryFile(path, bytes, type, marker));
    }

    private void Binary(string path)
    {
        if (!_paths.Add(path)) return;
        _files.Add(new LibraryFile(path, BinaryAssets.Make(_t.Random, System.IO.Path.GetExtension(path)), "asset", null));
    }

    private static string Frontmatter(params (string Key, string Value)[] fields) =>
        "---\n" + string.Concat(fields.Select(f => $"{f.Key}: {f.Value}\n")) + "---\n\n";

    /// <summary>Markdown with h1 and nested h2/h3 headings, lists whose items open fences, quotes with fences, tables and tags.</summary>
    private string Markdown(string? frontmatter, string marker, int min, int max, bool references = false, bool xml = false)
    {
        var sb = new StringBuilder(frontmatter);
        sb.Append($"# {_t.Title()}\n\n{_t.Paragraph()} {marker}.\n\n");
        if (references) sb.Append($"For details see [the reference](reference.md) and `scripts/{_t.Identifier()}.py`.\n\n");
        var headings = _t.Between(min, max);
        for (var h = 0; h < headings; h++)
        {
            var level = h == 0 ? 2 : _t.Pick(new[] { 2, 2, 3, 3, 3 });
            sb.Append($"{new string('#', level)} {_t.Title()}\n\n");
            switch (_t.Random.Next(8))
            {
                case 0:
                    sb.Append($"1. ```bash\n   # {_t.Sentence()}\n   {_t.Word()} --{_t.Word()}\n   ```\n2. {_t.Sentence()}\n\n");
                    break;
                case 1:
                    sb.Append($"> ```python\n> # {_t.Sentence()}\n> {_t.Identifier()}()\n> ```\n\n");
                    break;
                case 2:
                    sb.Append(_t.CodeBlock()).Append('\n');
                    break;
                case 3:
                    sb.Append(_t.Table()).Append('\n');
                    break;
                case 4 when xml:
                    sb.Append($"<example>\n{_t.Paragraph(1, 2)}\n</example>\n\n");
                    break;
                default:
                    sb.Append(_t.Bullets()).Append('\n');
                    break;
            }
            sb.Append(_t.Paragraph()).Append("\n\n");
        }
        return sb.ToString();
    }

    private string Python(string marker)
    {
        var sb = new StringBuilder($"#!/usr/bin/env python3\n\"\"\"{_t.Sentence()} {marker}\n\nUsage: python {_t.Identifier()}.py <input>\n\"\"\"\nimport argparse\nimport json\nimport sys\nfrom pathlib import Path\n\nLIMIT = {_t.Between(1, 99)}\n\n");
        for (var c = _t.Between(0, 2); c > 0; c--)
        {
            sb.Append($"\nclass {_t.PascalIdentifier()}:\n    \"\"\"{_t.Sentence()}\"\"\"\n\n    def __init__(self, path):\n        self.path = Path(path)\n");
            for (var m = _t.Between(2, 5); m > 0; m--)
                sb.Append($"\n    def {_t.Identifier()}(self, value={_t.Between(0, 9)}):\n        # {_t.Sentence()}\n        return {{\"def x():\": value}}\n");
        }
        for (var f = _t.Between(4, 10); f > 0; f--)
            sb.Append($"\n\ndef {_t.Identifier()}(data):\n    \"\"\"{_t.Sentence()}\n\n    def not_a_function(): inside a docstring\n    \"\"\"\n    return [item for item in data if item]\n");
        sb.Append("\n\ndef main():\n    parser = argparse.ArgumentParser()\n    parser.add_argument(\"input\")\n    args = parser.parse_args()\n    print(json.dumps(vars(args)))\n\n\nif __name__ == \"__main__\":\n    sys.exit(main())\n");
        return sb.ToString();
    }

    private string Shell(string marker)
    {
        var sb = new StringBuilder($"#!/usr/bin/env bash\n# {marker}: {_t.Sentence()}\nset -euo pipefail\n\n");
        for (var f = _t.Between(3, 7); f > 0; f--)
        {
            var name = _t.Identifier();
            sb.Append(_t.Random.Next(4) switch
            {
                0 => $"{name}() {{\n  grep -q \"{_t.Word()}\" <<<\"$1\" && echo yes\n}}\n\n",
                1 => $"function {name} {{\n  cat <<EOF\n{_t.Word()}() {{\nEOF\n}}\n\n",
                2 => $"{name}() {{ read -r a b <<< \"$*\"; echo \"$a\"; }}\n\n",
                _ => $"{name} () {{\n  local x=\"${{1:-{_t.Word()}}}\"\n  echo \"$x\" | tr a-z A-Z\n}}\n\n",
            });
        }
        sb.Append("main \"$@\"\n");
        return sb.ToString();
    }

    private string TypeScript(string marker)
    {
        var sb = new StringBuilder($"// {marker}: {_t.Sentence()}\nimport {{ readFileSync }} from 'node:fs'\nimport type {{ HookInput }} from './types'\n\n");
        sb.Append($"let root: string\nlet count = 0\nconst {_t.CamelIdentifier()} = (input: string): number => input.length\n\n");
        for (var d = _t.Between(5, 12); d > 0; d--)
        {
            sb.Append(_t.Random.Next(6) switch
            {
                0 => $"export interface {_t.PascalIdentifier()} {{\n  tool_name: string\n  tool_input: Record<string, unknown>\n}}\n\n",
                1 => $"export type {_t.PascalIdentifier()} = 'allow' | 'deny' | 'ask'\n\n",
                2 => $"export async function {_t.CamelIdentifier()}(input: HookInput): Promise<void> {{\n  const text = `${{input.tool_name}} {{ not a block }}`\n  if (/[{{}}]/.test(text)) count++\n}}\n\n",
                3 => $"export class {_t.PascalIdentifier()} {{\n  private readonly seen = new Set<string>()\n\n  constructor(private path: string) {{}}\n\n  check(name: string): boolean {{\n    return this.seen.has(name)\n  }}\n\n  handle = async (input: HookInput) => {{\n    this.seen.add(input.tool_name)\n  }}\n}}\n\n",
                4 => $"export const {_t.CamelIdentifier()} = async <T,>(value: T): Promise<T> => {{\n  return value\n}}\n\n",
                _ => $"enum {_t.PascalIdentifier()} {{\n  Allow = 'allow',\n  Deny = 'deny',\n}}\n\n",
            });
        }
        sb.Append("const raw = readFileSync(0, 'utf8')\nroot = process.cwd()\nconsole.log(JSON.stringify({ ok: true, raw, root }))\n");
        return sb.ToString();
    }

    private string Xsd(string marker)
    {
        var sb = new StringBuilder($"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- {marker} -->\n<xsd:schema xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\">\n");
        for (var e = _t.Between(10, 60); e > 0; e--)
            sb.Append($"  <xsd:complexType name=\"CT_{_t.PascalIdentifier()}\">\n    <xsd:attribute name=\"{_t.Word()}\" type=\"xsd:string\"/>\n  </xsd:complexType>\n");
        return sb.Append("</xsd:schema>\n").ToString();
    }

    private string JsonLines(string marker) =>
        string.Concat(Enumerable.Range(0, _t.Between(3, 20)).Select(i => $"{{\"id\": {i}, \"prompt\": \"{(i == 0 ? marker : _t.Word())} {_t.Word()}\", \"expected\": {_t.Between(0, 9)}}}\n"));

    private string MarketplaceJson(string marker) =>
        $"{{\n  \"name\": \"{_t.Word()}-marketplace\",\n  \"owner\": {{ \"name\": \"{_t.Capitalized(2)}\" }},\n  \"metadata\": {{ \"description\": \"{marker}\" }},\n  \"plugins\": [\n    {{ \"name\": \"{_t.Word()}\", \"source\": \"./plugins/{_t.Word()}\" }}\n  ]\n}}\n";

    private string PluginJson(string marker) =>
        $"{{\n  \"name\": \"{_t.Word()}\",\n  \"version\": \"0.{_t.Between(1, 9)}.0\",\n  \"description\": \"{marker} {_t.Sentence()}\",\n  \"author\": {{ \"name\": \"{_t.Capitalized(2)}\" }},\n  \"keywords\": [\"{_t.Word()}\", \"{_t.Word()}\"],\n  \"license\": \"MIT\"\n}}\n";

    private string HooksJson(string marker) => $"{{\n  \"description\": \"{marker}\",\n  \"hooks\": {Hooks()}\n}}\n";

    private string Hooks()
    {
        var events = _t.Random.Next(1, 4);
        var sb = new StringBuilder("{\n");
        var used = Events.OrderBy(_ => _t.Random.Next()).Take(events).ToList();
        for (var e = 0; e < used.Count; e++)
        {
            sb.Append($"    \"{used[e]}\": [\n");
            var groups = _t.Between(1, 3);
            for (var g = 0; g < groups; g++)
                sb.Append($"      {{ \"matcher\": \"{_t.Pick(Matchers)}\", \"hooks\": [ {{ \"type\": \"command\", \"command\": \"${{CLAUDE_PLUGIN_ROOT}}/hooks/{_t.Word()}.py\" }} ] }}{(g + 1 < groups ? "," : "")}\n");
            sb.Append($"    ]{(e + 1 < used.Count ? "," : "")}\n");
        }
        return sb.Append("  }").ToString();
    }
}
