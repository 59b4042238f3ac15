using System.IO.Compression;
using System.Text;

namespace Hearth.Web.Tests;

[Collection(WebCollection.Name)]
public sealed class SkillsBrowserTests(WebApp app)
{
    private const string Skill = """
        ---
        name: git-rebase
        description: Rebasing a branch onto main and resolving what collides.
        ---
        # Git rebase

        Keep a feature branch current without merge commits.

        ## Rebase onto main

        Fetch first, then `git rebase origin/main` from the feature branch.

        ## Resolve conflicts

        Edit each conflicted file, `git add` it, then `git rebase --continue`; `git rebase --abort` gives up.

        ## Push the result

        Use `git push --force-with-lease` so nobody else's work is overwritten.
        """;

    [Fact]
    public async Task An_ingested_archive_can_be_searched_and_a_section_opened()
    {
        var page = await app.NewPageAsync();
        await PageSteps.SignInAsync(page, "/admin", "sky");
        // Tabs follow the arrow keys (Companions, Memory, Lorebook, Skills).
        await page.GetByRole(AriaRole.Tab, new() { Name = "Companions" }).FocusAsync();
        await page.Keyboard.PressAsync("ArrowRight");
        await page.Keyboard.PressAsync("ArrowRight");
        await page.Keyboard.PressAsync("ArrowRight");
        await Expect(page.GetByRole(AriaRole.Tab, new() { Name = "Skills" })).ToHaveAttributeAsync("aria-selected", "true");
        await Expect(page.GetByRole(AriaRole.Tab, new() { Name = "Skills" })).ToBeFocusedAsync();

        await page.GetByLabel("Archive (.tar, .tar.gz, .zip)").SetInputFilesAsync(new FilePayload
        {
            Name = "library.zip",
            MimeType = "application/zip",
            Buffer = Zip(("skills/git-rebase/SKILL.md", Skill), ("docs/kitchen.md", "# Kitchen\n\n## Bread\n\nKnead for ten minutes.\n")),
        });
        await page.GetByRole(AriaRole.Button, new() { Name = "Upload and ingest" }).ClickAsync();
        var runs = page.GetByRole(AriaRole.List, new() { Name = "Ingest runs" });
        await Expect(runs.Locator("li").First).ToContainTextAsync("completed", new() { Timeout = 60_000 });
        await Expect(runs.Locator("li").First).ToContainTextAsync("2/2 files · 2 new");
        await Expect(page.GetByRole(AriaRole.List, new() { Name = "Library files" })).ToContainTextAsync("SKILL.md");

        await page.GetByRole(AriaRole.Searchbox, new() { Name = "Search the skills library" }).FillAsync("resolve conflicts rebase continue");
        await page.Keyboard.PressAsync("Enter");
        var results = page.GetByRole(AriaRole.List, new() { Name = "Search results" });
        var first = results.Locator("li").First;
        await Expect(first).ToContainTextAsync("Resolve conflicts");
        await Expect(first).ToContainTextAsync("skills/git-rebase/SKILL.md");

        await first.GetByRole(AriaRole.Button, new() { Name = "Resolve conflicts" }).ClickAsync();
        var section = page.GetByRole(AriaRole.Article, new() { Name = "Resolve conflicts" });
        await Expect(section).ToBeVisibleAsync();
        await Expect(section.GetByLabel("Section content")).ToContainTextAsync("git rebase --continue");
        await Expect(section.GetByRole(AriaRole.Heading, new() { Name = "Resolve conflicts" })).ToBeFocusedAsync();
        await Screenshots.SaveAsync(page, "skills-section");

        await section.GetByRole(AriaRole.Button, new() { Name = "Next section" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Article, new() { Name = "Push the result" })).ToBeVisibleAsync();
    }

