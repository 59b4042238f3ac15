using DurableTask.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Hearth.Durable.Tasks.Tests;

/// <summary>
/// Durable timers are events visible at their fire time; the store reads "now" from its TimeProvider, so these tests
/// move the clock instead of waiting and ask the store's due-work query what a fetch would take at the moved clock.
/// (The orchestration's own clock is DurableTask.Core's, the wall clock; the fake starts at the wall clock's now.)
/// </summary>
public sealed class TimerTests
{
    [Fact]
    public async Task A_timer_an_hour_away_fires_when_the_clock_reaches_it_and_not_before()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var hub = await TaskHarness.StartAsync(time: clock);
        var start = await hub.Client.StartAsync(nameof(Sleeper), TimeSpan.FromHours(1));
        await hub.UntilTimerStoredAsync(start.InstanceId);
        var store = hub.Services.GetRequiredService<PostgresOrchestrationService>();

        clock.Advance(TimeSpan.FromMinutes(59));
        Assert.False(await store.HasDueEventsAsync(start.InstanceId, CancellationToken.None)); // the worker's fetch would not take it
        Assert.Equal(OrchestrationStatus.Running, (await hub.Client.GetAsync(start.InstanceId))!.Status);

        clock.Advance(TimeSpan.FromMinutes(2));
        Assert.True(await store.HasDueEventsAsync(start.InstanceId, CancellationToken.None) || (await hub.Client.GetAsync(start.InstanceId))!.IsFinished);
        var done = await hub.CompletionAsync(start.InstanceId);
        Assert.Equal("woke", hub.Client.Read<string>(done.SerializedOutput));
    }

    [Fact]
    public async Task Without_an_event_the_deadline_timer_wins_the_race()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var hub = await TaskHarness.StartAsync(time: clock);
        var start = await hub.Client.StartAsync(nameof(Approval), TimeSpan.FromMinutes(30));
        await hub.UntilTimerStoredAsync(start.InstanceId);

        clock.Advance(TimeSpan.FromMinutes(31));
        var done = await hub.CompletionAsync(start.InstanceId);

        Assert.Equal("timed out", hub.Client.Read<string>(done.SerializedOutput));
        // An event after the deadline finds the instance finished and changes nothing.
        await hub.Client.RaiseEventAsync(start.InstanceId, "approval", "late");
        Assert.Equal("timed out", hub.Client.Read<string>((await hub.Client.GetAsync(start.InstanceId))!.SerializedOutput));
    }
}
