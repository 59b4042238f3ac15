using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Hearth.Skills.Tests.Support;
using Hearth.Testing.Corpus;
using Hearth.Testing.Faults;
using Npgsql;

namespace Hearth.Skills.Tests.Ingest;

/// <summary>A host whose database refuses the search documents of every file with "unindexable" in its path.</summary>
public sealed class UnindexableHost : SkillsHost
{
    protected override bool WithArchive => false;

    protected override Task PrepareDatabaseAsync(string connectionString) => SkillDatabaseFaults.FailIndexingAsync(connectionString, "unindexable");
}

/// <summary>
/// Issue 16 D1: a NUL byte or a binary asset never keeps a file, or its neighbours, out of search; binary files are
/// stored exactly and flagged; a run says <c>completed</c> only when every text file is stored and searchable.
/// </summary>
public sealed class NulAndBinaryIngestTests(UnindexableHost host) : IClassFixture<UnindexableHost>
{
    [Fact]
    public async Task A_nul_byte_in_one_file_keeps_neither_it_nor_the_file_beside_it_out_of_search()
    {
        var client = host.User("nul-pair");
        var run = await client.WaitForRunAsync(await client.StartIngestAsync(
        [
            ("nul.md", "# N\n\nzebracorn a\0b\n"u8.ToArray()),
            ("clean.md", "# O\n\nquokkaberry\n"u8.ToArray()),
        ]));

        Assert.Equal("completed", run.GetProperty("status").GetString());
        Assert.Empty(run.GetProperty("problems").EnumerateArray());
        Assert.Equal("clean.md", await TopPathAsync(client, "quokkaberry"));
        Assert.Equal("nul.md", await TopPathAsync(client, "zebracorn"));
    }

    [Fact]
    public async Task A_single_upload_of_text_with_a_nul_byte_is_searchable_at_once()
    {
        var client = host.User("nul-single");
        using var response = await client.PutFileAsync("nul.md", "# N\n\nzebracorn a\0b\n"u8.ToArray());

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var file = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("file");
        Assert.True(file.GetProperty("searchable").GetBoolean());
        Assert.Equal("nul.md", await TopPathAsync(client, "zebracorn"));
    }

    [Fact]
    public async Task A_realistic_repository_tar_with_binary_assets_and_a_nul_bearing_file_ingests_with_every_text_file_searchable()
    {
        var files = RepositoryWithAssets();
        var client = host.User("assets");
        using var accepted = await client.IngestAsync(Archives.Tar(files.Select(f => (f.Path, f.Content))), "application/x-tar");
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var runId = (await accepted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        var run = await client.WaitForRunAsync(runId);

        Assert.Equal("completed", run.GetProperty("status").GetString());
        var report = run.GetProperty("report");
        Assert.Equal(files.Count, report.GetProperty("ingested").GetInt32());
        Assert.Empty(report.GetProperty("problems").EnumerateArray());
        var binaries = files.Where(f => f.Marker is null).Select(f => f.Path).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(binaries, report.GetProperty("binary").EnumerateArray().Select(p => p.GetString()!).Order(StringComparer.Ordinal));

        var listed = await client.GetJsonAsync("/api/skills/files?limit=200");
        foreach (var file in files)
        {
            var item = listed.GetProperty("items").EnumerateArray().Single(i => i.GetProperty("path").GetString() == file.Path);
            var id = item.GetProperty("id").GetString()!;
            // Stored exactly, binary or not.
            Assert.Equal(file.Content, await client.GetByteArrayAsync($"/api/skills/files/{id}/raw"));
            if (file.Marker is null)
            {
                Assert.True(item.GetProperty("binary").GetBoolean(), file.Path);
                Assert.Equal("asset", item.GetProperty("type").GetString());
                Assert.Equal("binary", item.GetProperty("format").GetString());
                Assert.False(item.GetProperty("searchable").GetBoolean());
                Assert.Equal(1, item.GetProperty("sections").GetInt32());
            }
            else
            {
                Assert.False(item.GetProperty("binary").GetBoolean(), file.Path);
                Assert.True(item.GetProperty("searchable").GetBoolean(), file.Path);
                Assert.Equal(file.Path, await TopPathAsync(client, file.Marker));
            }
        }
        // Nothing of a binary file reaches the index.
        var owner = await host.UserIdAsync("assets");
        await using var db = NpgsqlDataSource.Create(host.Factory.ConnectionString);
        await using var command = db.CreateCommand("""
            select count(*) from search.documents d join search.collections c on c.id = d.collection_id
            where c.name = 'skills' and d.owner_id = $1::uuid and not d.deleted and d.source = any($2)
            """);
        command.Parameters.Add(new() { Value = owner });
        command.Parameters.Add(new() { Value = binaries.ToArray() });
        Assert.Equal(0L, (long)(await command.ExecuteScalarAsync())!);
    }

    [Fact]
    public async Task A_file_that_cannot_be_indexed_is_a_problem_of_the_run_and_its_slice_neighbours_stay_searchable()
    {
        var client = host.User("unindexable");
        var run = await client.WaitForRunAsync(await client.StartIngestAsync(
        [
            ("skills/a/SKILL.md", "---\nname: a\ndescription: A.\n---\n\n# A\n\nwombatfig\n"u8.ToArray()),
            ("skills/a/unindexable.md", "# U\n\nplatypear\n"u8.ToArray()),
            ("skills/a/scripts/run.py", "def kiwimelon():\n    pass\n"u8.ToArray()),
        ]));

        Assert.Equal("completed_with_problems", run.GetProperty("status").GetString());
        var problem = Assert.Single(run.GetProperty("problems").EnumerateArray());
        Assert.Equal("skills/a/unindexable.md", problem.GetProperty("path").GetString());
        Assert.Equal("not_searchable", problem.GetProperty("problem").GetString());
        Assert.Contains("Injected indexing failure", problem.GetProperty("reason").GetString());
        Assert.Equal("completed_with_problems", run.GetProperty("report").GetProperty("status").GetString());
        Assert.Equal("skills/a/SKILL.md", await TopPathAsync(client, "wombatfig"));
        Assert.Equal("skills/a/scripts/run.py", await TopPathAsync(client, "kiwimelon"));
        Assert.Null(await TopPathAsync(client, "platypear"));

        // The file says why it is not searchable, and a push offers it again.
        var file = (await client.GetJsonAsync("/api/skills/files?path=skills/a/unindexable.md")).GetProperty("items")[0];
        Assert.False(file.GetProperty("searchable").GetBoolean());
        Assert.Contains("Injected indexing failure", file.GetProperty("indexError").GetString());
        var compare = await (await client.PostAsJsonAsync("/api/skills/files/compare", new
        {
            files = new[] { new { path = "skills/a/unindexable.md", sha256 = file.GetProperty("sha256").GetString() } },
        })).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("unindexed", compare.GetProperty("changed")[0].GetProperty("change").GetString());
    }

    private static async Task<string?> TopPathAsync(HttpClient client, string word)
    {
        var result = await client.GetJsonAsync($"/api/skills/search?q={Uri.EscapeDataString(word)}&mode=bm25&limit=3");
        return result.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("path").GetString()).FirstOrDefault();
    }