    [Fact]
    public async Task The_files_list_pages_filters_by_kind_path_and_problems_and_a_run_shows_its_problems()
    {
        var page = await app.NewPageAsync();
        await PageSteps.SignInAsync(page, "/admin", "pager");
        await page.GetByRole(AriaRole.Tab, new() { Name = "Skills" }).ClickAsync();

        var files = Enumerable.Range(0, 55).Select(i => ($"notes/n{i:00}.md", Encoding.UTF8.GetBytes($"# Note {i}\n\nText {i}.\n"))).ToList();
        files.Add(("skills/x/SKILL.md", Encoding.UTF8.GetBytes(Skill)));
        files.Add(("skills/x/unsearchable-in-browser.md", "# Lost\n\nNever indexed.\n"u8.ToArray()));
        files.Add(("skills/x/assets/logo.png", [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 1, 0]));
        await page.GetByLabel("Archive (.tar, .tar.gz, .zip)").SetInputFilesAsync(new FilePayload
        {
            Name = "library.zip",
            MimeType = "application/zip",
            Buffer = Zip(files.ToArray()),
        });
        await page.GetByRole(AriaRole.Button, new() { Name = "Upload and ingest" }).ClickAsync();

        var run = page.GetByRole(AriaRole.List, new() { Name = "Ingest runs" }).Locator("li").First;
        await Expect(run).ToContainTextAsync("completed with problems", new() { Timeout = 60_000 });
        await Expect(run.GetByRole(AriaRole.List, new() { Name = "Problems" })).ToContainTextAsync("skills/x/unsearchable-in-browser.md: not searchable");
        await Expect(run).ToContainTextAsync("1 binary file stored and flagged.");

        // A page at a time.
        var list = page.GetByRole(AriaRole.List, new() { Name = "Library files" });
        await Expect(page.Locator("#skill-files-page")).ToHaveTextAsync("Files 1–50 (more on the next page)");
        await page.GetByRole(AriaRole.Button, new() { Name = "Next page" }).ClickAsync();
        await Expect(page.Locator("#skill-files-page")).ToHaveTextAsync("Files 51–58");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Next page" })).ToBeHiddenAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Previous page" }).ClickAsync();
        await Expect(page.Locator("#skill-files-page")).ToHaveTextAsync("Files 1–50 (more on the next page)");

        // By kind: the binary asset, flagged.
        await page.GetByLabel("Kind").SelectOptionAsync("asset");
        await Expect(page.Locator("#skill-files-page")).ToHaveTextAsync("Files 1–1");
        await Expect(list).ToContainTextAsync("logo.png");
        await Expect(list).ToContainTextAsync("binary");
        await Expect(list.Locator("li li")).ToHaveCountAsync(1);

        // Only what is not searchable.
        await page.GetByLabel("Kind").SelectOptionAsync("");
        await page.GetByLabel("Only not searchable").CheckAsync();
        await Expect(page.Locator("#skill-files-page")).ToHaveTextAsync("Files 1–1");
        await Expect(list).ToContainTextAsync("unsearchable-in-browser.md");
        await Expect(list).ToContainTextAsync("not searchable");
        await Expect(list.Locator("li li")).ToHaveCountAsync(1);

        // By path.
        await page.GetByLabel("Only not searchable").UncheckAsync();
        await Expect(page.Locator("#skill-files-page")).ToHaveTextAsync("Files 1–50 (more on the next page)");
        await page.GetByLabel("Path contains").FillAsync("n07");
        await Expect(page.Locator("#skill-files-page")).ToHaveTextAsync("Files 1–1");
        await Expect(list.Locator("li li")).ToHaveCountAsync(1);
        await Expect(list).ToContainTextAsync("n07.md");
        await Screenshots.SaveAsync(page, "skills-files-filtered");
    }

    private static byte[] Zip(params (string Path, string Content)[] files) =>
        Zip(files.Select(f => (f.Path, Encoding.UTF8.GetBytes(f.Content.Replace("\r\n", "\n")))).ToArray());

    private static byte[] Zip(params (string Path, byte[] Content)[] files)
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (path, content) in files)
            {
                using var stream = zip.CreateEntry(path).Open();
                stream.Write(content);
            }
        }
        return buffer.ToArray();
    }
}
