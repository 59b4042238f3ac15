using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Hearth.Skills.Tests.Support;

namespace Hearth.Skills.Tests.Library;

/// <summary>One host for the class; each test uses its own dev user, so libraries never overlap.</summary>
public sealed class FileApiHost : SkillsHost
{
    protected override bool WithArchive => false;
}

/// <summary>Storing files through the API: versions, stable section ids, exact bytes, listings, owner isolation, errors.</summary>
public sealed class FileApiTests(FileApiHost host) : IClassFixture<FileApiHost>
{
    private const string Skill = """
        ---
        name: pdf-tools
        description: Work with PDF files.
        ---

        # PDF tools

        Intro text.

        ## Extract text

        Use pdftotext.

        ### Options

        -layout keeps columns.

        ## Merge

        Use qpdf.
        """;

    [Fact]
    public async Task Storing_the_same_bytes_again_creates_nothing_and_changed_bytes_create_a_version_that_keeps_surviving_section_ids()
    {
        var client = host.User("versions");
        using var first = await client.PutFileAsync("skills/pdf/SKILL.md", Encoding.UTF8.GetBytes(Skill));
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        var created = await first.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("created", created.GetProperty("change").GetString());
        var file = created.GetProperty("file");
        var id = file.GetProperty("id").GetString()!;
        Assert.Equal(1, file.GetProperty("version").GetInt32());
        Assert.Equal("skill", file.GetProperty("type").GetString());
        Assert.Equal(Sha(Skill), file.GetProperty("sha256").GetString());
        Assert.Equal(first.Headers.Location?.ToString(), $"/api/skills/files/{id}");

        using var again = await client.PutFileAsync("skills/pdf/SKILL.md", Encoding.UTF8.GetBytes(Skill));
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        var unchanged = await again.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("unchanged", unchanged.GetProperty("change").GetString());
        Assert.Equal(1, unchanged.GetProperty("file").GetProperty("version").GetInt32());
        var treeBefore = await client.GetJsonAsync($"/api/skills/files/{id}/tree");

        var edited = Skill.Replace("Use pdftotext.", "Use pdftotext -layout.").Replace("## Merge", "## Combine");
        using var second = await client.PutFileAsync("skills/pdf/SKILL.md", Encoding.UTF8.GetBytes(edited));
        Assert.Equal(HttpStatusCode.Created, second.StatusCode);
        var updated = await second.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("updated", updated.GetProperty("change").GetString());
        Assert.Equal(2, updated.GetProperty("file").GetProperty("version").GetInt32());
        Assert.Equal(id, updated.GetProperty("file").GetProperty("id").GetString());

        var before = Flatten(treeBefore.GetProperty("sections")).ToDictionary(s => s.GetProperty("key").GetString()!, s => s.GetProperty("id").GetString()!);
        var after = Flatten((await client.GetJsonAsync($"/api/skills/files/{id}/tree")).GetProperty("sections"))
            .ToDictionary(s => s.GetProperty("key").GetString()!, s => s.GetProperty("id").GetString()!);
        // The edited section keeps its id (its key survived); the renamed one gets a new id; the rest are unchanged.
        Assert.Equal(before["h:PDF tools/h:Extract text"], after["h:PDF tools/h:Extract text"]);
        Assert.Equal(before["h:PDF tools/h:Extract text/h:Options"], after["h:PDF tools/h:Extract text/h:Options"]);
        Assert.Equal(before["frontmatter"], after["frontmatter"]);
        Assert.False(after.ContainsKey("h:PDF tools/h:Merge"));
        Assert.DoesNotContain(after["h:PDF tools/h:Combine"], before.Values);

        var versions = await client.GetJsonAsync($"/api/skills/files/{id}/versions");
        Assert.Equal([2, 1], versions.GetProperty("items").EnumerateArray().Select(v => v.GetProperty("version").GetInt32()));
        Assert.Equal(JsonValueKind.Null, versions.GetProperty("nextCursor").ValueKind);
        // One at a time, newest first, like every other list.
        var newest = await client.GetJsonAsync($"/api/skills/files/{id}/versions?limit=1");
        Assert.Equal(2, newest.GetProperty("items")[0].GetProperty("version").GetInt32());
        var older = await client.GetJsonAsync($"/api/skills/files/{id}/versions?limit=1&cursor={newest.GetProperty("nextCursor").GetString()}");
        Assert.Equal([1], older.GetProperty("items").EnumerateArray().Select(v => v.GetProperty("version").GetInt32()));
        Assert.Equal(JsonValueKind.Null, older.GetProperty("nextCursor").ValueKind);
        Assert.Equal(Encoding.UTF8.GetBytes(Skill), await client.GetByteArrayAsync($"/api/skills/files/{id}/raw?version=1"));
        Assert.Equal(Encoding.UTF8.GetBytes(edited), await client.GetByteArrayAsync($"/api/skills/files/{id}/raw"));
        var oldTree = await client.GetJsonAsync($"/api/skills/files/{id}/tree?version=1");
        Assert.Contains(Flatten(oldTree.GetProperty("sections")), s => s.GetProperty("title").GetString() == "Merge");
    }

