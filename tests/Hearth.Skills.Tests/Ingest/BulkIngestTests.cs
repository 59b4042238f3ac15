using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Hearth.Skills.Splitting;
using Hearth.Skills.Tests.Support;
using Hearth.Testing.Corpus;
using Hearth.Testing.Faults;
using Npgsql;

namespace Hearth.Skills.Tests.Ingest;

/// <summary>
/// The acceptance runs: the 1,367-file generated library with 10 % of first attempts failing ends 100 % ingested with
/// a correct report; and a 2,000-file library comes back byte for byte through storage.
/// </summary>
public sealed class BulkIngestTests(SkillsHost host) : IClassFixture<SkillsHost>
{
    private const double FailureRate = 0.10;

    [Fact]
    public async Task The_1367_file_library_with_10_percent_of_first_attempts_failing_ends_fully_ingested_with_a_correct_report()
    {
        var corpus = SkillCorpusGenerator.Generate(seed: 1367, files: 1367);
        var expectedSections = corpus.Files.Sum(f => SkillSplitter.Split(f.Path, f.Content).Sections.Count);
        // Binary assets are stored as one section each but have no search documents.
        var indexedSections = corpus.Files.Select(f => SkillSplitter.Split(f.Path, f.Content)).Where(r => !r.IsBinary).Sum(r => r.Sections.Count);
        // The database fails the first write of this user's version for 10 % of the paths (the same paths every time,
        // chosen by a hash of the path), as a database error would fail a file attempt.
        var failing = corpus.Files.Select(f => f.Path).Where(p => SkillDatabaseFaults.IsSampled(p, FailureRate)).ToList();
        var injected = failing.Count;
        Assert.InRange(injected, 100, 180); // about 10 % of 1,367: the seam really fails some
        Assert.InRange(expectedSections, 18_000, 20_500);

        var client = host.User("bulk");
        await SkillDatabaseFaults.FailFirstRunWritesAsync(host.Factory.ConnectionString, await host.UserIdAsync("bulk"), failing);
        var runId = await client.StartIngestAsync(corpus.Files.Select(f => (f.Path, f.Content)));
        var run = await client.WaitForRunAsync(runId, TimeSpan.FromMinutes(10));

        Assert.Equal("completed", run.GetProperty("status").GetString());
        var report = run.GetProperty("report");
        Assert.Equal(1367, report.GetProperty("total").GetInt32());
        Assert.Equal(1367, report.GetProperty("ingested").GetInt32());
        Assert.Equal(1367, report.GetProperty("created").GetInt32());
        Assert.Equal(0, report.GetProperty("failed").GetInt32());
        Assert.Empty(report.GetProperty("failures").EnumerateArray());
        Assert.Equal(injected, report.GetProperty("retried").GetInt32());
        Assert.Equal(expectedSections, report.GetProperty("sections").GetInt32());
        Assert.Equal(corpus.TotalBytes, report.GetProperty("bytes").GetInt64());
        // Warnings come from the corpus's invalid UTF-8 and broken JSON, each named with its file.
        Assert.All(report.GetProperty("warnings").EnumerateArray(), w =>
            Assert.Contains(corpus.Files.Single(f => f.Path == w.GetProperty("path").GetString()).EdgeCases,
                e => e is CorpusEdgeCases.InvalidUtf8 or CorpusEdgeCases.JsonInvalid or CorpusEdgeCases.WhitespaceOnly));
        Assert.Equal(100.0, report.GetProperty("mirror").GetProperty("inSyncPercent").GetDouble());

        // In the database: one version per file, exactly the splitter's sections, each indexed once.
        var owner = await host.UserIdAsync("bulk");
        await using var db = NpgsqlDataSource.Create(host.Factory.ConnectionString);
        Assert.Equal(1367L, await ScalarAsync(db, "select count(*) from skills.versions where owner_id = $1::uuid", owner));
        Assert.Equal((long)expectedSections, await ScalarAsync(db, "select count(*) from skills.sections where owner_id = $1::uuid", owner));
        Assert.Equal((long)expectedSections, await ScalarAsync(db, "select count(distinct (file_id, id)) from skills.sections where owner_id = $1::uuid", owner));
        Assert.Equal((long)indexedSections, await ScalarAsync(db,
            "select count(*) from search.documents d join search.collections c on c.id = d.collection_id where c.name = 'skills' and d.owner_id = $1::uuid and not d.deleted", owner));
    }

    [Fact]
    public async Task A_2000_file_library_comes_back_byte_for_byte_through_storage()
    {
        var corpus = SkillCorpusGenerator.Generate(seed: 2000, files: 2000, edgeCaseRate: 0.3);
        var client = host.User("round-trip");
        var run = await client.WaitForRunAsync(await client.StartIngestAsync(corpus.Files.Select(f => (f.Path, f.Content))), TimeSpan.FromMinutes(10));
        Assert.Equal(2000, run.GetProperty("report").GetProperty("ingested").GetInt32());

        var ids = new Dictionary<string, (string Id, string Sha)>(StringComparer.Ordinal);
        string? cursor = null;
        do
        {
            var page = await client.GetJsonAsync($"/api/skills/files?limit=200{(cursor is null ? "" : "&cursor=" + cursor)}");
            foreach (var file in page.GetProperty("items").EnumerateArray())
                ids[file.GetProperty("path").GetString()!] = (file.GetProperty("id").GetString()!, file.GetProperty("sha256").GetString()!);
            cursor = page.GetProperty("nextCursor").GetString();
        } while (cursor is not null);
        Assert.Equal(2000, ids.Count);

        await Parallel.ForEachAsync(corpus.Files, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (file, ct) =>
        {
            var (id, sha) = ids[file.Path];
            var expected = Convert.ToHexStringLower(SHA256.HashData(file.Content));
            Assert.Equal(expected, sha);
            var raw = await client.GetByteArrayAsync($"/api/skills/files/{id}/raw", ct);
            Assert.True(raw.AsSpan().SequenceEqual(file.Content), $"{file.Path}: /raw differs from the uploaded bytes");
            Assert.Equal(expected, Convert.ToHexStringLower(SHA256.HashData(raw)));
        });
    }

    private static async Task<long> ScalarAsync(NpgsqlDataSource db, string sql, string owner)
    {
        await using var command = db.CreateCommand(sql);
        command.Parameters.Add(new() { Value = owner });
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