    /// <summary>A skill repository as published: skills with references, scripts and assets (fonts, images, a PDF, an archive), one text file with a NUL.</summary>
    internal static List<(string Path, byte[] Content, string? Marker)> RepositoryWithAssets()
    {
        var random = new Random(16);
        var files = new List<(string, byte[], string?)>();
        void Text(string path, string text, string marker) => files.Add((path, Encoding.UTF8.GetBytes(text.Replace("MARKER", marker, StringComparison.Ordinal)), marker));
        void Binary(string path) => files.Add((path, BinaryAssets.Make(random, Path.GetExtension(path)), null));

        Text("skills/pdf/SKILL.md", "---\nname: pdf\ndescription: Fill PDF forms.\nlicense: Proprietary\n---\n\n# PDF\n\n## Forms\n\nUse MARKER to fill forms; see [reference](reference.md).\n\n## Scripts\n\n1. ```bash\n   # fill the form\n   python scripts/fill.py in.pdf\n   ```\n", "pdfmarkfa");
        Text("skills/pdf/reference.md", "# Reference\n\n## Fields\n\nMARKER fields.\n", "pdfrefmkb");
        Text("skills/pdf/scripts/fill.py", "#!/usr/bin/env python3\n\"\"\"MARKER\"\"\"\nimport sys\n\ndef main():\n    print(sys.argv)\n", "pyfillmkc");
        Text("skills/pdf/scripts/check.sh", "#!/bin/bash\nf() { grep x <<<\"$1\"; }\n# MARKER\ng() {\n  :\n}\n", "shcheckmkd");
        Binary("skills/pdf/assets/form.pdf");
        Binary("skills/pdf/assets/logo.png");
        Text("skills/canvas/SKILL.md", "---\nname: canvas\ndescription: Design posters.\n---\n\n# Canvas\n\nMARKER layouts \0 with fonts.\n", "canvasnulme");
        Binary("skills/canvas/fonts/Inter.ttf");
        Binary("skills/canvas/fonts/Inter.woff2");
        Binary("skills/canvas/assets/sample.jpg");
        Text("skills/xlsx/ooxml/schemas/sml.xsd", "<?xml version=\"1.0\"?>\n<xsd:schema>\n<!-- MARKER -->\n<xsd:element name=\"c\"/>\n</xsd:schema>\n", "xsdmarkmf");
        Binary("skills/xlsx/data/fixtures.gz");
        Text("skills/xlsx/evals/cases.jsonl", "{\"q\": \"MARKER\"}\n{\"q\": \"two\"}\n", "jsonlmkg");
        Text(".claude-plugin/marketplace.json", "{\n  \"name\": \"MARKER\",\n  \"plugins\": []\n}\n", "marketmkh");
        Text("hooks/src/guard.ts", "let root: string\nconst guard = () => 'MARKER'\nexport function check(): void {}\n", "tsguardmki");
        Text("hooks/README.md", "# Hooks\n\nMARKER explains the hooks.\n", "hookreadmk");
        Text("Dockerfile", "# MARKER\nFROM python:3.12\n", "dockermkj");
        Text("README.md", "\uFEFF# Skills\r\n\r\nMARKER index.\r\n", "readmemkk");
        files.Add(("skills/legacy/NOTES.md", [.. Encoding.Unicode.GetPreamble(), .. Encoding.Unicode.GetBytes("# Legacy\n\nutfsixteenmk notes\n")], "utfsixteenmk"));
        return files;
    }
}
