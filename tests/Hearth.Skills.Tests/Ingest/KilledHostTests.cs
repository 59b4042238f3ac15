using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Hearth.Skills.Splitting;
using Hearth.Skills.Tests.Support;
using Hearth.Testing;
using Hearth.Testing.Corpus;
using Hearth.Testing.Faults;
using Hearth.Testing.Host;
using Npgsql;

namespace Hearth.Skills.Tests.Ingest;

/// <summary>The real host as a process, killed with SIGKILL in the middle of a bulk ingest, then started again.</summary>
public sealed class KilledHostTests : IDisposable
{
    private readonly string _checkouts = Path.Combine(Path.GetTempPath(), "hearth-skills-kill", Guid.NewGuid().ToString("N")[..10]);

    public void Dispose()
    {
        try { Directory.Delete(_checkouts, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public async Task A_run_interrupted_by_SIGKILL_finishes_after_a_restart_with_every_file_once_and_no_duplicate_sections()
    {
        var database = await TestPostgres.CreateDatabaseAsync();
        var port = HostProcess.FreePort();
        var environment = new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
            ["ConnectionStrings__Postgres"] = database,
            ["Auth__DevToken"] = "kill-token",
            ["Skills__CheckoutRoot"] = _checkouts,
            ["Skills__IngestParallelism"] = "8",
            // Short leases, so the restarted host rescues the killed host's file activities soon.
            ["AzureFunctionsJobHost__extensions__queues__leaseDuration"] = "00:00:03",
            ["AzureFunctionsJobHost__extensions__queues__maxPollingInterval"] = "00:00:00.200",
        };
        var corpus = SkillCorpusGenerator.Generate(seed: 99, files: 400);
        var expectedSections = corpus.Files.Sum(f => SkillSplitter.Split(f.Path, f.Content).Sections.Count);
        // Binary assets are stored as one section each but have no search documents.
        var indexedSections = corpus.Files.Select(f => SkillSplitter.Split(f.Path, f.Content)).Where(r => !r.IsBinary).Sum(r => r.Sections.Count);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "kill-token:killer");

        string runId;
        await using (var first = HostProcess.Start(environment))
        {
            await first.WaitUntilReadyAsync($"http://127.0.0.1:{port}/readyz", TimeSpan.FromSeconds(90));
            // Slow version writes (at the database), so the kill lands mid-run.
            await SkillDatabaseFaults.SlowRunWritesAsync(database, TimeSpan.FromMilliseconds(50));
            runId = await http.StartIngestAsync(corpus.Files.Select(f => (f.Path, f.Content)));
            var progress = await Eventually.ValueAsync(async () => await http.GetFromJsonAsync<JsonElement>($"/api/skills/runs/{runId}"),
                run => run.GetProperty("done").GetInt32() >= 40, TimeSpan.FromSeconds(60), "the run to be under way");
            Assert.True(progress.GetProperty("pending").GetInt32() > 0, "the run finished before the kill; slow it down");
            first.Kill();
            await first.WaitForExitAsync(TimeSpan.FromSeconds(30));
        }

        await using var second = HostProcess.Start(environment);
        await second.WaitUntilReadyAsync($"http://127.0.0.1:{port}/readyz", TimeSpan.FromSeconds(90));
        var finished = await http.WaitForRunAsync(runId, TimeSpan.FromMinutes(10));

        Assert.Equal("completed", finished.GetProperty("status").GetString());
        var report = finished.GetProperty("report");
        Assert.Equal(400, report.GetProperty("ingested").GetInt32());
        Assert.Equal(400, report.GetProperty("created").GetInt32());
        Assert.Equal(0, report.GetProperty("failed").GetInt32());
        Assert.Equal(expectedSections, report.GetProperty("sections").GetInt32());

        await using var db = NpgsqlDataSource.Create(database);
        Assert.Equal(400L, await ScalarAsync(db, "select count(*) from skills.files"));
        Assert.Equal(400L, await ScalarAsync(db, "select count(*) from skills.versions"));
        Assert.Equal((long)expectedSections, await ScalarAsync(db, "select count(*) from skills.sections"));
        Assert.Equal((long)indexedSections, await ScalarAsync(db,
            "select count(*) from search.documents d join search.collections c on c.id = d.collection_id where c.name = 'skills' and not d.deleted"));
        Assert.Equal(0L, await ScalarAsync(db, "select count(*) from durable.jobs where state = 'dead'"));
        Assert.Equal(0L, await ScalarAsync(db, "select count(*) from skills.run_files where status <> 'created'"));
    }

    private static async Task<long> ScalarAsync(NpgsqlDataSource db, string sql)
    {
        await using var command = db.CreateCommand(sql);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
