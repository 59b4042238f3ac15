using DurableTask.Core;
using Hearth.Testing;

namespace Hearth.Durable.Tasks.Tests;

/// <summary>Several workers on one database: shared work, no instance replayed by two at once, recovery after a kill.</summary>
public sealed class WorkerTests
{
    [Fact]
    public async Task Two_workers_share_the_work_and_never_run_an_instance_twice_at_once()
    {
        var database = await TestPostgres.CreateDatabaseAsync();
        var probe = new Probe();
        await using var one = await TaskHarness.StartAsync(database, probe: probe);
        await using var two = await TaskHarness.StartAsync(database, probe: probe);

        var starts = new List<string>();
        for (var i = 0; i < 10; i++)
            starts.Add((await (i % 2 == 0 ? one : two).Client.StartAsync(nameof(FanOut), new FanOutInput(50))).InstanceId);

        foreach (var id in starts)
        {
            var done = await one.CompletionAsync(id, seconds: 60);
            Assert.Equal(Enumerable.Range(1, 50).Sum(n => (long)n * n), one.Client.Read<long>(done.SerializedOutput));
        }
        // Had two workers replayed one instance at once, both would have scheduled its calls: every call ran once.
        Assert.Equal(500, probe.AllRuns.Count);
        Assert.All(probe.AllRuns, run => Assert.Equal(1, run.Value));
        Assert.Equal(0L, await one.ScalarAsync<long>(
            "select count(*) from (select 1 from durabletask.history where event_type = 'TaskScheduled' group by instance_id, event::jsonb->>'EventId' having count(*) > 1) d"));
    }

    [Fact]
    public async Task A_killed_worker_s_orchestration_is_finished_by_another_after_the_lease()
    {
        var database = await TestPostgres.CreateDatabaseAsync();
        var first = await TaskHarness.StartAsync(database);
        await using var _ = first;
        var start = await first.Client.StartAsync(nameof(FanOut), new FanOutInput(20, Gated: true));
        await Eventually.TrueAsync(() => Task.FromResult(first.Probe.Gated > 0), TimeSpan.FromSeconds(30), "an activity to wait at its gate");

        first.Kill();
        var killedAt = DateTimeOffset.UtcNow;
        first.Probe.OpenAllGates(); // its activities finish, but a killed worker records nothing
        await using var second = await TaskHarness.StartAsync(database);
        second.Probe.OpenAllGates();

        var done = await second.CompletionAsync(start.InstanceId, seconds: 60);

        Assert.Equal(Enumerable.Range(1, 20).Sum(), second.Client.Read<long>(done.SerializedOutput));
        Assert.Equal(OrchestrationStatus.Completed, done.Status);
        // Every call the first worker held was taken over after its lease and run once by the second.
        Assert.Equal(20, second.Probe.AllRuns.Count);
        Assert.True(done.CompletedAt >= killedAt, "finished after the kill");
    }
}
