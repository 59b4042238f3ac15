using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Spectre.Console;

namespace Hearth.Cli.Skills;

/// <summary>
/// <c>hearth skills …</c>: the skill library through the API — push a folder, search, tree, get, next, compose,
/// checkout, checkin, verify, status, files, raw.
/// </summary>
public sealed class SkillsCommand : ICliCommand
{
    private readonly Func<HttpClient> _http;
    private readonly IAnsiConsole _console;

    public SkillsCommand() : this(() => CliConfig.Load().CreateClient(), CliConsole.Create())
    {
    }

    /// <summary>For tests and embedding: the API client to use and where output goes.</summary>
    public SkillsCommand(Func<HttpClient> http, IAnsiConsole console)
    {
        _http = http;
        _console = console;
    }

    public Command Build()
    {
        var skills = new Command("skills", "The skill library: push a folder, search, read sections progressively, compose, check out and in, verify the mirror.");
        skills.Subcommands.Add(Push());
        skills.Subcommands.Add(Search());
        skills.Subcommands.Add(Tree());
        skills.Subcommands.Add(Get());
        skills.Subcommands.Add(Next());
        skills.Subcommands.Add(Compose());
        skills.Subcommands.Add(Checkout());
        skills.Subcommands.Add(Checkin());
        skills.Subcommands.Add(Verify());
        skills.Subcommands.Add(Status());
        skills.Subcommands.Add(Files());
        skills.Subcommands.Add(Raw());
        return skills;
    }

    /// <summary>Runs an action with the API client; prints API errors and turns them into exit code 2.</summary>
    private Func<ParseResult, CancellationToken, Task<int>> Run(Func<ParseResult, HearthApiClient, CancellationToken, Task<int>> action) =>
        async (parse, ct) =>
        {
            try
            {
                using var http = _http();
                return await action(parse, new HearthApiClient(http), ct);
            }
            catch (HearthApiException e)
            {
                _console.MarkupLine($"[red]error:[/] {Markup.Escape(e.Message)}");
                return 2;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                _console.MarkupLine($"[red]error:[/] {Markup.Escape(e.Message)}");
                return 2;
            }
        };

    private Command Push()
    {
        var folder = new Argument<DirectoryInfo>("folder") { Description = "The library folder; paths inside it become library paths." };
        var prefix = new Option<string?>("--prefix") { Description = "Put the files under this library folder (e.g. team/skills)." };
        var batchFiles = new Option<int>("--batch-files") { Description = "Files per upload.", DefaultValueFactory = _ => 2000 };
        var batchMb = new Option<int>("--batch-mb") { Description = "About this many MB per upload (uncompressed).", DefaultValueFactory = _ => 32 };
        var noWait = new Option<bool>("--no-wait") { Description = "Start the runs and print their ids without waiting." };
        var command = new Command("push", "Uploads the files of a folder that are new or changed (in batches, with progress), waits for the runs and prints the report.")
        {
            folder, prefix, batchFiles, batchMb, noWait,
        };
        command.SetAction(Run((parse, api, ct) => new SkillPush(api, _console).RunAsync(
            parse.GetValue(folder)!.FullName, parse.GetValue(prefix), Math.Max(1, parse.GetValue(batchFiles)),
            Math.Max(1, parse.GetValue(batchMb)) * 1024L * 1024, !parse.GetValue(noWait), ct)));
        return command;
    }

