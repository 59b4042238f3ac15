using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Hearth.Testing;
using Hearth.Testing.Host;
using Npgsql;

namespace Hearth.Proof.Tests.Chaos;

/// <summary>
/// The host SIGKILLed while picture orchestrations are in flight (the placeholder painter: submit, store, deliver run at
/// once), restarted on the same database and media folder: every acknowledged job finishes, each picture is stored once
/// and posted into the chat once. (A kill while a Fal job waits for its webhook: Hearth.Images.Tests' PictureProcessTests.)
/// </summary>
[Trait("Category", "Chaos")]
public sealed class HostKillTests : IAsyncLifetime
{
    private const string DevToken = "chaos-kill";
    private const int Pictures = 12;
    private readonly string _mediaRoot = Path.Combine(Path.GetTempPath(), "hearth-proof-kill", Guid.NewGuid().ToString("N")[..10]);
    private string _database = null!;

    public async Task InitializeAsync() => _database = await TestPostgres.CreateDatabaseAsync();

    public Task DisposeAsync()
    {
        try { Directory.Delete(_mediaRoot, recursive: true); } catch (DirectoryNotFoundException) { }
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Picture_jobs_acknowledged_before_a_SIGKILL_finish_after_the_restart_and_nothing_is_duplicated()
    {
        var port = HostProcess.FreePort();
        var baseUrl = new Uri($"http://127.0.0.1:{port}");
        var environment = new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["ASPNETCORE_URLS"] = baseUrl.ToString(),
            ["ConnectionStrings__Postgres"] = _database,
            ["Auth__DevToken"] = DevToken,
            ["Media__Root"] = _mediaRoot,
            ["RateLimits__Pictures__PermitLimit"] = "0",
            ["AzureFunctionsJobHost__extensions__queues__leaseDuration"] = "00:00:05", // a dead host's jobs come back soon
        };
        using var client = new HttpClient { BaseAddress = baseUrl, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", DevToken + ":kim");

        var jobs = new List<string>();
        await using (var first = HostProcess.Start(environment))
        {
            await first.WaitUntilReadyAsync(new Uri(baseUrl, "/readyz").ToString(), TimeSpan.FromSeconds(90));
            using var created = await client.PostAsJsonAsync("/api/agents", new { name = "Kai", timezone = "UTC", appearancePrompt = "curly hair, yellow raincoat" });
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            var agent = await created.Content.ReadFromJsonAsync<JsonElement>();
            jobs.Add(agent.GetProperty("portraitJobId").GetString()!);
            var agentId = agent.GetProperty("id").GetString()!;
            var requests = Enumerable.Range(0, Pictures).Select(async i =>
            {
                using var response = await client.PostAsJsonAsync($"/api/agents/{agentId}/images", new { prompt = $"scene {i}" });
                Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
                return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
            });
            jobs.AddRange(await Task.WhenAll(requests));

            first.Kill(); // every job above was acknowledged (202); some are mid-flight now
            await first.WaitForExitAsync(TimeSpan.FromSeconds(30));
        }
        var unfinishedAtKill = await ScalarAsync("select count(*) from images.jobs where status not in ('succeeded', 'failed')");

        await using var second = HostProcess.Start(environment);
        await second.WaitUntilReadyAsync(new Uri(baseUrl, "/readyz").ToString(), TimeSpan.FromSeconds(90));
        foreach (var job in jobs)
        {
            var done = await Eventually.ValueAsync(() => client.GetFromJsonAsync<JsonElement>($"/api/images/{job}"),
                j => j.GetProperty("status").GetString() is "succeeded" or "failed", TimeSpan.FromSeconds(90), $"job {job} to finish");
            Assert.True(done.GetProperty("status").GetString() == "succeeded", done.ToString());
            Assert.Single(done.GetProperty("images").EnumerateArray());
        }

        Assert.Equal((long)jobs.Count, await ScalarAsync("select count(*) from images.job_images"));
        Assert.Equal((long)Pictures, await ScalarAsync("select count(*) from chat.messages where kind = 'picture'"));
        Assert.Equal(0L, await ScalarAsync("select count(*) from (select image_job_id from chat.messages where kind = 'picture' group by image_job_id having count(*) > 1) d"));
        // Every stored picture is referenced; copies a killed attempt may have left are not shown to anyone.
        var files = Directory.EnumerateFiles(_mediaRoot, "*", SearchOption.AllDirectories).Count();
        Console.WriteLine($"chaos: {jobs.Count} jobs, {unfinishedAtKill} unfinished at the kill, {files} files in the media folder");
    }

    private async Task<long> ScalarAsync(string sql)
    {
        await using var db = NpgsqlDataSource.Create(_database);
        return (long)(await db.CreateCommand(sql).ExecuteScalarAsync())!;
    }
}
