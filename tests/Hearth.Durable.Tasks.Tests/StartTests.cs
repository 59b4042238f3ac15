using DurableTask.Core;
using Npgsql;

namespace Hearth.Durable.Tasks.Tests;

/// <summary>What Hearth's client adds to Microsoft's: transactional, idempotent, owner-scoped starts.</summary>
public sealed class StartTests
{
    [Fact]
    public async Task A_start_inside_a_rolled_back_transaction_leaves_no_instance_and_a_committed_one_runs()
    {
        await using var hub = await TaskHarness.StartAsync();
        await using var connection = await hub.Db.OpenConnectionAsync();

        await using (var rolledBack = await connection.BeginTransactionAsync())
        {
            await hub.Client.StartAsync(nameof(Sequence), new[] { "Ada" }, new StartTaskOptions("lost"), rolledBack);
            await rolledBack.RollbackAsync();
        }
        await using (var committed = await connection.BeginTransactionAsync())
        {
            await hub.Client.StartAsync(nameof(Sequence), new[] { "Ada" }, new StartTaskOptions("kept"), committed);
            await committed.CommitAsync();
        }

        Assert.Null(await hub.Client.GetAsync("lost"));
        Assert.Equal(OrchestrationStatus.Completed, (await hub.CompletionAsync("kept")).Status);
    }

    [Fact]
    public async Task A_second_start_with_the_same_id_is_already_exists_not_an_error_unless_replacing_a_finished_one()
    {
        await using var hub = await TaskHarness.StartAsync();
        var first = await hub.Client.StartAsync(nameof(Sequence), new[] { "Ada" }, new StartTaskOptions("slot-1"));
        var again = await hub.Client.StartAsync(nameof(Sequence), new[] { "Bob" }, new StartTaskOptions("slot-1"));
        Assert.True(first.Created);
        Assert.False(again.Created);

        await hub.CompletionAsync("slot-1");
        Assert.False((await hub.Client.StartAsync(nameof(Sequence), new[] { "Bob" }, new StartTaskOptions("slot-1"))).Created);
        var replaced = await hub.Client.StartAsync(nameof(Sequence), new[] { "Bob" }, new StartTaskOptions("slot-1", ReplaceFinished: true));
        Assert.True(replaced.Created);

        var done = await hub.UntilAsync("slot-1", i => i.IsFinished && i.SerializedOutput!.Contains("Bob", StringComparison.Ordinal));
        Assert.Equal(["Hello, Bob!"], hub.Client.Read<List<string>>(done.SerializedOutput));
    }

    [Fact]
    public async Task Concurrent_starts_of_one_singleton_create_it_once()
    {
        await using var hub = await TaskHarness.StartAsync();
        var starts = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ =>
            hub.Client.StartAsync(nameof(Approval), TimeSpan.FromDays(1), new StartTaskOptions("the-one"))));

        Assert.Single(starts, s => s.Created);
        Assert.Equal(1L, await hub.ScalarAsync<long>("select count(*) from durabletask.instances"));
    }

    [Fact]
    public async Task Another_owner_can_neither_see_nor_raise_nor_terminate_nor_purge()
    {
        await using var hub = await TaskHarness.StartAsync();
        var start = await hub.Client.StartAsync(nameof(Approval), TimeSpan.FromDays(1), new StartTaskOptions(Owner: "alice"));

        Assert.Null(await hub.Client.GetAsync(start.InstanceId, owner: "bob"));
        Assert.False(await hub.Client.RaiseEventAsync(start.InstanceId, "approval", "bob", owner: "bob"));
        Assert.False(await hub.Client.TerminateAsync(start.InstanceId, owner: "bob"));
        Assert.True(await hub.Client.RaiseEventAsync(start.InstanceId, "approval", "alice", owner: "alice"));

        var done = await hub.CompletionAsync(start.InstanceId);
        Assert.Equal("approved by alice", hub.Client.Read<string>(done.SerializedOutput));
        Assert.False(await hub.Client.PurgeAsync(start.InstanceId, owner: "bob"));
        Assert.True(await hub.Client.PurgeAsync(start.InstanceId, owner: "alice"));
    }

    [Fact]
    public async Task An_event_for_an_unknown_instance_is_refused()
    {
        await using var hub = await TaskHarness.StartAsync();
        Assert.False(await hub.Client.RaiseEventAsync("nobody", "approval", "x"));
        Assert.Equal(0L, await hub.ScalarAsync<long>("select count(*) from durabletask.new_events"));
    }
}
