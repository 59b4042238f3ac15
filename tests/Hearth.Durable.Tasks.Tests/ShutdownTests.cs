using DurableTask.Core;
using Hearth.Testing;

namespace Hearth.Durable.Tasks.Tests;

/// <summary>Activities at host shutdown: cancelled through <see cref="ActivityShutdown"/>, handed back, not failed.</summary>
public sealed class ShutdownTests
{
    [Fact]
    public async Task An_activity_cancelled_by_the_shutdown_is_handed_back_and_runs_again_on_the_next_host_not_failed()
    {
        var database = await TestPostgres.CreateDatabaseAsync();
        var holding = new Probe { HoldUntilShutdown = true };
        var first = await TaskHarness.StartAsync(database, probe: holding, configure: o => o.LeaseDuration = TimeSpan.FromMinutes(10));
        var start = await first.Client.StartAsync(nameof(CallsPatience), 7);
        await Eventually.TrueAsync(() => Task.FromResult(holding.Runs($"{start.InstanceId}/patience") == 1), TimeSpan.FromSeconds(30), "the activity to start");

        await first.DisposeAsync(); // a graceful stop: the activity sees its token cancelled

        Assert.Equal(1, holding.Runs($"{start.InstanceId}/patience/cancelled"));
        // Not a failure: the call is back in the store, unlocked (no waiting out the 10-minute lease), and no result was recorded.
        Assert.Equal(1L, await ScalarAsync(database, "select count(*) from durabletask.new_tasks where instance_id = $1 and locked_by is null", start.InstanceId));
        Assert.Equal(0L, await ScalarAsync(database, "select count(*) from durabletask.new_events where instance_id = $1", start.InstanceId));

        await using var second = await TaskHarness.StartAsync(database, configure: o => o.LeaseDuration = TimeSpan.FromMinutes(10));
        var done = await second.CompletionAsync(start.InstanceId);

        Assert.Equal(OrchestrationStatus.Completed, done.Status);
        Assert.Equal(7, second.Client.Read<int>(done.SerializedOutput));
        Assert.Equal(1, second.Probe.Runs($"{start.InstanceId}/patience"));
    }

    private static async Task<long> ScalarAsync(string database, string sql, string instanceId)
    {
        await using var db = Npgsql.NpgsqlDataSource.Create(database);
        await using var command = db.CreateCommand(sql);
        command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = instanceId });
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
