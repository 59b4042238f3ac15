using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Hearth.Skills.Tests.Support;

namespace Hearth.Skills.Tests.Library;

/// <summary>Progressive disclosure and search: tree, a section with or without its children, next, replacing a section, search modes.</summary>
public sealed class SectionApiTests(FileApiHost host) : IClassFixture<FileApiHost>
{
    private const string Guide = "---\nname: git-guide\ndescription: Git workflows.\n---\n\n# Git guide\n\nStart here.\n\n## Setup\n\nInstall git.\n\n### Configure\n\nSet user.name.\n\n### Aliases\n\nAdd aliases.\n\n## Branching\n\nCreate branches with git switch.\n\n## Rebasing\n\nRebase onto main.\n";

    private static async Task<(string FileId, Dictionary<string, JsonElement> ByTitle)> StoreAsync(HttpClient client, string path = "skills/git/SKILL.md")
    {
        var file = await client.PutFileOkAsync(path, Guide);
        var id = file.GetProperty("id").GetString()!;
        var tree = await client.GetJsonAsync($"/api/skills/files/{id}/tree");
        return (id, FileApiTests.Flatten(tree.GetProperty("sections")).ToDictionary(s => s.GetProperty("title").GetString()!));
    }

    [Fact]
    public async Task The_tree_nests_sections_with_levels_sizes_and_lines()
    {
        var client = host.User("tree");
        var (id, _) = await StoreAsync(client);
        var tree = await client.GetJsonAsync($"/api/skills/files/{id}/tree");
        Assert.Equal(1, tree.GetProperty("version").GetInt32());
        var top = tree.GetProperty("sections").EnumerateArray().ToList();
        Assert.Equal(["frontmatter", "Git guide"], top.Select(s => s.GetProperty("title").GetString()));
        var guide = top[1];
        Assert.Equal(1, guide.GetProperty("headingLevel").GetInt32());
        Assert.Equal(0, guide.GetProperty("depth").GetInt32());
        Assert.Equal(["Setup", "Branching", "Rebasing"], guide.GetProperty("children").EnumerateArray().Select(s => s.GetProperty("title").GetString()));
        var setup = guide.GetProperty("children")[0];
        Assert.Equal(2, setup.GetProperty("headingLevel").GetInt32());
        Assert.Equal(["Configure", "Aliases"], setup.GetProperty("children").EnumerateArray().Select(s => s.GetProperty("title").GetString()));
        Assert.Equal("## Setup\n\nInstall git.\n\n".Length, setup.GetProperty("size").GetInt32());
        Assert.Equal("## Setup\n\nInstall git.\n\n### Configure\n\nSet user.name.\n\n### Aliases\n\nAdd aliases.\n\n".Length, setup.GetProperty("subtreeSize").GetInt32());
        Assert.Equal(10, setup.GetProperty("startLine").GetInt32());
        Assert.Equal(13, setup.GetProperty("endLine").GetInt32());
        var all = FileApiTests.Flatten(tree.GetProperty("sections")).ToList();
        Assert.Equal(Encoding.UTF8.GetByteCount(Guide), all.Sum(s => s.GetProperty("size").GetInt32()));
    }

    [Fact]
    public async Task A_section_comes_alone_or_with_its_children_and_lists_its_children()
    {
        var client = host.User("get");
        var (_, sections) = await StoreAsync(client);
        var setupId = sections["Setup"].GetProperty("id").GetString();

        var alone = await client.GetJsonAsync($"/api/skills/sections/{setupId}");
        Assert.Equal("## Setup\n\nInstall git.\n\n", alone.GetProperty("content").GetString());
        Assert.False(alone.GetProperty("includesChildren").GetBoolean());
        Assert.Equal(["Configure", "Aliases"], alone.GetProperty("children").EnumerateArray().Select(c => c.GetProperty("title").GetString()));
        Assert.Equal("skills/git/SKILL.md", alone.GetProperty("path").GetString());
        Assert.Equal("skill", alone.GetProperty("fileType").GetString());
        Assert.Equal(FileApiTests.Sha("## Setup\n\nInstall git.\n\n"), alone.GetProperty("sha256").GetString());

        var withChildren = await client.GetJsonAsync($"/api/skills/sections/{setupId}?children=true");
        Assert.Equal("## Setup\n\nInstall git.\n\n### Configure\n\nSet user.name.\n\n### Aliases\n\nAdd aliases.\n\n", withChildren.GetProperty("content").GetString());
        Assert.Equal(Encoding.UTF8.GetBytes(withChildren.GetProperty("content").GetString()!), await client.GetByteArrayAsync($"/api/skills/sections/{setupId}/raw?children=true"));
    }

