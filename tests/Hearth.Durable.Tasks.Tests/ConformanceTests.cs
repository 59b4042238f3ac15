using DurableTask.Core;
using Microsoft.DurableTask;

namespace Hearth.Durable.Tasks.Tests;

/// <summary>The task store under DurableTask.Core: what an orchestration written with Microsoft.DurableTask relies on.</summary>
public sealed class ConformanceTests
{
    [Fact]
    public async Task A_sequence_replays_to_its_result_and_runs_each_activity_once()
    {
        await using var hub = await TaskHarness.StartAsync();
        var start = await hub.Client.StartAsync(nameof(Sequence), new[] { "Ada", "Grace", "Linus" });

        var done = await hub.CompletionAsync(start.InstanceId);

        Assert.Equal(OrchestrationStatus.Completed, done.Status);
        Assert.Equal(["Hello, Ada!", "Hello, Grace!", "Hello, Linus!"], hub.Client.Read<List<string>>(done.SerializedOutput));
        foreach (var name in new[] { "Ada", "Grace", "Linus" })
            Assert.Equal(1, hub.Probe.Runs($"{start.InstanceId}/greet/{name}"));
        // Three replays after the first run: each one scheduled the next call from the recorded history.
        Assert.Equal(3L, await hub.ScalarAsync<long>("select count(*) from durabletask.history where instance_id = $1 and event_type = 'TaskCompleted'", start.InstanceId));
        Assert.Equal(0L, await hub.ScalarAsync<long>("select count(*) from durabletask.new_events"));
        Assert.Equal(0L, await hub.ScalarAsync<long>("select count(*) from durabletask.new_tasks"));
    }

    [Fact]
    public async Task A_fan_out_fans_back_in_with_every_result()
    {
        await using var hub = await TaskHarness.StartAsync();
        var start = await hub.Client.StartAsync(nameof(FanOut), new FanOutInput(300));

        var done = await hub.CompletionAsync(start.InstanceId);

        Assert.Equal(Enumerable.Range(1, 300).Sum(n => (long)n * n), hub.Client.Read<long>(done.SerializedOutput));
        Assert.Equal(300, hub.Probe.TotalRuns);
    }

    [Fact]
    public async Task An_event_raised_before_the_orchestration_waits_is_buffered_and_delivered()
    {
        await using var hub = await TaskHarness.StartAsync();
        var start = await hub.Client.StartAsync(nameof(Approval), TimeSpan.FromDays(1));

        Assert.True(await hub.Client.RaiseEventAsync(start.InstanceId, "approval", "early bird"));
        var done = await hub.CompletionAsync(start.InstanceId);

        Assert.Equal("approved by early bird", hub.Client.Read<string>(done.SerializedOutput));
    }

    [Fact]
    public async Task An_event_raised_while_the_orchestration_waits_wins_the_race_against_its_timer()
    {
        await using var hub = await TaskHarness.StartAsync();
        var start = await hub.Client.StartAsync(nameof(Approval), TimeSpan.FromDays(1));
        await hub.UntilAsync(start.InstanceId, i => i.SerializedCustomStatus is not null);

        Assert.True(await hub.Client.RaiseEventAsync(start.InstanceId, "approval", "Grace"));
        var done = await hub.CompletionAsync(start.InstanceId);

        Assert.Equal("approved by Grace", hub.Client.Read<string>(done.SerializedOutput));
        Assert.Equal("waiting", hub.Client.Read<string>(done.SerializedCustomStatus));
    }

    [Fact]
    public async Task Continue_as_new_runs_executions_in_turn_and_keeps_only_the_last_history()
    {
        await using var hub = await TaskHarness.StartAsync();
        var start = await hub.Client.StartAsync(nameof(Counter), new CounterInput(Target: 5));

        var done = await hub.CompletionAsync(start.InstanceId);

        Assert.Equal(OrchestrationStatus.Completed, done.Status);
        Assert.Equal(5, hub.Client.Read<int>(done.SerializedOutput));
        Assert.Equal(new CounterInput(5, 5, 16), hub.Client.Read<CounterInput>(done.SerializedInput));
        Assert.Equal(1L, await hub.ScalarAsync<long>("select count(distinct execution_id) from durabletask.history where instance_id = $1", start.InstanceId));
        Assert.Equal(0L, await hub.ScalarAsync<long>("select count(*) from durabletask.history where instance_id = $1 and event_type = 'TaskScheduled'", start.InstanceId));
    }