    private Command Search()
    {
        var query = new Argument<string>("query") { Description = "What to look for." };
        var mode = new Option<string>("--mode", "-m") { Description = "bm25, vector or hybrid.", DefaultValueFactory = _ => "hybrid" };
        mode.AcceptOnlyFromAmong("bm25", "vector", "hybrid");
        var limit = new Option<int>("--limit", "-n") { Description = "How many results (1-100).", DefaultValueFactory = _ => 10 };
        var file = new Option<string?>("--file", "-f") { Description = "Only this file (id or path)." };
        var type = new Option<string?>("--type", "-t") { Description = "Only files of this type (skill, command, reference, agent, plugin, hook, output_style, documentation, config, script)." };
        var command = new Command("search", "Ranked sections with their scores.") { query, mode, limit, file, type };
        command.SetAction(Run(async (parse, api, ct) =>
        {
            var url = new StringBuilder($"/api/skills/search?q={Uri.EscapeDataString(parse.GetValue(query)!)}&mode={parse.GetValue(mode)}&limit={parse.GetValue(limit)}");
            if (parse.GetValue(file) is { } f) url.Append("&file=").Append(Uri.EscapeDataString(f));
            if (parse.GetValue(type) is { } t) url.Append("&type=").Append(Uri.EscapeDataString(t));
            var result = await api.GetAsync(url.ToString(), ct);
            var items = result.GetProperty("items").EnumerateArray().ToList();
            if (items.Count == 0)
            {
                _console.MarkupLine("[grey]No sections match.[/]");
                return 0;
            }
            var table = new Table().Border(TableBorder.Rounded).AddColumns("#", "score", "section", "file").AddColumn(CliConsole.Id("id"));
            var rank = 0;
            foreach (var item in items)
                table.AddRow((++rank).ToString(CultureInfo.InvariantCulture),
                    item.GetProperty("score").GetDouble().ToString("0.####", CultureInfo.InvariantCulture),
                    Markup.Escape(item.GetProperty("title").GetString()!),
                    Markup.Escape($"{item.GetProperty("path").GetString()}:{item.GetProperty("startLine").GetInt32()}-{item.GetProperty("endLine").GetInt32()}"),
                    item.GetProperty("sectionId").GetString()!);
            _console.Write(table);
            if (result.TryGetProperty("weights", out var w) && w.ValueKind == JsonValueKind.Object)
                _console.MarkupLine($"[grey]hybrid: RRF, bm25 weight {w.GetProperty("bm25").GetDouble()}, vector weight {w.GetProperty("vector").GetDouble()}[/]");
            return 0;
        }));
        return command;
    }

    private Command Tree()
    {
        var file = new Argument<string>("file") { Description = "File id or library path." };
        var version = new Option<int?>("--version") { Description = "An older version." };
        var command = new Command("tree", "The file's sections as an outline: titles, kinds, levels, sizes and ids.") { file, version };
        command.SetAction(Run(async (parse, api, ct) =>
        {
            var id = await ResolveFileAsync(api, parse.GetValue(file)!, ct);
            var tree = await api.GetAsync($"/api/skills/files/{id}/tree{(parse.GetValue(version) is { } v ? $"?version={v}" : "")}", ct);
            var info = tree.GetProperty("file");
            var root = new Spectre.Console.Tree($"[bold]{Markup.Escape(info.GetProperty("path").GetString()!)}[/] [grey]({info.GetProperty("type").GetString()}, v{tree.GetProperty("version").GetInt32()}, {info.GetProperty("size").GetInt32()} bytes)[/]");
            foreach (var node in tree.GetProperty("sections").EnumerateArray()) AddNode(root.AddNode(Label(node)), node);
            _console.Write(root);
            return 0;

            static void AddNode(TreeNode parent, JsonElement node)
            {
                foreach (var child in node.GetProperty("children").EnumerateArray()) AddNode(parent.AddNode(Label(child)), child);
            }

            static string Label(JsonElement node)
            {
                var level = node.GetProperty("headingLevel").GetInt32();
                var kind = level > 0 ? new string('#', level) : node.GetProperty("kind").GetString();
                return $"{Markup.Escape(node.GetProperty("title").GetString()!)} [grey]{kind}, {node.GetProperty("size").GetInt32()} B, lines {node.GetProperty("startLine").GetInt32()}-{node.GetProperty("endLine").GetInt32()}[/] [blue]{node.GetProperty("id").GetString()}[/]";
            }
        }));
        return command;
    }

