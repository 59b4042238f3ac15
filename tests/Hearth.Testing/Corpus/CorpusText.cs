using System.Text;

namespace Hearth.Testing.Corpus;

/// <summary>Seeded building blocks of realistic skill-library text: words, sentences, titles, code, lists, tables.</summary>
internal sealed class CorpusText(Random random)
{
    private static readonly string[] Words =
    [
        "skill", "section", "file", "library", "agent", "command", "hook", "prompt", "context", "model", "token", "output",
        "input", "review", "test", "build", "deploy", "config", "search", "index", "query", "result", "user", "request",
        "response", "format", "markdown", "script", "plugin", "server", "session", "memory", "tool", "permission",
        "workflow", "step", "example", "pattern", "error", "retry", "cache", "schema", "field", "value", "option",
        "default", "path", "folder", "branch", "commit", "change", "diff", "summary", "report", "check", "rule", "guide",
        "the", "a", "with", "when", "before", "after", "each", "every", "only", "always", "never", "first", "then",
        "use", "run", "read", "write", "keep", "split", "merge", "load", "save", "parse", "render", "verify", "send",
        "quickly", "safely", "carefully", "exactly", "clearly", "once", "again", "later", "here", "there", "data",
        "document", "page", "table", "list", "entry", "record", "item", "group", "matcher", "event", "job", "queue",
    ];

    private static readonly string[] Titles =
    [
        "Overview", "When to use this skill", "Instructions", "Examples", "Configuration", "Troubleshooting",
        "Quick start", "Installation", "Usage", "Options", "Output format", "Best practices", "Limitations", "Notes",
        "Workflow", "Step 1: Gather context", "Step 2: Plan the change", "Step 3: Verify", "API reference",
        "Error handling", "Testing", "Security considerations", "Performance", "FAQ", "Related skills", "Arguments",
        "Process", "Guidelines", "Checklist", "Common mistakes", "Advanced usage", "Environment variables",
        "Input/Output", "Tips & tricks", "Version history", "Edge cases", "Decision table", "Prerequisites",
    ];

    private static readonly string[] UnicodeTitles =
        ["Übersicht und Ablauf", "日本語のメモ", "Emoji tips 🚀", "Résumé des étapes", "Ελληνικά", "Пример использования", "עברית"];

    private static readonly string[] Identifiers =
    [
        "load_config", "parse_args", "render", "split_file", "verify_hash", "fetch_page", "main", "run", "build_index",
        "format_output", "collect", "normalize", "check_health", "send_event", "retry", "resolve_path", "read_all",
        "write_report", "apply_patch", "summarize", "tokenize", "merge_sections", "validate", "upload", "download",
    ];

    public Random Random { get; } = random;

    public T Pick<T>(IReadOnlyList<T> items) => items[Random.Next(items.Count)];

    public int Between(int min, int max) => Random.Next(min, max + 1);

    public bool Chance(double p) => Random.NextDouble() < p;

    public string Word() => Pick(Words);

    public string Sentence()
    {
        var n = Between(6, 16);
        var sb = new StringBuilder();
        for (var i = 0; i < n; i++)
        {
            var w = Word();
            if (i == 0)
                w = char.ToUpperInvariant(w[0]) + w[1..];
            sb.Append(w).Append(i == n - 1 ? "." : " ");
        }
        return sb.ToString();
    }

    public string Paragraph(int min = 2, int max = 5)
    {
        var n = Between(min, max);
        return string.Join(" ", Enumerable.Range(0, n).Select(_ => Sentence())) + "\n";
    }

    public string Title(bool unicode = false) => unicode ? Pick(UnicodeTitles) : Chance(0.6) ? Pick(Titles) : Capitalized(Between(2, 4));

    public string Capitalized(int words)
    {
        var text = string.Join(" ", Enumerable.Range(0, words).Select(_ => Word()));
        return char.ToUpperInvariant(text[0]) + text[1..];
    }

    public string Identifier() => Pick(Identifiers) + (Chance(0.5) ? "_" + Word() : "");

    public string CamelIdentifier()
    {
        var parts = Identifier().Split('_');
        return parts[0] + string.Concat(parts.Skip(1).Select(p => char.ToUpperInvariant(p[0]) + p[1..]));
    }

    public string PascalIdentifier()
    {
        var camel = CamelIdentifier();
        return char.ToUpperInvariant(camel[0]) + camel[1..];
    }

    public string Bullets(int min = 2, int max = 6) =>
        string.Concat(Enumerable.Range(0, Between(min, max)).Select(_ => $"- {Capitalized(Between(3, 8))}\n"));

    public string Table()
    {
        var sb = new StringBuilder("| Option | Default | Meaning |\n|---|---|---|\n");
        for (var i = 0; i < Between(2, 5); i++)
            sb.Append($"| `{Word()}` | `{Word()}` | {Capitalized(Between(3, 7))} |\n");
        return sb.ToString();
    }

    /// <summary>A fenced code block; shell and python bodies carry '#' comment lines that must not read as headings.</summary>
    public string CodeBlock(string fence = "```")
    {
        var lang = Pick(new[] { "bash", "python", "json", "typescript", "" });
        var sb = new StringBuilder($"{fence}{lang}\n");
        switch (lang)
        {
            case "bash":
                sb.Append($"# {Capitalized(3)}\n{Word()} --{Word()} {Word()}.md\n");
                break;
            case "python":
                sb.Append($"# {Capitalized(2)}\ndef {Identifier()}(path):\n    return open(path).read()\n");
                break;
            case "json":
                sb.Append($"{{\n  \"{Word()}\": \"{Word()}\",\n  \"{Word()}\": {Between(1, 99)}\n}}\n");
                break;
            default:
                sb.Append($"const {CamelIdentifier()} = await {CamelIdentifier()}(\"{Word()}\");\n");
                break;
        }
        return sb.Append(fence).Append('\n').ToString();
    }
}
