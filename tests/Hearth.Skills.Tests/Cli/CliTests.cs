using System.CommandLine;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Hearth.Cli;
using Hearth.Cli.Skills;
using Hearth.Skills.Tests.Support;
using Hearth.Testing.Corpus;
using Spectre.Console;

namespace Hearth.Skills.Tests.Cli;

/// <summary>The <c>hearth</c> CLI's skills commands against the real host in process.</summary>
public sealed class CliTests(SkillsHost host) : IClassFixture<SkillsHost>, IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("hearth-cli-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>Runs <c>hearth &lt;args&gt;</c> as <paramref name="user"/>; returns the exit code and everything printed.</summary>
    private Task<(int Code, string Output)> HearthAsync(string user, params string[] args) => HearthAsync(user, 240, args);

    /// <summary>The same at a console <paramref name="columns"/> wide (COLUMNS), written to a pipe as a script would see it.</summary>
    private async Task<(int Code, string Output)> HearthAsync(string user, int columns, params string[] args)
    {
        var output = new StringWriter();
        var console = CliConsole.Create(output, new Dictionary<string, string?> { ["COLUMNS"] = columns.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        var root = new RootCommand("hearth");
        root.Subcommands.Add(new SkillsCommand(() => host.User(user), console).Build());
        root.Subcommands.Add(new StatusCommand(() => host.User(user), console).Build());
        var code = await root.Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = output });
        return (code, output.ToString());
    }

    [Fact]
    public async Task Push_uploads_new_and_changed_files_in_batches_waits_and_reports_then_finds_nothing_to_do()
    {
        var corpus = SkillCorpusGenerator.Generate(seed: 7, files: 120);
        corpus.WriteTo(_folder);
        Directory.CreateDirectory(Path.Combine(_folder, ".git"));
        await File.WriteAllTextAsync(Path.Combine(_folder, ".git", "HEAD"), "ref: refs/heads/main\n");
        File.CreateSymbolicLink(Path.Combine(_folder, "link.md"), Path.Combine(_folder, corpus.Files[0].Path));

        var (code, output) = await HearthAsync("cli-push", "skills", "push", _folder, "--batch-files", "50");
        Assert.True(code == 0, output);
        Assert.Contains("120 files: 120 new, 0 modified, 0 unchanged.", output);
        Assert.Contains("Uploading 120 files in 3 batches", output);
        Assert.Contains("left out link.md (a link)", output);
        Assert.Contains("100 % in sync", output);
        var expectedSections = corpus.Files.Sum(f => Hearth.Skills.Splitting.SkillSplitter.Split(f.Path, f.Content).Sections.Count);
        Assert.Contains(expectedSections.ToString("N0", System.Globalization.CultureInfo.InvariantCulture), output);

        var client = host.User("cli-push");
        var stats = await client.GetJsonAsync("/api/skills/stats");
        Assert.Equal(120, stats.GetProperty("files").GetInt64());
        Assert.Equal(expectedSections, stats.GetProperty("sections").GetInt64());
        var first = corpus.Files[0];
        var id = Hearth.Skills.SkillIds.File(await host.UserIdAsync("cli-push"), first.Path);
        Assert.Equal(first.Content, await client.GetByteArrayAsync($"/api/skills/files/{id}/raw"));

        (code, output) = await HearthAsync("cli-push", "skills", "push", _folder);
        Assert.Equal(0, code);
        Assert.Contains("Everything is up to date.", output);

        await File.AppendAllTextAsync(Path.Combine(_folder, first.Path), "\n## Added by hand\n\nMore.\n");
        await File.WriteAllTextAsync(Path.Combine(_folder, "notes.md"), "# Notes\n\nNew file.\n");
        (code, output) = await HearthAsync("cli-push", "skills", "push", _folder);
        Assert.True(code == 0, output);
        Assert.Contains("121 files: 1 new, 1 modified, 119 unchanged.", output);
        Assert.Equal(2, (await client.GetJsonAsync($"/api/skills/files/{id}")).GetProperty("version").GetInt32());
    }

    [Fact]
    public async Task Push_sends_what_it_can_and_lists_each_skipped_file_with_why_and_exits_1()
    {
        // Issue 16 D6: one file over Skills:MaxFileBytes (4 MiB) and one that cannot be read used to abort the whole push.
        var corpus = SkillCorpusGenerator.Generate(seed: 16, files: 30);
        corpus.WriteTo(_folder);
        var big = new byte[4 * 1024 * 1024 + 1];
        new Random(16).NextBytes(big);
        await File.WriteAllBytesAsync(Path.Combine(_folder, "assets-big.bin"), big);
        // A Unix socket is listed like a file and cannot be opened: an unreadable file even for root.
        using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
        socket.Bind(new System.Net.Sockets.UnixDomainSocketEndPoint(Path.Combine(_folder, "agent.sock")));

        var (code, output) = await HearthAsync("cli-skip", "skills", "push", _folder);

        Assert.True(code == 1, output);
        Assert.Contains("skipped assets-big.bin: too large: 4,194,305 bytes, the library takes at most 4,194,304 (Skills:MaxFileBytes)", output);
        Assert.Contains("skipped agent.sock: unreadable", output);
        Assert.Contains("2 files were not pushed.", output);
        Assert.Contains("completed: every file stored and searchable.", output);
        var stats = await host.User("cli-skip").GetJsonAsync("/api/skills/stats");
        Assert.Equal(30, stats.GetProperty("files").GetInt64());

        // Nothing left to send but the skipped files: still exit 1, and they are listed again.
        (code, output) = await HearthAsync("cli-skip", "skills", "push", _folder);
        Assert.True(code == 1, output);
        Assert.Contains("skipped assets-big.bin: too large", output);
    }

    [Fact]
    public async Task Search_tree_get_next_files_and_raw_read_the_library()
    {
        var client = host.User("cli-read");
        await client.PutFileOkAsync("skills/git/SKILL.md", "---\nname: git\ndescription: Git.\n---\n\n# Git\n\n## Rebasing\n\nRebase onto main with care.\n\n### Conflicts\n\nResolve them.\n\n## Tags\n\nTag releases.\n");

        var (code, output) = await HearthAsync("cli-read", "skills", "search", "rebase onto main", "--mode", "bm25");
        Assert.True(code == 0, output);
        Assert.Contains("Rebasing", output);
        Assert.Contains("skills/git/SKILL.md:8-11", output);

        (code, output) = await HearthAsync("cli-read", "skills", "tree", "skills/git/SKILL.md");
        Assert.True(code == 0, output);
        foreach (var title in new[] { "frontmatter", "Git", "Rebasing", "Conflicts", "Tags" }) Assert.Contains(title, output);
        Assert.Contains("###", output);

        var tree = await client.GetJsonAsync($"/api/skills/files/{Hearth.Skills.SkillIds.File(await host.UserIdAsync("cli-read"), "skills/git/SKILL.md")}/tree");
        var rebasing = Library.FileApiTests.Flatten(tree.GetProperty("sections")).Single(s => s.GetProperty("title").GetString() == "Rebasing").GetProperty("id").GetString()!;
        (code, output) = await HearthAsync("cli-read", "skills", "get", rebasing);
        Assert.True(code == 0, output);
        Assert.Contains("Rebase onto main with care.", output);
        Assert.DoesNotContain("Resolve them.", output);
        Assert.Contains("Conflicts", output); // listed as a child

        (code, output) = await HearthAsync("cli-read", "skills", "get", rebasing, "--children");
        Assert.Contains("Resolve them.", output);

        (code, output) = await HearthAsync("cli-read", "skills", "next", rebasing);
        Assert.Contains("Tag releases.", output);
        (code, output) = await HearthAsync("cli-read", "skills", "next", rebasing, "--child");
        Assert.Contains("Resolve them.", output);

        (code, output) = await HearthAsync("cli-read", "skills", "files", "--type", "skill");
        Assert.Contains("skills/git/SKILL.md", output);
        // At 80 columns the ids stay whole on their lines (other columns wrap), and a pipe gets no escape codes.
        (code, output) = await HearthAsync("cli-read", 80, "skills", "files");
        Assert.True(code == 0, output);
        Assert.Contains(tree.GetProperty("file").GetProperty("id").GetString()!, output);
        Assert.DoesNotContain('\u001b', output);
        Assert.All(output.Split('\n'), line => Assert.True(line.TrimEnd().Length <= 80, $"wider than 80 columns: {line}"));

        var target = Path.Combine(_folder, "copy.md");
        (code, output) = await HearthAsync("cli-read", "skills", "raw", "skills/git/SKILL.md", "-o", target);
        Assert.True(code == 0, output);
        Assert.Equal(await client.GetByteArrayAsync($"/api/skills/files/{tree.GetProperty("file").GetProperty("id").GetString()}/raw"), await File.ReadAllBytesAsync(target));

        (code, output) = await HearthAsync("cli-read", "skills", "get", "0123456789abcdef0123456789abcdef");
        Assert.Equal(2, code);
        Assert.Contains("The section was not found. (HTTP 404)", output);
    }

    [Fact]
    public async Task Compose_checkout_checkin_verify_and_status()
    {
        var client = host.User("cli-write");
        var file = await client.PutFileOkAsync("docs/guide.md", "# Guide\n\n## Install\n\nRun the installer.\n\n## Use\n\nOpen it.\n");
        var tree = await client.GetJsonAsync($"/api/skills/files/{file.GetProperty("id").GetString()}/tree");
        var sections = Library.FileApiTests.Flatten(tree.GetProperty("sections")).ToDictionary(s => s.GetProperty("title").GetString()!, s => s.GetProperty("id").GetString()!);

        var (code, output) = await HearthAsync("cli-write", "skills", "compose", "--name", "installing", "-s", $"{sections["Install"]},{sections["Use"]}");
        Assert.True(code == 0, output);
        Assert.Contains("Composed skills/installing/SKILL.md", output);

        (code, output) = await HearthAsync("cli-write", "skills", "checkout", "docs/guide.md");
        Assert.True(code == 0, output);
        // The copy's place inside the host's checkout folder (never the server's absolute path).
        var relative = output.Split('\n').Select(l => l.Trim()).Single(l => l.EndsWith("/docs/guide.md", StringComparison.Ordinal));
        Assert.False(Path.IsPathRooted(relative), relative);
        var local = Path.Combine(host.CheckoutRoot, relative);
        await File.AppendAllTextAsync(local, "\n## Uninstall\n\nRemove it.\n");

        (code, output) = await HearthAsync("cli-write", "skills", "status");
        Assert.True(code == 0, output);
        Assert.Contains("2 files", output);
        Assert.Contains("checked out: docs/guide.md edited", output);

        (code, output) = await HearthAsync("cli-write", "skills", "checkin", local);
        Assert.True(code == 0, output);
        Assert.Contains("Checked in docs/guide.md as v2", output);
        Assert.EndsWith("## Uninstall\n\nRemove it.\n", Encoding.UTF8.GetString(await client.GetByteArrayAsync($"/api/skills/files/{file.GetProperty("id").GetString()}/raw")));

        await Hearth.Testing.Eventually.TrueAsync(async () => (await client.GetJsonAsync("/api/skills/mirror/verify")).GetProperty("inSyncPercent").GetDouble() == 100,
            TimeSpan.FromSeconds(30), "the mirror to catch up");
        (code, output) = await HearthAsync("cli-write", "skills", "verify");
        Assert.True(code == 0, output);
        Assert.Contains("100 % in sync: 2 of 2 library files", output);

        (code, output) = await HearthAsync("cli-write", "status");
        Assert.True(code == 0, output);
        Assert.Contains("database: reachable", output);
        Assert.Contains("skills", output);
    }
}
