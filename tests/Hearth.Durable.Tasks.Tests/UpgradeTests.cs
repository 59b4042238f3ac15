using DurableTask.Core;
using Microsoft.Extensions.DependencyInjection;

namespace Hearth.Durable.Tasks.Tests;

/// <summary>
/// A host upgraded mid-flight: instances the state-machine engine (schema <c>durable</c>) left unfinished under a name
/// that now runs on the task store move over with their undelivered events and finish there; nothing is lost.
/// </summary>
public sealed class UpgradeTests
{
    [Fact]
    public async Task Old_engine_instances_move_with_their_undelivered_events_and_finish_on_the_task_store()
    {
        await using var hub = await TaskHarness.StartAsync();
        // As the previous version left them: one had an event buffered (raised before it waited), one an event not yet
        // applied and an activity running, one a termination not yet applied, and one is of a name this host does not run.
        await hub.ScalarAsync<int>("""
            with i as (
                insert into durable.instances (id, type, status, owner, input, runtime) values
                    ('old-buffered', 'Approval', 'Running', 'ann', '"01:00:00"', '{"buffered": {"approval": ["Bea"]}}'),
                    ('old-pending', 'Approval', 'Waiting', null, '"01:00:00"', '{}'),
                    ('old-terminating', 'Approval', 'Running', null, '"01:00:00"', '{}'),
                    ('old-other', 'NotMovedHere', 'Running', null, 'null', '{}')
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

        var moved = await hub.Services.GetRequiredService<StateMachineUpgrade>().MoveAsync(CancellationToken.None);

        Assert.Equal(3, moved);
        var buffered = await hub.CompletionAsync("old-buffered");
        Assert.Equal("approved by Bea", hub.Client.Read<string>(buffered.SerializedOutput));
        Assert.Equal("ann", buffered.Owner);
        Assert.Equal("approved by Cy", hub.Client.Read<string>((await hub.CompletionAsync("old-pending")).SerializedOutput));

        Assert.Null(await hub.Client.GetAsync("old-terminating"));
        Assert.Equal("Terminated: Stopped by an admin.", await hub.ScalarAsync<string>("select status || ': ' || error from durable.instances where id = 'old-terminating'"));
        Assert.Equal("Running", await hub.ScalarAsync<string>("select status from durable.instances where id = 'old-other'"));
        Assert.Null(await hub.Client.GetAsync("old-other"));
        // Nothing of the moved instances is left for the old engine to run.
        Assert.Equal(0L, await hub.ScalarAsync<long>(
            "select (select count(*) from durable.jobs) + (select count(*) from durable.events) + (select count(*) from durable.instances where id in ('old-buffered', 'old-pending'))"));
        Assert.Equal(0, await hub.Services.GetRequiredService<StateMachineUpgrade>().MoveAsync(CancellationToken.None));
    }
}