    [Fact]
    public async Task Next_moves_past_a_section_and_its_children_child_goes_down_and_the_end_is_204()
    {
        var client = host.User("next");
        var (_, sections) = await StoreAsync(client);
        string Id(string title) => sections[title].GetProperty("id").GetString()!;
        async Task<string?> Next(string title, bool child = false)
        {
            using var response = await client.GetAsync($"/api/skills/sections/{Id(title)}/next{(child ? "?child=true" : "")}");
            if (response.StatusCode == HttpStatusCode.NoContent) return null;
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("title").GetString();
        }

        Assert.Equal("Branching", await Next("Setup"));
        Assert.Equal("Configure", await Next("Setup", child: true));
        Assert.Equal("Aliases", await Next("Configure"));
        Assert.Equal("Branching", await Next("Aliases"));
        Assert.Equal("Rebasing", await Next("Branching"));
        Assert.Null(await Next("Rebasing"));
        Assert.Null(await Next("Branching", child: true));
        Assert.Equal("Git guide", await Next("frontmatter"));
        Assert.Null(await Next("Git guide"));
    }

    [Fact]
    public async Task Replacing_a_section_splices_it_into_a_new_version_with_every_other_byte_unchanged()
    {
        var client = host.User("replace");
        var (fileId, sections) = await StoreAsync(client);
        var branching = sections["Branching"];
        var id = branching.GetProperty("id").GetString();
        var replacement = "## Branching\r\n\r\nUse git switch -c.\r\n\r\n"u8.ToArray();

        using (var stale = new ByteArrayContent(replacement))
        {
            stale.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            using var request = new HttpRequestMessage(HttpMethod.Put, $"/api/skills/sections/{id}") { Content = stale };
            request.Headers.TryAddWithoutValidation("If-Match", $"\"{FileApiTests.Sha("something else")}\"");
            using var refused = await client.SendAsync(request);
            await refused.ProblemAsync(HttpStatusCode.PreconditionFailed);
        }

        using var content = new ByteArrayContent(replacement);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using var put = new HttpRequestMessage(HttpMethod.Put, $"/api/skills/sections/{id}") { Content = content };
        put.Headers.TryAddWithoutValidation("If-Match", $"\"{branching.GetProperty("sha256").GetString()}\"");
        using var response = await client.SendAsync(put);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var stored = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(2, stored.GetProperty("file").GetProperty("version").GetInt32());

        var expected = Guide.Replace("## Branching\n\nCreate branches with git switch.\n\n", "## Branching\r\n\r\nUse git switch -c.\r\n\r\n");
        Assert.Equal(Encoding.UTF8.GetBytes(expected), await client.GetByteArrayAsync($"/api/skills/files/{fileId}/raw"));
        var section = await client.GetJsonAsync($"/api/skills/sections/{id}");
        Assert.Equal("## Branching\r\n\r\nUse git switch -c.\r\n\r\n", section.GetProperty("content").GetString());
        Assert.Equal(2, section.GetProperty("version").GetInt32());
    }

