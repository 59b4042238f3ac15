using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Hearth.Chat;
using Hearth.Durable;
using Hearth.Durable.Migrations;
using Hearth.Functions.Pictures;
using Hearth.Images;
using Hearth.Testing.Fakes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Hearth.Benchmarks.Pictures;

/// <summary>
/// Picture jobs end to end through the real orchestration, activities, media store and webhook endpoint (Kestrel on
/// loopback): N base portraits started at once, with the placeholder painter, and with a fake Fal that completes at
/// submission and delivers a signed webhook. Measures jobs/s and each job's latency (created → finished).
/// </summary>
public sealed class PicturesHarness : IHarness
{
    public string Name => "pictures";
    public string Description => "picture jobs end to end: placeholder and fake-Fal webhook, jobs/s and latency (--jobs 200 --runs 3)";

    public async Task<int> RunAsync(string[] args)
    {
        var options = new HarnessArgs(args);
        var jobs = options.Int("jobs", 200);
        var runs = options.Int("runs", 3);

        await using var cluster = await BenchCluster.StartAsync();
        await using var fal = await FakeFalServer.StartAsync();
        var results = new Dictionary<string, List<(double JobsPerSecond, double P50, double P95)>> { ["placeholder"] = [], ["fal-webhook"] = [] };
        for (var r = 0; r < runs; r++)
        {
            foreach (var scenario in results.Keys)
            {
                await using var host = await PicturesBenchHost.StartAsync(await cluster.NewDatabaseAsync("pictures"), scenario == "fal-webhook" ? fal : null);
                var result = await RunJobsAsync(host, jobs);
                results[scenario].Add(result);
                Console.WriteLine($"run {r + 1} {scenario}: {result.JobsPerSecond:N1} jobs/s, latency p50 {result.P50:N0} ms, p95 {result.P95:N0} ms");
            }
        }

        var report = new BenchReport("Picture jobs", $"./bench pictures {options}".Trim())
            .Parameter("jobs per run", jobs).Parameter("runs", runs)
            .Columns("scenario", "jobs/s (median)", "p50 latency ms (median)", "p95 latency ms (median)", "jobs/s per run");
        foreach (var (scenario, list) in results)
        {
            report.Row(scenario, BenchReport.Median(list.Select(x => x.JobsPerSecond)).ToString("N1"),
                BenchReport.Median(list.Select(x => x.P50)).ToString("N0"), BenchReport.Median(list.Select(x => x.P95)).ToString("N0"),
                string.Join(" / ", list.Select(x => x.JobsPerSecond.ToString("N1"))));
        }
        report.Note("Each job: row + orchestration start in one transaction, submit, (fake Fal: signed webhook over HTTP, verified, " +
                    "raised as an event; download from the fake's files), copy into the media store, deliver to a no-op chat double, " +
                    "row succeeded. Placeholder jobs paint a 384×512 PNG each (most of their cost). All jobs are started at once; " +
                    "latency is the row's finished_at − created_at.")
            .Publish();
        return 0;
    }

    private static async Task<(double JobsPerSecond, double P50, double P95)> RunJobsAsync(PicturesBenchHost host, int count)
    {
        var jobs = host.Services.GetRequiredService<IPictureJobs>();
        var clock = Stopwatch.StartNew();
        await Parallel.ForAsync(0, count, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
            await jobs.StartAsync(new PictureRequest("00000000-0000-4000-8000-0000000be4c1", $"agent-{i % 20}", PictureKind.BasePortrait, $"portrait {i}", null, null), null, ct));
        await using var db = NpgsqlDataSource.Create(host.ConnectionString);
        while (true)
        {
            await using var command = db.CreateCommand("select count(*) filter (where status in ('succeeded', 'failed')), count(*) filter (where status = 'failed') from images.jobs");
            await using var reader = await command.ExecuteReaderAsync();
            await reader.ReadAsync();
            if (reader.GetInt64(1) > 0) throw new InvalidOperationException("A picture job failed; see the log.");
            if (reader.GetInt64(0) == count) break;
            await Task.Delay(10);
        }
        var seconds = clock.Elapsed.TotalSeconds;
        var latencies = new List<double>(count);
        await using (var command = db.CreateCommand("select extract(epoch from finished_at - created_at) * 1000 from images.jobs"))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync()) latencies.Add((double)reader.GetDecimal(0));
        }
        latencies.Sort();
        return (count / seconds, BenchReport.Percentile(latencies, 50), BenchReport.Percentile(latencies, 95));
    }

    /// <summary>The pictures feature on its own: the durable runtime, the webhook endpoint on loopback, no-op chat doubles.</summary>
    private sealed class PicturesBenchHost : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly string _mediaRoot;

        private PicturesBenchHost(WebApplication app, string connectionString, string mediaRoot)
        {
            _app = app;
            ConnectionString = connectionString;
            _mediaRoot = mediaRoot;
        }

        public string ConnectionString { get; }

        public IServiceProvider Services => _app.Services;

        public static async Task<PicturesBenchHost> StartAsync(string connectionString, FakeFalServer? fal)
        {
            var port = FreePort();
            var mediaRoot = Path.Combine(Path.GetTempPath(), "hearth-bench-media", Guid.NewGuid().ToString("N")[..8]);
            var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Development", ContentRootPath = AppContext.BaseDirectory });
            builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, port));
            builder.Logging.ClearProviders();
            builder.Logging.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning);
            var settings = new Dictionary<string, string?> { ["Media:Root"] = mediaRoot };
            if (fal is not null)
            {
                settings["Fal:Key"] = fal.ApiKey;
                settings["Fal:QueueBaseUrl"] = fal.BaseUrl.ToString();
                settings["Fal:JwksUrl"] = fal.JwksUrl.ToString();
                settings["Fal:PublicBaseUrl"] = $"http://127.0.0.1:{port}";
            }
            builder.Configuration.AddInMemoryCollection(settings);
            // A factory, not an instance, so the container disposes the pool with the host.
            builder.Services.AddSingleton(_ => new NpgsqlDataSourceBuilder(connectionString + ";Max Auto Prepare=64;Auto Prepare Min Usages=2;Maximum Pool Size=50").Build());
            builder.Services.AddProblemDetails();
            builder.Services.AddDurable();
            builder.AddPictures();
            builder.Services.AddSingleton<IAgentPortraits, NoOpAgents>();
            builder.Services.AddSingleton<IChatPictures, NoOpChat>();
            var app = builder.Build();
            app.MapFalWebhook();
            await app.StartAsync();
            await app.Services.GetRequiredService<DatabaseReadiness>().WaitAsync(CancellationToken.None);
            return new PicturesBenchHost(app, connectionString, mediaRoot);
        }

        private static int FreePort()
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
            try { Directory.Delete(_mediaRoot, recursive: true); } catch (DirectoryNotFoundException) { }
        }
    }

    private sealed class NoOpAgents : IAgentPortraits
    {
        public Task<bool> SetBasePortraitAsync(string ownerId, string agentId, string mediaId, CancellationToken ct) => Task.FromResult(true);

        public Task<AgentLook?> GetLookAsync(string ownerId, string agentId, CancellationToken ct) =>
            Task.FromResult<AgentLook?>(new AgentLook(agentId, "Bench", "Portrait photo of a benchmark", null));
    }

    private sealed class NoOpChat : IChatPictures
    {
        public Task<string> PostPictureAsync(string ownerId, string agentId, string? sessionId, string imageJobId, string mediaId, string? caption, CancellationToken ct) =>
            Task.FromResult("msg-" + imageJobId);
    }
}
