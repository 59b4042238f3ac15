using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Hearth.Skills.Splitting;
using Hearth.Skills.Tests.Support;

namespace Hearth.Skills.Tests.Library;

/// <summary>Composing a new skill from sections: frontmatter, heading levels, code sections, validation, uniqueness, round trip.</summary>
public sealed class ComposeTests(FileApiHost host) : IClassFixture<FileApiHost>
{
    private const string Deep = "# Deep notes\n\n## Part\n\n### Testing\n\nRun the tests.\n\n#### Fixtures\n\nUse fixtures.\n";
    private const string Script = "import os\n\n\ndef clean(path):\n    \"\"\"Remove ``` fences.\"\"\"\n    os.remove(path)\n";

    private static async Task<Dictionary<string, string>> SectionsAsync(HttpClient client, string path, string content)
    {
        var file = await client.PutFileOkAsync(path, content);
        var tree = await client.GetJsonAsync($"/api/skills/files/{file.GetProperty("id").GetString()}/tree");
        return FileApiTests.Flatten(tree.GetProperty("sections")).ToDictionary(s => s.GetProperty("title").GetString()!, s => s.GetProperty("id").GetString()!);
    }

    [Fact]
    public async Task A_composed_skill_has_generated_frontmatter_shifted_headings_fenced_code_and_round_trips_exactly()
    {
        var client = host.User("compose");
        var deep = await SectionsAsync(client, "docs/deep.md", Deep);
        var script = await SectionsAsync(client, "tools/clean.py", Script);

        using var response = await client.PostAsJsonAsync("/api/skills/compose", new
        {
            name = "testing-kit",
            sectionIds = new[] { deep["Testing"], script["clean"] },
        });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var composed = await response.Content.ReadFromJsonAsync<JsonElement>();
        var content = composed.GetProperty("content").GetString()!;
        var file = composed.GetProperty("file");
        Assert.Equal("skills/testing-kit/SKILL.md", file.GetProperty("path").GetString());
        Assert.Equal("skill", file.GetProperty("type").GetString());
        Assert.Equal("testing-kit", file.GetProperty("name").GetString());
        Assert.Equal(1, file.GetProperty("version").GetInt32());
        Assert.Equal(response.Headers.Location?.ToString(), $"/api/skills/files/{file.GetProperty("id").GetString()}");

        Assert.StartsWith("---\nname: testing-kit\ndescription: \"Composed from 2 sections: Testing (docs/deep.md); clean (tools/clean.py).\"\nsources:\n  - path: \"docs/deep.md\"\n    version: 1\n    section: \"h:Deep notes/h:Part/h:Testing\"\n    sha256: ", content);
        Assert.Contains("\n---\n\n# Testing Kit\n\n## Testing\n\nRun the tests.\n\n### Fixtures\n\nUse fixtures.\n\n## clean\n\n````python\ndef clean(path):", content);
        Assert.EndsWith("    os.remove(path)\n````\n", content);

        var raw = await client.GetByteArrayAsync($"/api/skills/files/{file.GetProperty("id").GetString()}/raw");
        Assert.Equal(Encoding.UTF8.GetBytes(content), raw);
        Assert.Equal(FileApiTests.Sha(content), file.GetProperty("sha256").GetString());
        var split = SkillSplitter.Split("skills/testing-kit/SKILL.md", raw);
        Assert.Equal(raw, SkillRecomposer.Recompose(split));
        Assert.Equal(["Testing Kit", "Testing", "Fixtures", "clean"], split.Sections.Where(s => s.Kind == SectionKind.Heading).Select(s => s.Title));
        Assert.Equal([1, 2, 3, 2], split.Sections.Where(s => s.Kind == SectionKind.Heading).Select(s => s.HeadingLevel));
        Assert.Equal("testing-kit", split.Frontmatter["name"]);
        Assert.Equal(2, composed.GetProperty("sources").GetArrayLength());
        // Each source in the frontmatter names its path, version, section key and SHA-256 (as docs/skills.md says).
        foreach (var source in composed.GetProperty("sources").EnumerateArray())
            Assert.Contains($"  - path: \"{source.GetProperty("path").GetString()}\"\n    version: {source.GetProperty("version").GetInt32()}\n" +
                $"    section: \"{source.GetProperty("key").GetString()}\"\n    sha256: {source.GetProperty("sha256").GetString()}\n", content);
    }