    [Fact]
    public async Task Every_search_mode_returns_ranked_results_with_scores_and_filters_narrow_them()
    {
        var client = host.User("search");
        var (fileId, _) = await StoreAsync(client);
        await client.PutFileOkAsync("skills/other/SKILL.md", "---\nname: other\ndescription: Other things.\n---\n\n# Other\n\n## Rebasing pastries\n\nBake the dough again; rebasing the croissant.\n");
        await client.PutFileOkAsync("scripts/rebase.sh", "#!/bin/bash\nrebase_all() {\n  git rebase main\n}\n");

        foreach (var mode in new[] { "bm25", "vector", "hybrid" })
        {
            var result = await client.GetJsonAsync($"/api/skills/search?q=rebase%20onto%20main&mode={mode}&limit=5");
            Assert.Equal(mode, result.GetProperty("mode").GetString());
            var items = result.GetProperty("items").EnumerateArray().ToList();
            Assert.NotEmpty(items);
            Assert.True("Rebasing" == items[0].GetProperty("title").GetString(), mode + ": " + result.ToString());
            var scores = items.Select(i => i.GetProperty("score").GetDouble()).ToList();
            Assert.Equal(scores.OrderDescending(), scores);
            Assert.All(scores, s => Assert.True(s > 0));
            Assert.All(items, i => Assert.False(string.IsNullOrEmpty(i.GetProperty("sectionId").GetString())));
            if (mode == "hybrid")
            {
                Assert.Equal(1.0, result.GetProperty("weights").GetProperty("bm25").GetDouble());
                Assert.True(items[0].GetProperty("bm25Rank").GetInt32() >= 1 && items[0].GetProperty("vectorRank").GetInt32() >= 1);
            }
            if (mode == "bm25") Assert.Equal(scores[0], items[0].GetProperty("bm25Score").GetDouble());
        }

        var inFile = await client.GetJsonAsync($"/api/skills/search?q=rebasing&mode=bm25&file={fileId}");
        Assert.All(inFile.GetProperty("items").EnumerateArray(), i => Assert.Equal(fileId, i.GetProperty("fileId").GetString()));
        var byPath = await client.GetJsonAsync("/api/skills/search?q=rebasing&mode=bm25&file=skills/other/SKILL.md");
        Assert.Equal("Rebasing pastries", Assert.Single(byPath.GetProperty("items").EnumerateArray()).GetProperty("title").GetString());
        var scripts = await client.GetJsonAsync("/api/skills/search?q=rebase&mode=bm25&type=script");
        Assert.Equal("rebase_all", Assert.Single(scripts.GetProperty("items").EnumerateArray()).GetProperty("title").GetString());

        using (var response = await client.GetAsync("/api/skills/search?q=x&mode=fuzzy")) await response.ProblemAsync(HttpStatusCode.BadRequest);
        using (var response = await client.GetAsync("/api/skills/search?mode=bm25")) await response.ProblemAsync(HttpStatusCode.BadRequest);
        using (var response = await client.GetAsync("/api/skills/search?q=x&limit=0")) await response.ProblemAsync(HttpStatusCode.BadRequest);
        using (var response = await client.GetAsync("/api/skills/search?q=x&file=0123456789abcdef0123456789abcdef")) await response.ProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_new_version_removes_the_search_documents_of_sections_that_are_gone()
    {
        var client = host.User("search-update");
        await StoreAsync(client);
        Assert.NotEmpty((await client.GetJsonAsync("/api/skills/search?q=aliases&mode=bm25")).GetProperty("items").EnumerateArray());
        var file = await client.PutFileOkAsync("skills/git/SKILL.md", Guide.Replace("### Aliases\n\nAdd aliases.\n\n", ""));
        Assert.Empty((await client.GetJsonAsync("/api/skills/search?q=aliases&mode=bm25")).GetProperty("items").EnumerateArray());
        // Not just hidden: the index holds exactly the current sections.
        await using var db = Npgsql.NpgsqlDataSource.Create(host.Factory.ConnectionString);
        await using var command = db.CreateCommand("""
            select count(*) from search.documents d join search.collections c on c.id = d.collection_id
            where c.name = 'skills' and d.owner_id = $1::uuid and not d.deleted
            """);
        command.Parameters.Add(new() { Value = await host.UserIdAsync("search-update") });
        Assert.Equal((long)file.GetProperty("sections").GetInt32(), (long)(await command.ExecuteScalarAsync())!);
    }
}
