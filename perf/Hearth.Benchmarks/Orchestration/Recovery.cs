using System.Diagnostics;
using Hearth.Durable;
using Hearth.Durable.Migrations;
using Hearth.Durable.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Hearth.Benchmarks.Orchestration;

/// <summary>
/// Recovery after kill -9: two host processes (Hearth.Durable.TestHost with the task store's worker, built by
/// <c>./bench</c>) drain a fan-out of slow activities; one is killed with SIGKILL mid-way. Timed from the kill to the
/// instance reading Completed with the right sum: what the killed host held waits out its lease, then the survivor
/// takes it.
/// </summary>
internal static class Recovery
{
    public sealed record Figures(double Seconds, double LeaseSeconds, long DoneAtKill, long RunTwice);

    private static string HostDll => Path.GetFullPath("tests/Hearth.Durable.TestHost/bin/Release/net10.0/Hearth.Durable.TestHost.dll");

    public static bool Available => File.Exists(HostDll);

    public static async Task<Figures> TaskEngineAsync(string connectionString, int count, int sleepMs, TimeSpan lease)
    {
        await using (var db = NpgsqlDataSource.Create(connectionString))
        await using (var create = db.CreateCommand("""
            create schema probe;
            create table probe.finished (key text, worker text, attempt int, at timestamptz default clock_timestamp());
            """))
            await create.ExecuteNonQueryAsync();

        // This process starts and reads only (its migrations make the tables); the two hosts run the work.
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        var source = new NpgsqlDataSourceBuilder(connectionString).Build();
        builder.Services.AddSingleton(source);
        builder.Services.AddDurable(o => o.RunWorkers = false);
        builder.Services.AddDurableTasks();
        using var host = builder.Build();
        await host.StartAsync();
        await host.Services.GetRequiredService<DatabaseReadiness>().WaitAsync(CancellationToken.None);
        var client = host.Services.GetRequiredService<TaskClient>();

        using var a = await StartHostAsync(connectionString, "host-a", lease);
        using var b = await StartHostAsync(connectionString, "host-b", lease);
        try
        {
            var start = await client.StartAsync("ProbeFanOut", new { Count = count, SleepMs = sleepMs });
            while (await ScalarAsync(source, "select count(*) from probe.finished where worker = 'host-a'") < count / 10
                   || await ScalarAsync(source, "select count(*) from probe.finished where worker = 'host-b'") < count / 10)
                await Task.Delay(5);

            a.Kill(); // SIGKILL: no hand-back, no drain
            var clock = Stopwatch.StartNew();
            var doneAtKill = await ScalarAsync(source, "select count(distinct key) from probe.finished");
            TaskInstance? finished;
            while ((finished = await client.GetAsync(start.InstanceId)) is not { IsFinished: true }) await Task.Delay(5);
            var seconds = clock.Elapsed.TotalSeconds;
            if (client.Read<long>(finished.SerializedOutput) != Enumerable.Range(1, count).Sum(n => (long)n * n))
                throw new InvalidOperationException($"The recovered fan-out ended {finished.Status} with a wrong result.");
            var runs = await ScalarAsync(source, "select count(*) from probe.finished");
            var distinct = await ScalarAsync(source, "select count(distinct key) from probe.finished");
            if (distinct != count) throw new InvalidOperationException($"Only {distinct} of {count} calls ran.");
            return new Figures(seconds, lease.TotalSeconds, doneAtKill, runs - distinct);
        }
        finally
        {
            if (!b.HasExited) b.Kill();
            await host.StopAsync();
        }
    }

    private static async Task<long> ScalarAsync(NpgsqlDataSource db, string sql)
    {
        await using var command = db.CreateCommand(sql);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static async Task<Process> StartHostAsync(string connectionString, string worker, TimeSpan lease)
    {
        var info = new ProcessStartInfo("dotnet", [HostDll]) { RedirectStandardOutput = true, UseShellExecute = false };
        info.Environment["PROBE_CONNECTION"] = connectionString;
        info.Environment["PROBE_WORKER"] = worker;
        info.Environment["PROBE_TASKS"] = "1";
        info.Environment["PROBE_LEASE_MS"] = ((int)lease.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var process = Process.Start(info) ?? throw new InvalidOperationException("Could not start Hearth.Durable.TestHost.");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
            if (line == "READY") break;
        // Keep reading so the child never blocks on a full pipe.
        _ = Task.Run(async () => { while (await process.StandardOutput.ReadLineAsync() is not null) { } });
        return process;
    }
}
