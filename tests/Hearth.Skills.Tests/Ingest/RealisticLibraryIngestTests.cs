using System.Security.Cryptography;
using Hearth.Skills.Splitting;
using Hearth.Skills.Tests.Support;
using Hearth.Testing.Corpus;
using Npgsql;

namespace Hearth.Skills.Tests.Ingest;

/// <summary>A host without an archive mirror, for runs whose subject is storing and searching.</summary>
public sealed class PlainSkillsHost : SkillsHost
{
    protected override bool WithArchive => false;
}

/// <summary>
/// Issue 16's regression corpus through the API: every file back byte for byte, every text file searchable by the word
/// only it holds, every binary file stored and flagged, the run <c>completed</c>; pushed again, nothing changes.
/// </summary>
public sealed class RealisticLibraryIngestTests(PlainSkillsHost host) : IClassFixture<PlainSkillsHost>
{
    [Fact]
    public async Task The_regression_corpus_round_trips_exactly_and_every_text_file_is_searchable()
    {
        var library = RealisticLibraryGenerator.Generate(seed: 16);
        var sectionsOfText = library.TextFiles.Sum(f => SkillSplitter.Split(f.Path, f.Content).Sections.Count);
        var client = host.User("realistic");

        var run = await client.WaitForRunAsync(await client.StartIngestAsync(library.Files.Select(f => (f.Path, f.Content))), TimeSpan.FromMinutes(10));

        Assert.Equal("completed", run.GetProperty("status").GetString());
        var report = run.GetProperty("report");
        Assert.Equal(library.Files.Count, report.GetProperty("created").GetInt32());
        Assert.Empty(report.GetProperty("problems").EnumerateArray());
        Assert.Empty(report.GetProperty("failures").EnumerateArray());
        Assert.Equal(library.Files.Where(f => f.Binary).Select(f => f.Path).Order(StringComparer.Ordinal),
            report.GetProperty("binary").EnumerateArray().Select(p => p.GetString()!).Order(StringComparer.Ordinal));

        // Stored exactly: every file's SHA-256 as listed, and the bytes of every binary file and a sample of text ones.
        var listed = new Dictionary<string, (string Id, string Sha, bool Searchable)>(StringComparer.Ordinal);
        string? cursor = null;
        do
        {
            var page = await client.GetJsonAsync($"/api/skills/files?limit=200{(cursor is null ? "" : "&cursor=" + cursor)}");
            foreach (var item in page.GetProperty("items").EnumerateArray())
                listed[item.GetProperty("path").GetString()!] = (item.GetProperty("id").GetString()!, item.GetProperty("sha256").GetString()!, item.GetProperty("searchable").GetBoolean());
            cursor = page.GetProperty("nextCursor").GetString();
        }
        while (cursor is not null);
        Assert.Equal(library.Files.Count, listed.Count);
        var random = new Random(16);
        foreach (var file in library.Files)
        {
            var (id, sha, searchable) = listed[file.Path];
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(file.Content)), sha);
            Assert.Equal(!file.Binary, searchable);
            if (file.Binary || random.Next(20) == 0)
                Assert.Equal(file.Content, await client.GetByteArrayAsync($"/api/skills/files/{id}/raw"));
        }

        // Searchable: the index holds every section of every text file, and none of a binary one.
        var owner = await host.UserIdAsync("realistic");
        await using var db = NpgsqlDataSource.Create(host.Factory.ConnectionString);
        await using (var command = db.CreateCommand("""
            select count(*) from search.documents d join search.collections c on c.id = d.collection_id
            where c.name = 'skills' and d.owner_id = $1::uuid and not d.deleted
            """))
        {
            command.Parameters.Add(new() { Value = owner });
            Assert.Equal((long)sectionsOfText, (long)(await command.ExecuteScalarAsync())!);
        }
        // ...and finds each file by the word only it holds: every file with a NUL, UTF-16 or CRLF, and a sample of the rest.
        var probes = library.TextFiles.Where(f => f.Content.Contains((byte)0) || f.Content.Contains((byte)'\r') || random.Next(12) == 0).ToList();
        var missed = new List<string>();
        foreach (var file in probes)
        {
            var result = await client.GetJsonAsync($"/api/skills/search?q={file.Marker}&mode=bm25&limit=1");
            var top = result.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("path").GetString()).FirstOrDefault();
            if (top != file.Path) missed.Add($"{file.Marker}: {file.Path}, found {top ?? "nothing"}");
        }
        Assert.True(missed.Count == 0, $"{missed.Count} of {probes.Count} probes missed:\n" + string.Join("\n", missed));

        // Pushed again: nothing to store, nothing to index, still completed.
        var again = await client.WaitForRunAsync(await client.StartIngestAsync(library.Files.Select(f => (f.Path, f.Content))), TimeSpan.FromMinutes(5));
        Assert.Equal("completed", again.GetProperty("status").GetString());
        Assert.Equal(library.Files.Count, again.GetProperty("report").GetProperty("unchanged").GetInt32());
    }
}