    private Command Get()
    {
        var section = new Argument<string>("section") { Description = "Section id." };
        var children = new Option<bool>("--children", "-c") { Description = "With its whole subtree." };
        var raw = new Option<bool>("--raw") { Description = "Only the exact bytes, to standard output." };
        var command = new Command("get", "A section's content and its children.") { section, children, raw };
        command.SetAction(Run(async (parse, api, ct) =>
        {
            var id = parse.GetValue(section)!;
            if (parse.GetValue(raw))
            {
                var bytes = await api.GetBytesAsync($"/api/skills/sections/{id}/raw?children={Lower(parse.GetValue(children))}", ct);
                await using var stdout = Console.OpenStandardOutput();
                await stdout.WriteAsync(bytes, ct);
                return 0;
            }
            PrintSection(await api.GetAsync($"/api/skills/sections/{id}?children={Lower(parse.GetValue(children))}", ct));
            return 0;
        }));
        return command;
    }

    private Command Next()
    {
        var section = new Argument<string>("section") { Description = "Section id." };
        var child = new Option<bool>("--child") { Description = "Its first child instead of what follows it." };
        var command = new Command("next", "The section after this one and its children (or, with --child, its first child).") { section, child };
        command.SetAction(Run(async (parse, api, ct) =>
        {
            var next = await api.GetOrNoContentAsync($"/api/skills/sections/{parse.GetValue(section)}/next?child={Lower(parse.GetValue(child))}", ct);
            if (next is { } read) PrintSection(read);
            else _console.MarkupLine(parse.GetValue(child) ? "[grey](no children)[/]" : "[grey](end of file)[/]");
            return 0;
        }));
        return command;
    }

