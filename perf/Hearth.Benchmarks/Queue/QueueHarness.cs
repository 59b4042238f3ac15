using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Hearth.Durable;
using Hearth.Durable.Jobs;
using Hearth.Durable.Migrations;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Hearth.Benchmarks.Queue;

/// <summary>
/// No-op jobs burned down end to end (enqueued in batches, then executed and completed) at equal concurrency on one
/// local PostgreSQL, for Hearth, graphile-worker and pg-boss; plus pickup latency of single jobs on an idle worker.
/// </summary>
public sealed class QueueHarness : IHarness
{
    public string Name => "queue";
    public string Description => "jobs/s and pickup latency vs graphile-worker and pg-boss (--jobs 20000 --runs 3 --concurrency 32 --batch 16 --samples 200 --owners 1 --no-peers)";

    private sealed record Ping(long SentAtTicks);

    public async Task<int> RunAsync(string[] args)
    {
        var options = new HarnessArgs(args);
        var jobs = options.Int("jobs", 20_000);
        var runs = options.Int("runs", 3);
        var concurrency = options.Int("concurrency", 32);
        var samples = options.Int("samples", 200);
        var peers = !options.Flag("no-peers");
        // --owners N spreads the jobs over N owners (fair share takes batches owner by owner); 1 is jobs without an owner.
        var owners = options.Int("owners", 1);

        await using var cluster = await BenchCluster.StartAsync();
        var report = new BenchReport("Queue: no-op jobs end to end", $"./bench queue {options}".Trim())
            .Parameter("jobs", jobs).Parameter("runs", runs).Parameter("concurrency", concurrency).Parameter("latency samples", samples).Parameter("owners", owners)
            .Columns("system", "configuration", "jobs/s (median)", "runs (jobs/s)", "pickup p50 ms", "pickup p95 ms", "Hearth ÷ this");

        // A fresh cluster creates and zero-fills WAL segments as it goes; a server that has run a while recycles them.
        // One unmeasured burn-down first, then the systems take turns run by run, so none gets the warm server for free.
        var half = options.Int("batch", Math.Max(1, concurrency / 2));
        await HearthThroughputAsync(cluster, jobs, half, concurrency - half, owners);

        var peerDir = Path.Combine(Repository.Root, "perf", "peers");
        var systems = new List<(string System, string Config, Func<Task<double>> Run, Func<Task<(double P50, double P95)>> Latency)>
        {
            ("Hearth", $"batchSize {half}, newBatchThreshold {concurrency - half}",
                () => HearthThroughputAsync(cluster, jobs, half, concurrency - half, owners),
                () => HearthLatencyAsync(cluster, samples, half, concurrency - half)),
        };
        if (peers)
        {
            foreach (var (script, system, variants) in new[]
            {
                ("graphile.mjs", "graphile-worker 0.17.3", new[] { "default", "batched" }),
                ("pgboss.mjs", "pg-boss 12.33.7", new[] { "batch", "teams" }),
            })
            {
                foreach (var variant in variants)
                {
                    systems.Add((system, variant,
                        async () => (await PeerAsync(peerDir, script, await cluster.NewDatabaseAsync("peer"), "throughput", variant, jobs, concurrency, samples)).GetProperty("perSecond").GetDouble(),
                        async () =>
                        {
                            var latency = await PeerAsync(peerDir, script, await cluster.NewDatabaseAsync("peer"), "latency", variant, jobs, concurrency, samples);
                            return (latency.GetProperty("p50").GetDouble(), latency.GetProperty("p95").GetDouble());
                        }));
                }
            }
        }

        var throughput = systems.Select(_ => new List<double>()).ToList();
        for (var r = 0; r < runs; r++)
        {
            for (var i = 0; i < systems.Count; i++)
            {
                throughput[i].Add(await systems[i].Run());
                Console.WriteLine($"run {r + 1}: {systems[i].System} ({systems[i].Config}) {throughput[i][^1]:N0} jobs/s");
            }
        }
        var results = new List<(string System, string Config, double Median, double[] Runs, double P50, double P95)>();
        for (var i = 0; i < systems.Count; i++)
        {
            var (p50, p95) = await systems[i].Latency();
            results.Add((systems[i].System, systems[i].Config, BenchReport.Median(throughput[i]), throughput[i].ToArray(), p50, p95));
        }

        var hearth = results[0].Median;
        foreach (var (system, config, median, runValues, p50, p95) in results)
            report.Row(system, config, median, string.Join(" / ", runValues.Select(v => v.ToString("N0"))), p50, p95, system == "Hearth" ? "1" : (hearth / median).ToString("0.00") + "×");
        report.Note("Each run uses a fresh database on the same embedded PostgreSQL (default, durable settings), after one unmeasured warm-up burn-down; the systems take turns run by run. Jobs are enqueued first (not timed); the clock runs from starting the workers until the handlers ran every job and the database shows none unfinished. Equal concurrency: at most the same number of jobs executing at once (Hearth: batchSize + newBatchThreshold, Functions' definition). Pickup latency: one job at a time on an idle worker, enqueue to handler start.");
        report.Publish();
        return 0;
    }