    [Fact]
    public async Task A_failing_activity_is_retried_by_its_policy_then_the_failure_reaches_the_orchestrator()
    {
        await using var hub = await TaskHarness.StartAsync();
        var start = await hub.Client.StartAsync(nameof(Retrying), 3);

        var done = await hub.CompletionAsync(start.InstanceId);

        Assert.Equal("gave up: System.InvalidOperationException: flaky refuses please", hub.Client.Read<string>(done.SerializedOutput));
        Assert.Equal(3, hub.Probe.Runs($"{start.InstanceId}/flaky"));
    }

    [Fact]
    public async Task An_unhandled_activity_failure_fails_the_orchestration_with_its_details()
    {
        await using var hub = await TaskHarness.StartAsync();
        var start = await hub.Client.StartAsync(nameof(Unguarded), "now");

        var done = await hub.CompletionAsync(start.InstanceId);

        Assert.Equal(OrchestrationStatus.Failed, done.Status);
        Assert.NotNull(done.Failure);
        Assert.Contains("flaky refuses now", done.Failure!.ErrorMessage);
        Assert.Equal(1, hub.Probe.Runs($"{start.InstanceId}/flaky"));
    }

    [Fact]
    public async Task Sub_orchestrations_run_as_instances_of_their_own_and_report_to_the_parent()
    {
        await using var hub = await TaskHarness.StartAsync();
        var start = await hub.Client.StartAsync(nameof(Parent), 4, new StartTaskOptions(InstanceId: "family", Owner: "alice"));

        var done = await hub.CompletionAsync(start.InstanceId);

        Assert.Equal(1 + 4 + 9 + 16, hub.Client.Read<int>(done.SerializedOutput));
        var child = await hub.Client.GetAsync("family-child-3", owner: "alice");
        Assert.NotNull(child);
        Assert.Equal(OrchestrationStatus.Completed, child!.Status);
        Assert.Equal("family", child.ParentInstanceId);
        Assert.Null(await hub.Client.GetAsync("family-child-3", owner: "bob"));
    }

    [Fact]
    public async Task Terminate_ends_a_waiting_instance_and_later_events_change_nothing()
    {
        await using var hub = await TaskHarness.StartAsync();
        var start = await hub.Client.StartAsync(nameof(Approval), TimeSpan.FromDays(1));
        await hub.UntilAsync(start.InstanceId, i => i.SerializedCustomStatus is not null);

        Assert.True(await hub.Client.TerminateAsync(start.InstanceId, "no longer needed"));
        var done = await hub.CompletionAsync(start.InstanceId);
        Assert.Equal(OrchestrationStatus.Terminated, done.Status);

        await hub.Client.RaiseEventAsync(start.InstanceId, "approval", "too late");
        await hub.UntilAsync(start.InstanceId, _ => true);
        Assert.Equal(OrchestrationStatus.Terminated, (await hub.Client.GetAsync(start.InstanceId))!.Status);
    }

    [Fact]
    public async Task Purge_removes_a_finished_instance_and_its_history_but_never_a_running_one()
    {
        await using var hub = await TaskHarness.StartAsync();
        var finished = await hub.Client.StartAsync(nameof(Sequence), new[] { "Ada" });
        var waiting = await hub.Client.StartAsync(nameof(Approval), TimeSpan.FromDays(1));
        await hub.CompletionAsync(finished.InstanceId);
        await hub.UntilAsync(waiting.InstanceId, i => i.SerializedCustomStatus is not null);

        Assert.False(await hub.Client.PurgeAsync(waiting.InstanceId));
        Assert.True(await hub.Client.PurgeAsync(finished.InstanceId));

        Assert.Null(await hub.Client.GetAsync(finished.InstanceId));
        Assert.Equal(0L, await hub.ScalarAsync<long>("select count(*) from durabletask.history where instance_id = $1", finished.InstanceId));
        Assert.NotNull(await hub.Client.GetAsync(waiting.InstanceId));
    }

    [Fact]
    public async Task Retention_purges_instances_finished_before_the_cutoff_only()
    {
        await using var hub = await TaskHarness.StartAsync();
        var finished = await hub.Client.StartAsync(nameof(Sequence), new[] { "Ada" });
        var waiting = await hub.Client.StartAsync(nameof(Approval), TimeSpan.FromDays(1));
        await hub.CompletionAsync(finished.InstanceId);
        await hub.UntilAsync(waiting.InstanceId, i => i.SerializedCustomStatus is not null);

        Assert.Equal(0, await hub.Client.PurgeFinishedBeforeAsync(DateTimeOffset.UtcNow.AddDays(-1)));
        Assert.Equal(1, await hub.Client.PurgeFinishedBeforeAsync(DateTimeOffset.UtcNow.AddMinutes(1)));

        Assert.Null(await hub.Client.GetAsync(finished.InstanceId));
        Assert.NotNull(await hub.Client.GetAsync(waiting.InstanceId));
    }
}
