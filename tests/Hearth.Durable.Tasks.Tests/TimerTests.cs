using DurableTask.Core;
using Microsoft.Extensions.Time.Testing;

namespace Hearth.Durable.Tasks.Tests;

/// <summary>
/// Durable timers are events visible at their fire time; the store reads "now" from its TimeProvider, so these tests
/// move the clock instead of waiting. (The orchestration's own clock is DurableTask.Core's, the wall clock; the
/// fake starts at the wall clock's now.)
/// </summary>
public sealed class TimerTests
{
    [Fact]
    public async Task A_timer_an_hour_away_fires_when_the_clock_reaches_it_and_not_before()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var hub = await TaskHarness.StartAsync(time: clock);
        var start = await hub.Client.StartAsync(nameof(Sleeper), TimeSpan.FromHours(1));
        await UntilTimerStoredAsync(hub, start.InstanceId);

        clock.Advance(TimeSpan.FromMinutes(59));
        await hub.UntilAsync(start.InstanceId, _ => true); // a look after the move
        await Task.Delay(400); // two polling intervals of the worker: a due timer would be taken by now
        Assert.Equal(OrchestrationStatus.Running, (await hub.Client.GetAsync(start.InstanceId))!.Status);

        clock.Advance(TimeSpan.FromMinutes(2));
        var done = await hub.CompletionAsync(start.InstanceId);
        Assert.Equal("woke", hub.Client.Read<string>(done.SerializedOutput));
    }

    [Fact]
    public async Task Without_an_event_the_deadline_timer_wins_the_race()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var hub = await TaskHarness.StartAsync(time: clock);
        var start = await hub.Client.StartAsync(nameof(Approval), TimeSpan.FromMinutes(30));
        await UntilTimerStoredAsync(hub, start.InstanceId);

        clock.Advance(TimeSpan.FromMinutes(31));
        var done = await hub.CompletionAsync(start.InstanceId);

        Assert.Equal("timed out", hub.Client.Read<string>(done.SerializedOutput));
        // An event after the deadline finds the instance finished and changes nothing.
        await hub.Client.RaiseEventAsync(start.InstanceId, "approval", "late");
        Assert.Equal("timed out", hub.Client.Read<string>((await hub.Client.GetAsync(start.InstanceId))!.SerializedOutput));
    }

    private static async Task UntilTimerStoredAsync(TaskHarness hub, string instanceId)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (await hub.ScalarAsync<long>("select count(*) from durabletask.new_events where instance_id = $1 and event_type = 'TimerFired'", instanceId) == 0)
            await Task.Delay(10, limit.Token);
    }
}