    private static async Task<IHost> StartHostAsync(string connectionString, int batchSize, int threshold, bool workers, Action<DurableBuilder> register)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddSingleton(new NpgsqlDataSourceBuilder(connectionString + ";Max Auto Prepare=32;Auto Prepare Min Usages=2").Build());
        var durable = builder.Services.AddDurable(o =>
        {
            o.BatchSize = batchSize;
            o.NewBatchThreshold = threshold;
            o.RunWorkers = workers;
            o.RunTimers = false;
        });
        register(durable);
        var host = builder.Build();
        await host.StartAsync();
        await host.Services.GetRequiredService<DatabaseReadiness>().WaitAsync(CancellationToken.None);
        return host;
    }

    private static async Task<double> HearthThroughputAsync(BenchCluster cluster, int jobs, int batchSize, int threshold, int owners)
    {
        var connectionString = await cluster.NewDatabaseAsync("hearth");
        using (var client = await StartHostAsync(connectionString, batchSize, threshold, false, _ => { }))
        {
            var jobClient = client.Services.GetRequiredService<IJobClient>();
            for (var i = 0; i < jobs; i += 1000)
                await jobClient.EnqueueManyAsync(Enumerable.Range(i, Math.Min(1000, jobs - i))
                    .Select(n => new JobRequest("noop", n, owners > 1 ? new EnqueueOptions { Owner = $"owner-{n % owners}" } : null)).ToList());
            await client.StopAsync();
        }
        await using var db = NpgsqlDataSource.Create(connectionString);
        // Handlers count themselves, so the database is only asked at the end (polling it would steal CPU from the run).
        var executed = 0;
        var allExecuted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var clock = Stopwatch.StartNew();
        using var worker = await StartHostAsync(connectionString, batchSize, threshold, true, d => d.AddFunction<int>("noop", (_, _, _) =>
        {
            if (Interlocked.Increment(ref executed) == jobs) allExecuted.TrySetResult();
            return Task.CompletedTask;
        }));
        await allExecuted.Task;
        await WaitUntilZeroAsync(db, "select count(*) from durable.jobs where state in ('ready', 'running')");
        var seconds = clock.Elapsed.TotalSeconds;
        await worker.StopAsync();
        return jobs / seconds;
    }

    private static async Task<(double P50, double P95)> HearthLatencyAsync(BenchCluster cluster, int samples, int batchSize, int threshold)
    {
        var connectionString = await cluster.NewDatabaseAsync("hearth");
        var latencies = new ConcurrentBag<double>();
        TaskCompletionSource? handled = null;
        using var host = await StartHostAsync(connectionString, batchSize, threshold, true, d => d.AddFunction<Ping>("ping", (ping, _, _) =>
        {
            latencies.Add(TimeSpan.FromTicks(DateTime.UtcNow.Ticks - ping.SentAtTicks).TotalMilliseconds);
            handled!.TrySetResult();
            return Task.CompletedTask;
        }));
        var jobs = host.Services.GetRequiredService<IJobClient>();
        await Task.Delay(500);
        for (var i = 0; i < samples; i++)
        {
            handled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            await jobs.EnqueueAsync("ping", new Ping(DateTime.UtcNow.Ticks));
            await handled.Task.WaitAsync(TimeSpan.FromSeconds(30));
            await Task.Delay(5 + Random.Shared.Next(15));
        }
        await host.StopAsync();
        var sorted = latencies.Order().ToList();
        return (BenchReport.Percentile(sorted, 50), BenchReport.Percentile(sorted, 95));
    }

    private static async Task WaitUntilZeroAsync(NpgsqlDataSource db, string sql)
    {
        while (true)
        {
            await using var command = db.CreateCommand(sql);
            if ((long)(await command.ExecuteScalarAsync())! == 0) return;
            await Task.Delay(5);
        }
    }

    private static async Task<JsonElement> PeerAsync(string peerDir, string script, string connectionString, string mode, string variant, int jobs, int concurrency, int samples)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        var url = $"postgres://{builder.Username}:{Uri.EscapeDataString(builder.Password!)}@{builder.Host}:{builder.Port}/{builder.Database}";
        var info = new ProcessStartInfo("node", script) { WorkingDirectory = peerDir, RedirectStandardOutput = true, RedirectStandardError = true };
        info.Environment["PEER_CONNECTION"] = url;
        info.Environment["PEER_MODE"] = mode;
        info.Environment["PEER_VARIANT"] = variant;
        info.Environment["PEER_JOBS"] = jobs.ToString(System.Globalization.CultureInfo.InvariantCulture);
        info.Environment["PEER_CONCURRENCY"] = concurrency.ToString(System.Globalization.CultureInfo.InvariantCulture);
        info.Environment["PEER_SAMPLES"] = samples.ToString(System.Globalization.CultureInfo.InvariantCulture);
        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        var line = stdout.Split('\n').FirstOrDefault(l => l.StartsWith("RESULT ", StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"{script} {mode} {variant} printed no result (exit {process.ExitCode}):\n{stdout}\n{await stderr}");
        return JsonDocument.Parse(line["RESULT ".Length..]).RootElement.Clone();
    }
}