    [Fact]
    public async Task Sections_alone_a_given_path_title_and_description_and_a_dry_run_that_stores_nothing()
    {
        var client = host.User("compose-options");
        var deep = await SectionsAsync(client, "docs/deep.md", Deep);
        using var dry = await client.PostAsJsonAsync("/api/skills/compose", new
        {
            name = "part-only",
            title = "Only the part",
            description = "Just the\nintroduction.",
            path = "skills/custom/SKILL.md",
            sectionIds = new[] { deep["Part"] },
            includeChildren = false,
            dryRun = true,
        });
        Assert.Equal(HttpStatusCode.OK, dry.StatusCode);
        var composed = await dry.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(JsonValueKind.Null, composed.GetProperty("file").ValueKind);
        var content = composed.GetProperty("content").GetString()!;
        Assert.Contains("description: \"Just the introduction.\"", content);
        Assert.EndsWith("# Only the part\n\n## Part\n\n", content);
        Assert.DoesNotContain("Testing", content[content.IndexOf("# Only", StringComparison.Ordinal)..]);
        Assert.Empty((await client.GetJsonAsync("/api/skills/files?path=skills")).GetProperty("items").EnumerateArray());
    }

    [Fact]
    public async Task Bad_requests_are_refused_with_the_field_and_a_taken_name_or_path_is_a_conflict()
    {
        var client = host.User("compose-errors");
        var deep = await SectionsAsync(client, "docs/deep.md", Deep);
        var skill = await SectionsAsync(client, "skills/existing/SKILL.md", "---\nname: existing\ndescription: Here already.\n---\n\n# Existing\n");
        var othersSection = (await SectionsAsync(host.User("compose-stranger"), "docs/deep.md", Deep))["Testing"];

        async Task<JsonElement> Refused(object body, HttpStatusCode status)
        {
            using var response = await client.PostAsJsonAsync("/api/skills/compose", body);
            return await response.ProblemAsync(status);
        }

        Assert.True((await Refused(new { name = "Bad Name", sectionIds = new[] { deep["Testing"] } }, HttpStatusCode.BadRequest)).GetProperty("errors").TryGetProperty("name", out _));
        Assert.True((await Refused(new { name = "empty", sectionIds = Array.Empty<string>() }, HttpStatusCode.BadRequest)).GetProperty("errors").TryGetProperty("sectionIds", out _));
        Assert.Contains("not found", (await Refused(new { name = "stolen", sectionIds = new[] { othersSection } }, HttpStatusCode.BadRequest)).GetProperty("detail").GetString());
        Assert.Contains("frontmatter", (await Refused(new { name = "fm", sectionIds = new[] { skill["frontmatter"] } }, HttpStatusCode.BadRequest)).GetProperty("detail").GetString());
        Assert.Contains("twice", (await Refused(new { name = "twice", sectionIds = new[] { deep["Part"], deep["Part"] } }, HttpStatusCode.BadRequest)).GetProperty("detail").GetString());
        Assert.Contains("ancestor", (await Refused(new { name = "nested", sectionIds = new[] { deep["Part"], deep["Fixtures"] } }, HttpStatusCode.BadRequest)).GetProperty("detail").GetString());
        Assert.Contains("command", (await Refused(new { name = "cmd", path = "commands/x.md", sectionIds = new[] { deep["Part"] } }, HttpStatusCode.BadRequest)).GetProperty("detail").GetString());
        Assert.Contains("existing", (await Refused(new { name = "existing", sectionIds = new[] { deep["Part"] } }, HttpStatusCode.Conflict)).GetProperty("detail").GetString());
        Assert.Contains("already exists", (await Refused(new { name = "fresh", path = "skills/existing/SKILL.md", sectionIds = new[] { deep["Part"] } }, HttpStatusCode.Conflict)).GetProperty("detail").GetString());
        // A whole h1 document moved under the title would need an h7.
        var tooDeep = await SectionsAsync(client, "docs/too-deep.md", "# A\n\n###### F\n\nx\n");
        Assert.Contains("too deep", (await Refused(new { name = "too-deep", sectionIds = new[] { tooDeep["A"] } }, HttpStatusCode.BadRequest)).GetProperty("detail").GetString());
    }
}
