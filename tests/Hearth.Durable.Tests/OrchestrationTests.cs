using Hearth.Durable.Jobs;
using Hearth.Durable.Orchestrations;
using Hearth.Testing;

namespace Hearth.Durable.Tests;

public sealed class OrchestrationTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    private static int _inFlight;
    private static int _maxInFlight;

    private static Task<DurableHarness> StartAsync(Action<DurableOptions>? configure = null) => Task.Run(async () =>
        await DurableHarness.StartAsync(await TestPostgres.CreateDatabaseAsync(), d => d
            .AddActivity<int, int>("add-one", (x, _, _) => Task.FromResult(x + 1))
            .AddActivity<int, long>("square", async (x, _, _) =>
            {
                var now = Interlocked.Increment(ref _inFlight);
                InterlockedMax(ref _maxInFlight, now);
                await Task.Yield();
                Interlocked.Decrement(ref _inFlight);
                return (long)x * x;
            })
            .AddActivity<int, int>("always-fails", (_, context, _) => throw new InvalidOperationException($"nope #{context.Attempt}"))
            .AddOrchestration<SequenceOrchestration>()
            .AddOrchestration<FanOutOrchestration>()
            .AddOrchestration<ApprovalOrchestration>()
            .AddOrchestration<RecoveringOrchestration>()
            .AddOrchestration<CountdownOrchestration>()
            .AddOrchestration<SleeperOrchestration>(),
            o => { o.BatchSize = 64; configure?.Invoke(o); }));

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while (value > (current = Volatile.Read(ref target)) && Interlocked.CompareExchange(ref target, value, current) != current) { }
    }

    [Fact]
    public async Task Sequential_activities_thread_their_results_and_report_progress()
    {
        await using var harness = await StartAsync();
        var start = await harness.Orchestrations.StartAsync<SequenceOrchestration, int>(5);
        var status = await harness.Orchestrations.WaitForCompletionAsync(start.InstanceId, Wait);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, status!.Status);
        Assert.Equal(5, status.ReadOutput<int>());
        Assert.Equal(5, status.CustomStatus!.Value.GetProperty("step").GetInt32());
        Assert.NotNull(status.CompletedAt);
    }

    [Fact]
    public async Task Fan_out_of_1000_activities_with_at_most_50_in_flight_fans_in_to_the_right_sum()
    {
        await using var harness = await StartAsync();
        Volatile.Write(ref _maxInFlight, 0);
        var start = await harness.Orchestrations.StartAsync<FanOutOrchestration, FanOutOrchestration.Input>(new(1000, 50));
        var status = await harness.Orchestrations.WaitForCompletionAsync(start.InstanceId, Wait);

        Assert.Equal(OrchestrationRuntimeStatus.Completed, status!.Status);
        var expected = Enumerable.Range(1, 1000).Sum(i => (long)i * i);
        Assert.Equal(expected, status.ReadOutput<long>());
        // The bound is on jobs the runtime dispatched; the handlers' own concurrency can only be lower.
        Assert.InRange(Volatile.Read(ref _maxInFlight), 1, 50);
        Assert.Equal(1000L, await harness.ScalarAsync<long>("select count(*) from durable.jobs where kind = 1 and state = 'succeeded'"));
        Assert.Equal(0L, await harness.ScalarAsync<long>("select count(*) from durable.backlog"));
    }

    [Fact]
    public async Task The_runtime_never_dispatches_more_activities_than_the_bound()
    {
        // Observed from the database, independent of handler timing: sample the running+ready activity count while it runs.
        await using var harness = await StartAsync(o => o.BatchSize = 200);
        var start = await harness.Orchestrations.StartAsync<FanOutOrchestration, FanOutOrchestration.Input>(new(400, 7));
        var worst = 0L;
        OrchestrationStatus? status;
        do
        {
            var active = await harness.ScalarAsync<long>("select count(*) from durable.jobs where kind = 1 and state in ('ready', 'running')");
            worst = Math.Max(worst, active);
            status = await harness.Orchestrations.GetAsync(start.InstanceId);
        } while (!status!.IsFinished);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, status.Status);
        Assert.InRange(worst, 0, 7);
    }

    [Fact]
    public async Task An_external_event_raised_before_the_wait_is_buffered_and_one_raised_after_is_delivered()
    {
        await using var harness = await StartAsync();

        // Before: raised while the instance is still busy with an activity, before it waits.
        var early = await harness.Orchestrations.StartAsync<ApprovalOrchestration, ApprovalOrchestration.Input>(new(0, WaitAfterActivity: true));
        Assert.True(await harness.Orchestrations.RaiseEventAsync(early.InstanceId, "approval", "early bird"));
        var earlyStatus = await harness.Orchestrations.WaitForCompletionAsync(early.InstanceId, Wait);
        Assert.Equal("approved by early bird", earlyStatus!.ReadOutput<string>());

        // After: the instance is waiting.
        var late = await harness.Orchestrations.StartAsync<ApprovalOrchestration, ApprovalOrchestration.Input>(new(0, false));
        await Eventually.ValueAsync(() => harness.Orchestrations.GetAsync(late.InstanceId),
            s => s!.Status == OrchestrationRuntimeStatus.Waiting, Wait, "the instance to wait");
        Assert.True(await harness.Orchestrations.RaiseEventAsync(late.InstanceId, "approval", "night owl"));
        var lateStatus = await harness.Orchestrations.WaitForCompletionAsync(late.InstanceId, Wait);
        Assert.Equal("approved by night owl", lateStatus!.ReadOutput<string>());

        Assert.False(await harness.Orchestrations.RaiseEventAsync(late.InstanceId, "approval", "too late"));
        Assert.False(await harness.Orchestrations.RaiseEventAsync("no-such-instance", "approval", "x"));
    }

    [Fact]
    public async Task A_wait_that_times_out_reports_the_timeout()
    {
        await using var harness = await StartAsync();
        var start = await harness.Orchestrations.StartAsync<ApprovalOrchestration, ApprovalOrchestration.Input>(new(300, false));
        var status = await harness.Orchestrations.WaitForCompletionAsync(start.InstanceId, Wait);
        Assert.Equal("timed out", status!.ReadOutput<string>());
        // An event after the timeout finds the instance finished.
        Assert.False(await harness.Orchestrations.RaiseEventAsync(start.InstanceId, "approval", "late"));
    }

    [Fact]
    public async Task An_activity_failing_past_its_retries_is_handled_by_the_orchestration()
    {
        await using var harness = await StartAsync();
        var start = await harness.Orchestrations.StartAsync<RecoveringOrchestration, int>(41);
        var status = await harness.Orchestrations.WaitForCompletionAsync(start.InstanceId, Wait);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, status!.Status);
        Assert.Equal("fallback gave 42", status.ReadOutput<string>());
        var custom = status.CustomStatus!.Value;
        Assert.Equal("InvalidOperationException: nope #3", custom.GetProperty("primaryError").GetString());
        Assert.Equal(3, custom.GetProperty("attempts").GetInt32());
    }

    [Fact]
    public async Task Terminate_stops_an_instance_and_cancels_what_it_had_queued()
    {
        await using var harness = await StartAsync();
        var start = await harness.Orchestrations.StartAsync<SleeperOrchestration, int>(3_600_000);
        await Eventually.ValueAsync(() => harness.Orchestrations.GetAsync(start.InstanceId),
            s => s!.Status == OrchestrationRuntimeStatus.Running, Wait, "running");
        Assert.True(await harness.Orchestrations.TerminateAsync(start.InstanceId, "changed my mind"));
        var status = await harness.Orchestrations.WaitForCompletionAsync(start.InstanceId, Wait);
        Assert.Equal(OrchestrationRuntimeStatus.Terminated, status!.Status);
        Assert.Equal("changed my mind", status.Error);
        Assert.Equal(0L, await harness.ScalarAsync<long>("select count(*) from durable.jobs where kind = 2 and state = 'ready'"));
        Assert.False(await harness.Orchestrations.TerminateAsync(start.InstanceId, "again"));
    }

    [Fact]
    public async Task Continue_as_new_restarts_with_new_input_and_fresh_state()
    {
        await using var harness = await StartAsync();
        var start = await harness.Orchestrations.StartAsync<CountdownOrchestration, int>(5);
        var status = await harness.Orchestrations.WaitForCompletionAsync(start.InstanceId, Wait);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, status!.Status);
        Assert.Equal("lift-off", status.ReadOutput<string>());
        Assert.Equal(0, status.Input!.Value.GetInt32());
    }

    [Fact]
    public async Task A_durable_timer_fires()
    {
        await using var harness = await StartAsync();
        var started = DateTimeOffset.UtcNow;
        var start = await harness.Orchestrations.StartAsync<SleeperOrchestration, int>(400);
        var status = await harness.Orchestrations.WaitForCompletionAsync(start.InstanceId, Wait);
        Assert.Equal("rested", status!.ReadOutput<string>());
        Assert.True(status.CompletedAt - started >= TimeSpan.FromMilliseconds(400));
    }

    [Fact]
    public async Task A_caller_chosen_id_starts_one_instance_and_purge_removes_only_finished_ones()
    {
        await using var harness = await StartAsync();
        var options = new StartOptions { InstanceId = "singleton-1", Owner = "alice" };
        var first = await harness.Orchestrations.StartAsync<ApprovalOrchestration, ApprovalOrchestration.Input>(new(0, false), options);
        var second = await harness.Orchestrations.StartAsync<ApprovalOrchestration, ApprovalOrchestration.Input>(new(0, false), options);
        Assert.True(first.Created);
        Assert.False(second.Created);

        Assert.Null(await harness.Orchestrations.GetAsync("singleton-1", owner: "bob"));
        Assert.NotNull(await harness.Orchestrations.GetAsync("singleton-1", owner: "alice"));
        Assert.Equal(PurgeResult.NotFinished, await harness.Orchestrations.PurgeAsync("singleton-1"));

        await harness.Orchestrations.RaiseEventAsync("singleton-1", "approval", "me");
        await harness.Orchestrations.WaitForCompletionAsync("singleton-1", Wait);
        Assert.Equal(PurgeResult.NotFound, await harness.Orchestrations.PurgeAsync("singleton-1", owner: "bob"));
        Assert.Equal(PurgeResult.Purged, await harness.Orchestrations.PurgeAsync("singleton-1", owner: "alice"));
        Assert.Null(await harness.Orchestrations.GetAsync("singleton-1"));

        var again = await harness.Orchestrations.StartAsync<ApprovalOrchestration, ApprovalOrchestration.Input>(new(0, false), options);
        Assert.True(again.Created);
    }

    [Fact]
    public async Task Every_step_of_an_owned_orchestration_is_queued_under_its_owner_so_fair_share_counts_it()
    {
        await using var harness = await StartAsync();
        var start = await harness.Orchestrations.StartAsync<ApprovalOrchestration, ApprovalOrchestration.Input>(new(0, true), new StartOptions { Owner = "erin" });
        await Eventually.ValueAsync(() => harness.Orchestrations.GetAsync(start.InstanceId),
            s => s!.Status == OrchestrationRuntimeStatus.Waiting, Wait, "the activity to finish and the instance to wait");
        await harness.Orchestrations.RaiseEventAsync(start.InstanceId, "approval", "yes");
        await harness.Orchestrations.WaitForCompletionAsync(start.InstanceId, Wait);

        // Started, woken by the activity's result, woken by the event: each step job is erin's (issue 18's fair share).
        Assert.True(await harness.ScalarAsync<long>("select count(*) from durable.jobs where instance_id = $1 and kind = 3", start.InstanceId) >= 3);
        Assert.Equal(0L, await harness.ScalarAsync<long>("select count(*) from durable.jobs where instance_id = $1 and owner is distinct from 'erin'", start.InstanceId));
    }

    [Fact]
    public async Task Listing_filters_by_type_status_and_owner_and_pages_with_a_cursor()
    {
        await using var harness = await StartAsync();
        for (var i = 0; i < 5; i++)
            await harness.Orchestrations.StartAsync<SequenceOrchestration, int>(1, new StartOptions { Owner = "carol" });
        await harness.Orchestrations.StartAsync<SequenceOrchestration, int>(1, new StartOptions { Owner = "dave" });

        var ids = new List<string>();
        string? cursor = null;
        do
        {
            var page = await harness.Orchestrations.ListAsync(new OrchestrationQuery(Type: nameof(SequenceOrchestration), Owner: "carol", Limit: 2, Cursor: cursor));
            ids.AddRange(page.Items.Select(s => s.InstanceId));
            cursor = page.NextCursor;
        } while (cursor is not null);
        Assert.Equal(5, ids.Distinct().Count());
        Assert.Equal(5, ids.Count);

        await Eventually.TrueAsync(async () =>
            (await harness.Orchestrations.ListAsync(new OrchestrationQuery(Status: OrchestrationRuntimeStatus.Completed))).Items.Count == 6,
            Wait, "all six to complete");
        await Assert.ThrowsAsync<InvalidCursorException>(() => harness.Orchestrations.ListAsync(new OrchestrationQuery(Cursor: "%%%")));
    }
}
