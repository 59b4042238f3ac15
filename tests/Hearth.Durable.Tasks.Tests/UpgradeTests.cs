using DurableTask.Core;
using Hearth.Durable.Orchestrations;
using Microsoft.Extensions.DependencyInjection;

namespace Hearth.Durable.Tasks.Tests;

/// <summary>
/// A host upgraded mid-flight: instances the state-machine engine (schema <c>durable</c>) left unfinished under a name
/// that now runs on the task store move over with their undelivered events and finish there; finished ones move as
/// finished records; nothing is lost and everything reads from the task store.
/// </summary>
public sealed class UpgradeTests
{
    [Fact]
    public async Task Old_engine_instances_move_with_their_undelivered_events_and_finish_on_the_task_store()
    {
        await using var hub = await TaskHarness.StartAsync();
        // As the previous version left them: one had an event buffered (raised before it waited), one an event not yet
        // applied and an activity running, one a termination not yet applied, one is of a name this host does not run, and
        // two had finished (one completed, one failed under a name no longer registered).
        await hub.ScalarAsync<int>("""
            with i as (
                insert into durable.instances (id, type, status, owner, input, runtime) values
                    ('old-buffered', 'Approval', 'Running', 'ann', '"01:00:00"', '{"buffered": {"approval": ["Bea"]}}'),
                    ('old-pending', 'Approval', 'Waiting', null, '"01:00:00"', '{}'),
                    ('old-terminating', 'Approval', 'Running', null, '"01:00:00"', '{}'),
                    ('old-other', 'NotMovedHere', 'Running', null, 'null', '{}')
            ), f as (
                insert into durable.instances (id, type, status, owner, input, custom_status, output, error, created_at, updated_at, completed_at) values
                    ('old-done', 'Approval', 'Completed', 'ann', '"00:00:01"', '{"stage": "done"}', '"approved by Dee"', null,
                     '2026-11-30T10:00:00Z', '2026-11-30T10:05:00Z', '2026-11-30T10:05:00Z'),
                    ('old-failed', 'Retired', 'Failed', 'bo', 'null', null, null, 'InvalidOperationException: no',
                     '2026-11-30T11:00:00Z', '2026-11-30T11:01:00Z', '2026-11-30T11:01:00Z')
            ), e as (
                insert into durable.events (instance_id, kind, name, payload) values
                    ('old-pending', 'event_raised', 'approval', '"Cy"'),
                    ('old-terminating', 'terminate', 'Stopped by an admin.', null)
            ), j as (
                insert into durable.jobs (queue, kind, state, max_attempts, instance_id) values
                    ('Greet', 1, 'running', 5, 'old-pending'), ('$orchestrator', 3, 'ready', 10, 'old-buffered')
            )
            select 1
            """);

        // The host's own pass (at start, then every minute) may take some of them first; between the two, all move.
        var moved = await hub.Services.GetRequiredService<StateMachineUpgrade>().MoveAsync(CancellationToken.None);

        Assert.InRange(moved, 0, 5); // two started here, one terminated, two finished
        var buffered = await hub.CompletionAsync("old-buffered");
        Assert.Equal("approved by Bea", hub.Client.Read<string>(buffered.SerializedOutput));
        Assert.Equal("ann", buffered.Owner);
        Assert.Equal("approved by Cy", hub.Client.Read<string>((await hub.CompletionAsync("old-pending")).SerializedOutput));

        var api = hub.Services.GetRequiredService<IOrchestrationClient>();
        var terminated = await api.GetAsync("old-terminating");
        Assert.Equal(OrchestrationRuntimeStatus.Terminated, terminated!.Status);
        Assert.Equal("Stopped by an admin.", terminated.Error);
        var done = await api.GetAsync("old-done", owner: "ann");
        Assert.Equal(OrchestrationRuntimeStatus.Completed, done!.Status);
        Assert.Equal("approved by Dee", done.ReadOutput<string>());
        Assert.Equal("done", done.CustomStatus!.Value.GetProperty("stage").GetString());
        Assert.Equal(new DateTimeOffset(2026, 11, 30, 10, 5, 0, TimeSpan.Zero), done.CompletedAt);
        var failed = await api.GetAsync("old-failed", owner: "bo");
        Assert.Equal(OrchestrationRuntimeStatus.Failed, failed!.Status);
        Assert.Equal("InvalidOperationException: no", failed.Error);
        // Listed newest first: the moved instance started anew now, the finished one with its own creation time.
        Assert.Equal(["old-buffered", "old-done"], (await api.ListAsync(new OrchestrationQuery(Owner: "ann", Status: OrchestrationRuntimeStatus.Completed))).Items
            .Select(i => i.InstanceId));
        Assert.Equal("Running", await hub.ScalarAsync<string>("select status from durable.instances where id = 'old-other'"));
        Assert.Null(await hub.Client.GetAsync("old-other"));
        // Nothing of the moved instances is left in the old engine's tables.
        Assert.Equal(0L, await hub.ScalarAsync<long>(
            "select (select count(*) from durable.jobs) + (select count(*) from durable.events) + (select count(*) from durable.instances where id <> 'old-other')"));
        Assert.Equal(0, await hub.Services.GetRequiredService<StateMachineUpgrade>().MoveAsync(CancellationToken.None));
    }
}