    [Fact]
    public async Task Raw_gives_the_exact_bytes_with_the_hash_in_the_ETag_and_Repr_Digest()
    {
        var client = host.User("raw");
        byte[] bytes = [0xEF, 0xBB, 0xBF, .. "# Title\r\n\r\nbody\rmore\n## Sub\n"u8.ToArray(), 0xFF, 0xFE, 0x00, (byte)'\n'];
        using var stored = await client.PutFileAsync("docs/odd.md", bytes);
        var file = (await stored.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("file");
        var id = file.GetProperty("id").GetString()!;

        using var raw = await client.GetAsync($"/api/skills/files/{id}/raw");
        Assert.Equal(HttpStatusCode.OK, raw.StatusCode);
        Assert.Equal(bytes, await raw.Content.ReadAsByteArrayAsync());
        Assert.Equal($"\"{Convert.ToHexStringLower(SHA256.HashData(bytes))}\"", raw.Headers.ETag?.Tag);
        Assert.Equal($"sha-256=:{Convert.ToBase64String(SHA256.HashData(bytes))}:", raw.Headers.GetValues("Repr-Digest").Single());

        using var conditional = new HttpRequestMessage(HttpMethod.Get, $"/api/skills/files/{id}/raw");
        conditional.Headers.IfNoneMatch.Add(raw.Headers.ETag!);
        using var notModified = await client.SendAsync(conditional);
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
    }

    [Fact]
    public async Task Raw_recomposes_the_stored_sections_and_refuses_bytes_that_no_longer_match_their_hash()
    {
        var client = host.User("integrity");
        var id = (await client.PutFileOkAsync("skills/pdf/SKILL.md", Skill)).GetProperty("id").GetString()!;
        Assert.Equal(Encoding.UTF8.GetBytes(Skill), await client.GetByteArrayAsync($"/api/skills/files/{id}/raw"));

        // One byte of the stored version flips (same length): the read must fail, not serve the altered bytes.
        await using (var db = Npgsql.NpgsqlDataSource.Create(host.Factory.ConnectionString))
        await using (var command = db.CreateCommand("update skills.blobs set content = overlay(content placing '\\x58'::bytea from 60 for 1) where owner_id = $1::uuid"))
        {
            command.Parameters.Add(new() { Value = await host.UserIdAsync("integrity") });
            Assert.Equal(1, await command.ExecuteNonQueryAsync());
        }
        using var raw = await client.GetAsync($"/api/skills/files/{id}/raw");
        Assert.Equal(HttpStatusCode.InternalServerError, raw.StatusCode);
        Assert.DoesNotContain("Use pdftotext", await raw.Content.ReadAsStringAsync());
        using var checkout = await client.PostAsJsonAsync("/api/skills/checkout", new { fileId = id });
        Assert.Equal(HttpStatusCode.InternalServerError, checkout.StatusCode);
    }

    [Fact]
    public async Task Paths_are_normalised_and_listings_filter_by_folder_and_type_with_paging()
    {
        var client = host.User("listing");
        var a = await client.PutFileOkAsync("./lib\\skills//a/SKILL.md", Skill);
        Assert.Equal("lib/skills/a/SKILL.md", a.GetProperty("path").GetString());
        // NFD (as macOS stores names) and NFC spellings are the same file.
        var nfd = await client.PutFileOkAsync("lib/docs/Cafe\u0301.md", "# Café\n");
        var nfc = await client.PutFileOkAsync("lib/docs/Caf\u00e9.md", "# Café\n");
        Assert.Equal(nfd.GetProperty("id").GetString(), nfc.GetProperty("id").GetString());
        await client.PutFileOkAsync("lib/scripts/run.py", "def main():\n    pass\n");
        await client.PutFileOkAsync("library.md", "# Not under lib/\n");

        var lib = await client.GetJsonAsync("/api/skills/files?path=lib");
        Assert.Equal(["lib/docs/Café.md", "lib/scripts/run.py", "lib/skills/a/SKILL.md"],
            lib.GetProperty("items").EnumerateArray().Select(f => f.GetProperty("path").GetString()!));
        foreach (var item in lib.GetProperty("items").EnumerateArray())
            foreach (var field in new[] { "id", "path", "type", "sha256", "sections" }) Assert.True(item.TryGetProperty(field, out _), field);
        var scripts = await client.GetJsonAsync("/api/skills/files?type=script");
        Assert.Equal("lib/scripts/run.py", Assert.Single(scripts.GetProperty("items").EnumerateArray()).GetProperty("path").GetString());

        var page1 = await client.GetJsonAsync("/api/skills/files?limit=2");
        var page2 = await client.GetJsonAsync($"/api/skills/files?limit=2&cursor={page1.GetProperty("nextCursor").GetString()}");
        var all = new[] { page1, page2 }.SelectMany(p => p.GetProperty("items").EnumerateArray()).Select(f => f.GetProperty("path").GetString()).ToList();
        Assert.Equal(["lib/docs/Café.md", "lib/scripts/run.py", "lib/skills/a/SKILL.md", "library.md"], all);
        Assert.Equal(JsonValueKind.Null, page2.GetProperty("nextCursor").ValueKind);
    }

    [Fact]
    public async Task Another_users_files_and_sections_are_not_found()
    {
        var alice = host.User("alice-files");
        var bob = host.User("bob-files");
        var file = await alice.PutFileOkAsync("skills/secret/SKILL.md", Skill);
        var id = file.GetProperty("id").GetString()!;
        var tree = await alice.GetJsonAsync($"/api/skills/files/{id}/tree");
        var section = Flatten(tree.GetProperty("sections")).First().GetProperty("id").GetString()!;

        foreach (var url in new[]
        {
            $"/api/skills/files/{id}", $"/api/skills/files/{id}/tree", $"/api/skills/files/{id}/raw", $"/api/skills/files/{id}/versions",
            $"/api/skills/sections/{section}", $"/api/skills/sections/{section}/raw", $"/api/skills/sections/{section}/next",
        })
        {
            using var response = await bob.GetAsync(url);
            var problem = await response.ProblemAsync(HttpStatusCode.NotFound);
            Assert.Equal("urn:hearth:problem:not-found", problem.GetProperty("type").GetString());
        }
        Assert.Empty((await bob.GetJsonAsync("/api/skills/files")).GetProperty("items").EnumerateArray());
        Assert.Empty((await bob.GetJsonAsync("/api/skills/search?q=pdftotext&mode=bm25")).GetProperty("items").EnumerateArray());
        using (var content = new ByteArrayContent("x"u8.ToArray()))
        {
            content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            using var put = await bob.PutAsync($"/api/skills/sections/{section}", content);
            await put.ProblemAsync(HttpStatusCode.NotFound);
        }
        // Bob storing the same path makes his own file, with his own ids.
        var bobs = await bob.PutFileOkAsync("skills/secret/SKILL.md", Skill);
        Assert.NotEqual(id, bobs.GetProperty("id").GetString());
        Assert.Equal(1, (await alice.GetJsonAsync($"/api/skills/files/{id}")).GetProperty("version").GetInt32());
    }

    [Theory]
    [InlineData("../escape.md")]
    [InlineData("skills/../../escape.md")]
    [InlineData("/etc/passwd")]
    [InlineData("C:\\Windows\\x.md")]
    [InlineData("skills/")]
    [InlineData("a\u0001b.md")]
    public async Task A_bad_path_is_a_validation_problem(string path)
    {
        using var response = await host.User("bad-paths").PutFileAsync(path, "# x\n"u8.ToArray());
        var problem = await response.ProblemAsync(HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("path", out _));
    }

    [Fact]
    public async Task Wrong_media_type_is_415_too_large_is_413_no_token_is_401_and_unknown_ids_are_404()
    {
        var client = host.User("errors");
        using (var text = new StringContent("# x", Encoding.UTF8, "text/markdown"))
        using (var response = await client.PostAsync("/api/skills/files?path=x.md", text))
            await response.ProblemAsync(HttpStatusCode.UnsupportedMediaType);

        using (var response = await client.PutFileAsync("big.md", new byte[4 * 1024 * 1024 + 1]))
            await response.ProblemAsync(HttpStatusCode.RequestEntityTooLarge);

        using (var response = await host.Anonymous.GetAsync("/api/skills/files"))
            await response.ProblemAsync(HttpStatusCode.Unauthorized);

        foreach (var url in new[] { "/api/skills/files/0123456789abcdef0123456789abcdef", "/api/skills/files/not-an-id/raw", "/api/skills/sections/nope", "/api/skills/runs/nope" })
        {
            using var response = await client.GetAsync(url);
            await response.ProblemAsync(HttpStatusCode.NotFound);
        }
        using (var response = await client.GetAsync("/api/skills/files?cursor=%%%"))
            await response.ProblemAsync(HttpStatusCode.BadRequest);
        using (var response = await client.GetAsync("/api/skills/files?type=novel"))
            await response.ProblemAsync(HttpStatusCode.BadRequest);
        using (var response = await client.PostAsync("/api/skills/files", new ByteArrayContent([]) { Headers = { ContentType = new("application/octet-stream") } }))
            await response.ProblemAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Compare_says_which_local_files_are_new_or_modified()
    {
        var client = host.User("compare");
        await client.PutFileOkAsync("a.md", "# A\n");
        await client.PutFileOkAsync("b.md", "# B\n");
        using var response = await client.PostAsJsonAsync("/api/skills/files/compare", new
        {
            files = new[]
            {
                new { path = "a.md", sha256 = Sha("# A\n") },
                new { path = "b.md", sha256 = Sha("# B changed\n") },
                new { path = "c.md", sha256 = Sha("# C\n") },
                new { path = "../d.md", sha256 = Sha("# D\n") },
            },
        });
        var result = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(1, result.GetProperty("unchanged").GetInt32());
        var changed = result.GetProperty("changed").EnumerateArray().ToDictionary(c => c.GetProperty("path").GetString()!, c => c.GetProperty("change").GetString());
        Assert.Equal(new Dictionary<string, string?> { ["b.md"] = "modified", ["c.md"] = "new" }, changed);
        Assert.Equal("../d.md", Assert.Single(result.GetProperty("invalid").EnumerateArray()).GetProperty("path").GetString());
    }

    [Fact]
    public async Task Without_an_archive_verify_is_a_conflict_and_stats_say_the_mirror_is_off()
    {
        var client = host.User("no-archive");
        using (var response = await client.GetAsync("/api/skills/mirror/verify"))
            Assert.Contains("ConnectionStrings:Archive", (await response.ProblemAsync(HttpStatusCode.Conflict)).GetProperty("detail").GetString());
        await client.PutFileOkAsync("skills/a/SKILL.md", Skill);
        await client.PutFileOkAsync("scripts/x.py", "def x():\n    pass\n");
        var stats = await client.GetJsonAsync("/api/skills/stats");
        Assert.Equal(2, stats.GetProperty("files").GetInt64());
        Assert.False(stats.GetProperty("mirrorEnabled").GetBoolean());
        Assert.Equal(1, stats.GetProperty("byType").GetProperty("script").GetInt64());
    }

    internal static string Sha(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    internal static IEnumerable<JsonElement> Flatten(JsonElement nodes)
    {
        foreach (var node in nodes.EnumerateArray())
        {
            yield return node;
            foreach (var child in Flatten(node.GetProperty("children"))) yield return child;
        }
    }
}