    private Command Compose()
    {
        var name = new Option<string>("--name") { Description = "The skill's name (lower-case letters, digits, hyphens).", Required = true };
        var sections = new Option<string[]>("--section", "-s") { Description = "Section ids, in order (repeat, or separate with commas).", Required = true, AllowMultipleArgumentsPerToken = true };
        var title = new Option<string?>("--title") { Description = "The # title (from the name by default)." };
        var description = new Option<string?>("--description") { Description = "One line (generated from the sources by default)." };
        var path = new Option<string?>("--path") { Description = "Where to store it (skills/<name>/SKILL.md by default)." };
        var alone = new Option<bool>("--alone") { Description = "Take the sections without their children." };
        var dryRun = new Option<bool>("--dry-run") { Description = "Validate and print it, store nothing." };
        var output = new Option<FileInfo?>("--output", "-o") { Description = "Also write the composed file here." };
        var command = new Command("compose", "Composes a new skill from sections (generated frontmatter, validated, stored as a new file).")
        {
            name, sections, title, description, path, alone, dryRun, output,
        };
        command.SetAction(Run(async (parse, api, ct) =>
        {
            var ids = parse.GetValue(sections)!.SelectMany(s => s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToArray();
            var result = await api.PostJsonAsync("/api/skills/compose", new
            {
                name = parse.GetValue(name),
                sectionIds = ids,
                title = parse.GetValue(title),
                description = parse.GetValue(description),
                path = parse.GetValue(path),
                includeChildren = !parse.GetValue(alone),
                dryRun = parse.GetValue(dryRun),
            }, ct);
            var content = result.GetProperty("content").GetString()!;
            if (parse.GetValue(output) is { } file) await File.WriteAllTextAsync(file.FullName, content, new UTF8Encoding(false), ct);
            if (result.GetProperty("file").ValueKind == JsonValueKind.Object)
            {
                var stored = result.GetProperty("file");
                _console.MarkupLine($"[green]Composed[/] {Markup.Escape(stored.GetProperty("path").GetString()!)} [grey]({result.GetProperty("sections").GetInt32()} sections, {stored.GetProperty("size").GetInt32()} bytes)[/] [blue]{stored.GetProperty("id").GetString()}[/]");
            }
            else
            {
                _console.Write(new Text(content));
                _console.MarkupLine($"[grey](dry run: {Markup.Escape(result.GetProperty("path").GetString()!)} was not stored)[/]");
            }
            return 0;
        }));
        return command;
    }

    private Command Checkout()
    {
        var target = new Argument<string>("target") { Description = "File id or library path (or a section id with --section)." };
        var section = new Option<bool>("--section") { Description = "The target is a section id: only that section is written." };
        var force = new Option<bool>("--force") { Description = "Overwrite edits on disk that the library does not hold." };
        var command = new Command("checkout", "Writes a file (or one section) to the host's checkout folder for editing.") { target, section, force };
        command.SetAction(Run(async (parse, api, ct) =>
        {
            var value = parse.GetValue(target)!;
            object body = parse.GetValue(section)
                ? new { sectionId = value, force = parse.GetValue(force) }
                : IsId(value) ? new { fileId = value, force = parse.GetValue(force) } : new { path = value, force = parse.GetValue(force) };
            var checkout = await api.PostJsonAsync("/api/skills/checkout", body, ct);
            _console.MarkupLine($"[green]Checked out[/] {Markup.Escape(checkout.GetProperty("path").GetString()!)}{(parse.GetValue(section) ? " (one section)" : "")} to the host's checkout folder (Skills:CheckoutRoot) as");
            _console.WriteLine(checkout.GetProperty("localPath").GetString()!);
            _console.MarkupLine($"[grey]Edit it, then: hearth skills checkin {checkout.GetProperty("id").GetString()}[/]");
            return 0;
        }));
        return command;
    }

    private Command Checkin()
    {
        var target = new Argument<string>("target") { Description = "Checkout id, library path, or the full path of the checked-out copy." };
        var force = new Option<bool>("--force") { Description = "Replace changes made in the library since the checkout." };
        var command = new Command("checkin", "Reads a checked-out file or section back and stores it as a new version.") { target, force };
        command.SetAction(Run(async (parse, api, ct) =>
        {
            var value = parse.GetValue(target)!;
            object body = value.Length == 32 && value.All(char.IsAsciiHexDigitLower)
                ? new { checkoutId = value, force = parse.GetValue(force) }
                : new { path = Path.IsPathRooted(value) || File.Exists(value) ? Path.GetFullPath(value) : value, force = parse.GetValue(force) };
            var result = await api.PostJsonAsync("/api/skills/checkin", body, ct);
            var stored = result.GetProperty("stored");
            var file = stored.GetProperty("file");
            _console.MarkupLine(stored.GetProperty("change").GetString() == "unchanged"
                ? $"[grey]No changes in[/] {Markup.Escape(file.GetProperty("path").GetString()!)} [grey](still v{file.GetProperty("version").GetInt32()})[/]"
                : $"[green]Checked in[/] {Markup.Escape(file.GetProperty("path").GetString()!)} as v{file.GetProperty("version").GetInt32()} [grey]({file.GetProperty("sections").GetInt32()} sections, sha256 {file.GetProperty("sha256").GetString()![..12]}…)[/]");
            return 0;
        }));
        return command;
    }

    private Command Verify()
    {
        var command = new Command("verify", "Compares the library with the archive mirror: missing, extra, mismatched, percentage in sync (exit 1 when not 100 %).");
        command.SetAction(Run(async (_, api, ct) =>
        {
            var report = await api.GetAsync("/api/skills/mirror/verify", ct);
            PrintMirror(_console, report);
            return report.GetProperty("inSyncPercent").GetDouble() >= 100 ? 0 : 1;
        }));
        return command;
    }

    private Command Status()
    {
        var command = new Command("status", "The library at a glance: files, sections, types, recent runs, checkouts.");
        command.SetAction(Run(async (_, api, ct) =>
        {
            var stats = await api.GetAsync("/api/skills/stats", ct);
            _console.MarkupLine($"[bold]{stats.GetProperty("files").GetInt64():N0} files[/], {stats.GetProperty("sections").GetInt64():N0} sections, {stats.GetProperty("bytes").GetInt64():N0} bytes, {stats.GetProperty("versions").GetInt64():N0} versions; mirror {(stats.GetProperty("mirrorEnabled").GetBoolean() ? "on" : "off")}");
            var types = stats.GetProperty("byType").EnumerateObject().Select(p => $"{p.Name} {p.Value.GetInt64()}").ToList();
            if (types.Count > 0) _console.MarkupLine($"[grey]{Markup.Escape(string.Join(", ", types))}[/]");
            var runs = await api.GetAsync("/api/skills/runs?limit=5", ct);
            if (runs.GetArrayLength() > 0)
            {
                var table = new Table().Border(TableBorder.Rounded).AddColumn(CliConsole.Id("run")).AddColumns("status", "files", "failed", "sections", "started");
                foreach (var run in runs.EnumerateArray())
                    table.AddRow(run.GetProperty("id").GetString()!, run.GetProperty("status").GetString()!,
                        $"{run.GetProperty("done").GetInt32()}/{run.GetProperty("total").GetInt32()}", run.GetProperty("failed").GetInt32().ToString(CultureInfo.InvariantCulture),
                        run.GetProperty("sections").GetInt32().ToString("N0", CultureInfo.InvariantCulture), run.GetProperty("createdAt").GetString()!);
                _console.Write(table);
            }
            var checkouts = await api.GetAsync("/api/skills/checkouts", ct);
            foreach (var c in checkouts.EnumerateArray())
                _console.MarkupLine($"checked out: {Markup.Escape(c.GetProperty("path").GetString()!)}{(c.GetProperty("sectionId").ValueKind == JsonValueKind.String ? " (section)" : "")} {(c.GetProperty("modified").ValueKind == JsonValueKind.True ? "[yellow]edited[/]" : "[grey]unchanged[/]")} [blue]{c.GetProperty("id").GetString()}[/]");
            return 0;
        }));
        return command;
    }

    private Command Files()
    {
        var path = new Option<string?>("--path", "-p") { Description = "A file or folder." };
        var type = new Option<string?>("--type", "-t") { Description = "Only this file type." };
        var command = new Command("files", "Lists the library's files (path, type, version, sections, id).") { path, type };
        command.SetAction(Run(async (parse, api, ct) =>
        {
            var table = new Table().Border(TableBorder.Rounded).AddColumns("path", "type", "v", "sections", "bytes").AddColumn(CliConsole.Id("id"));
            string? cursor = null;
            var count = 0;
            do
            {
                var url = new StringBuilder("/api/skills/files?limit=200");
                if (parse.GetValue(path) is { } p) url.Append("&path=").Append(Uri.EscapeDataString(p));
                if (parse.GetValue(type) is { } t) url.Append("&type=").Append(Uri.EscapeDataString(t));
                if (cursor is not null) url.Append("&cursor=").Append(cursor);
                var page = await api.GetAsync(url.ToString(), ct);
                foreach (var f in page.GetProperty("items").EnumerateArray())
                {
                    count++;
                    table.AddRow(Markup.Escape(f.GetProperty("path").GetString()!), f.GetProperty("type").GetString()!, f.GetProperty("version").GetInt32().ToString(CultureInfo.InvariantCulture),
                        f.GetProperty("sections").GetInt32().ToString(CultureInfo.InvariantCulture), f.GetProperty("size").GetInt32().ToString("N0", CultureInfo.InvariantCulture), f.GetProperty("id").GetString()!);
                }
                cursor = page.GetProperty("nextCursor").GetString();
            } while (cursor is not null);
            if (count == 0) _console.MarkupLine("[grey]No files.[/]");
            else _console.Write(table);
            return 0;
        }));
        return command;
    }

    private Command Raw()
    {
        var file = new Argument<string>("file") { Description = "File id or library path." };
        var version = new Option<int?>("--version") { Description = "An older version." };
        var output = new Option<FileInfo?>("--output", "-o") { Description = "Write here instead of standard output." };
        var command = new Command("raw", "The exact bytes of a file (checked against its SHA-256).") { file, version, output };
        command.SetAction(Run(async (parse, api, ct) =>
        {
            var id = await ResolveFileAsync(api, parse.GetValue(file)!, ct);
            var bytes = await api.GetBytesAsync($"/api/skills/files/{id}/raw{(parse.GetValue(version) is { } v ? $"?version={v}" : "")}", ct);
            if (parse.GetValue(output) is { } target) await File.WriteAllBytesAsync(target.FullName, bytes, ct);
            else
            {
                await using var stdout = Console.OpenStandardOutput();
                await stdout.WriteAsync(bytes, ct);
            }
            return 0;
        }));
        return command;
    }

    private void PrintSection(JsonElement section)
    {
        var level = section.GetProperty("headingLevel").GetInt32();
        _console.MarkupLine($"[bold]{Markup.Escape(section.GetProperty("title").GetString()!)}[/] [grey]{Markup.Escape(section.GetProperty("path").GetString()!)}:{section.GetProperty("startLine").GetInt32()}-{section.GetProperty("endLine").GetInt32()}, {(level > 0 ? new string('#', level) : section.GetProperty("kind").GetString())}, {section.GetProperty("size").GetInt32()} B[/] [blue]{section.GetProperty("id").GetString()}[/]");
        _console.Write(new Rule().RuleStyle("grey"));
        _console.Write(new Text(section.GetProperty("content").GetString()!));
        var content = section.GetProperty("content").GetString()!;
        if (!content.EndsWith('\n')) _console.WriteLine();
        _console.Write(new Rule().RuleStyle("grey"));
        var children = section.GetProperty("children").EnumerateArray().ToList();
        if (children.Count > 0 && !section.GetProperty("includesChildren").GetBoolean())
            foreach (var child in children)
                _console.MarkupLine($"  ↳ {Markup.Escape(child.GetProperty("title").GetString()!)} [grey]{child.GetProperty("subtreeSize").GetInt32()} B[/] [blue]{child.GetProperty("id").GetString()}[/]");
    }

    internal static void PrintMirror(IAnsiConsole console, JsonElement report)
    {
        var percent = report.GetProperty("inSyncPercent").GetDouble();
        console.MarkupLine($"{(percent >= 100 ? "[green]" : "[yellow]")}{percent.ToString("0.##", CultureInfo.InvariantCulture)} % in sync[/]: {report.GetProperty("inSync").GetInt32()} of {report.GetProperty("libraryFiles").GetInt32()} library files; missing {report.GetProperty("missingCount").GetInt32()}, extra {report.GetProperty("extraCount").GetInt32()}, mismatched {report.GetProperty("mismatchedCount").GetInt32()}");
        foreach (var m in report.GetProperty("missing").EnumerateArray()) console.MarkupLine($"  [red]missing[/]    {Markup.Escape(m.GetProperty("path").GetString()!)}");
        foreach (var m in report.GetProperty("extra").EnumerateArray()) console.MarkupLine($"  [yellow]extra[/]      {Markup.Escape(m.GetProperty("path").GetString()!)}");
        foreach (var m in report.GetProperty("mismatched").EnumerateArray())
            console.MarkupLine($"  [red]mismatch[/]   {Markup.Escape(m.GetProperty("path").GetString()!)} [grey](library v{m.GetProperty("libraryVersion").GetInt32()}, archive v{m.GetProperty("archiveVersion").GetInt32()})[/]");
    }

    /// <summary>A file id as given, or the id of the file at a library path.</summary>
    internal static async Task<string> ResolveFileAsync(HearthApiClient api, string fileOrPath, CancellationToken ct)
    {
        if (IsId(fileOrPath)) return fileOrPath;
        var path = fileOrPath.Replace('\\', '/');
        while (path.StartsWith("./", StringComparison.Ordinal)) path = path[2..];
        var page = await api.GetAsync($"/api/skills/files?path={Uri.EscapeDataString(path)}&limit=1", ct);
        foreach (var file in page.GetProperty("items").EnumerateArray())
            if (file.GetProperty("path").GetString() == path) return file.GetProperty("id").GetString()!;
        throw new HearthApiException($"No file at '{fileOrPath}' in the library.");
    }

    private static bool IsId(string value) => value.Length == 32 && value.All(char.IsAsciiHexDigitLower);

    private static string Lower(bool value) => value ? "true" : "false";
}
