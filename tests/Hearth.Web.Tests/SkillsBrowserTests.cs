using System.IO.Compression;
using System.Text;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

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
        // Tabs follow the arrow keys.
        await page.GetByRole(AriaRole.Tab, new() { Name = "Companions" }).FocusAsync();
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

    private static byte[] Zip(params (string Path, string Content)[] files)
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (path, content) in files)
            {
                using var stream = zip.CreateEntry(path).Open();
                stream.Write(Encoding.UTF8.GetBytes(content.Replace("\r\n", "\n")));
            }
        }
        return buffer.ToArray();
    }
}
