using DurableTask.Core;
using Hearth.Testing;
using Npgsql;
using Xunit.Abstractions;

namespace Hearth.Durable.Tasks.Tests;

/// <summary>
/// Real host processes on one database (Hearth.Durable.TestHost with PROBE_TASKS=1): the task store's worker in two
/// processes, one of them killed with SIGKILL in the middle of a fan-out.
/// </summary>
[Collection("processes")]
public sealed class ProcessTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task Two_host_processes_drain_a_1000_activity_fan_out_and_a_SIGKILL_of_one_mid_way_loses_nothing()
    {
        var database = await TestPostgres.CreateDatabaseAsync();
        await using (var db = NpgsqlDataSource.Create(database))
        await using (var create = db.CreateCommand("""
            create schema probe;
            create table probe.finished (key text, worker text, attempt int, at timestamptz default clock_timestamp());
            """))
            await create.ExecuteNonQueryAsync();
        // This process only starts and reads: the two hosts below run the orchestration and its activities.
        await using var client = await TaskHarness.StartAsync(database, runWorkers: false);
        await using var hosts = new Hosts(database);
        var a = await hosts.StartAsync("host-a");
        await hosts.StartAsync("host-b");

        const int count = 1000;
        var start = await client.Client.StartAsync("ProbeFanOut", new { Count = count, SleepMs = 40 });
        await Eventually.TrueAsync(async () =>
                await client.ScalarAsync<long>("select count(*) from probe.finished where worker = 'host-a'") >= 50
                && await client.ScalarAsync<long>("select count(*) from probe.finished where worker = 'host-b'") >= 50,
            Wait, "both hosts to run activities");

        a.Kill(); // SIGKILL: no hand-back, no drain; its locks stay until the lease runs out
        var killedAt = DateTimeOffset.UtcNow;
        var finishedAtKill = await client.ScalarAsync<long>("select count(distinct key) from probe.finished");
        Assert.True((await client.Client.GetAsync(start.InstanceId))!.Status == OrchestrationStatus.Running, "the kill came before the end");

        var done = await client.CompletionAsync(start.InstanceId, seconds: (int)Wait.TotalSeconds);
        var took = done.CompletedAt!.Value - killedAt;
        var runs = await client.ScalarAsync<long>("select count(*) from probe.finished");
        var distinct = await client.ScalarAsync<long>("select count(distinct key) from probe.finished");
        var byA = await client.ScalarAsync<long>("select count(*) from probe.finished where worker = 'host-a'");
        output.WriteLine($"{count} activities: {finishedAtKill} done at the kill, {runs} runs ({runs - distinct} run twice), host A ran {byA}; finished {took.TotalSeconds:0.0} s after the kill");

        Assert.Equal(OrchestrationStatus.Completed, done.Status);
        Assert.Equal(Enumerable.Range(1, count).Sum(n => (long)n * n), client.Client.Read<long>(done.SerializedOutput));
        Assert.Equal(count, distinct); // every call ran and its result reached the orchestration
        Assert.InRange(finishedAtKill, 100, count - 1);
        Assert.True(runs - byA > count - finishedAtKill, "host B finished what host A left");
        // Only calls host A had run but not yet recorded when it died may run again: at most its slots and its batch.
        Assert.InRange(runs - distinct, 0, 2 * new TaskStoreOptions().MaxConcurrentActivities);
    }

    /// <summary>Host processes of Hearth.Durable.TestHost with the task store's worker, lease 3 s.</summary>
    private sealed class Hosts(string connectionString) : IAsyncDisposable
    {
        private readonly List<ChildProcess> _processes = [];

        private static string HostDll
        {
            get
            {
                var testDir = AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar);
                var dll = testDir.Replace("Hearth.Durable.Tasks.Tests", "Hearth.Durable.TestHost") + "/Hearth.Durable.TestHost.dll";
                return File.Exists(dll) ? dll : throw new FileNotFoundException("Build Hearth.Durable.TestHost first.", dll);
            }
        }

        public async Task<ChildProcess> StartAsync(string worker)
        {
            var process = ChildProcess.StartDotnet(HostDll, new Dictionary<string, string?>
            {
                ["PROBE_CONNECTION"] = connectionString,
                ["PROBE_WORKER"] = worker,
                ["PROBE_TASKS"] = "1",
                ["PROBE_LEASE_MS"] = "3000",
            });
            _processes.Add(process);
            await process.WaitForOutputAsync("READY", TimeSpan.FromSeconds(60));
            return process;
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var process in _processes) await process.DisposeAsync();
        }
    }
}
