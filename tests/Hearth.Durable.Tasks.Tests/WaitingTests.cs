using DurableTask.Core;
using Hearth.Durable.Orchestrations;
using Microsoft.Extensions.DependencyInjection;

namespace Hearth.Durable.Tasks.Tests;

/// <summary>
/// "Waiting" through the product's status API, as the state-machine engine showed it: a running instance with nothing
/// in flight (no activity call, sub-orchestration or timer) that only waits for an external event.
/// </summary>
public sealed class WaitingTests
{
    [Fact]
    public async Task An_instance_that_only_waits_for_an_event_reads_Waiting_and_one_with_a_deadline_timer_reads_Running()
    {
        await using var hub = await TaskHarness.StartAsync();
        var api = hub.Services.GetRequiredService<IOrchestrationClient>();
        var patient = await hub.Client.StartAsync(nameof(Patient), "Ada", new StartTaskOptions(Owner: "ann"));
        var deadline = await hub.Client.StartAsync(nameof(Approval), TimeSpan.FromDays(1), new StartTaskOptions(Owner: "ann"));
        await hub.UntilAsync(patient.InstanceId, i => i.SerializedCustomStatus is not null);
        await hub.UntilAsync(deadline.InstanceId, i => i.SerializedCustomStatus is not null);

        Assert.Equal(OrchestrationRuntimeStatus.Waiting, (await api.GetAsync(patient.InstanceId))!.Status);
        Assert.Equal(OrchestrationRuntimeStatus.Running, (await api.GetAsync(deadline.InstanceId))!.Status); // its timer is in flight
        Assert.Equal([patient.InstanceId], await IdsAsync(api, OrchestrationRuntimeStatus.Waiting));
        Assert.Equal([deadline.InstanceId], await IdsAsync(api, OrchestrationRuntimeStatus.Running));

        Assert.True(await hub.Client.RaiseEventAsync(patient.InstanceId, "approval", "Bea"));
        var done = await hub.CompletionAsync(patient.InstanceId);

        Assert.Equal("approved by Bea", hub.Client.Read<string>(done.SerializedOutput));
        Assert.False(done.IsWaiting);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, (await api.GetAsync(patient.InstanceId))!.Status);
        Assert.Empty(await IdsAsync(api, OrchestrationRuntimeStatus.Waiting));
    }

    [Fact]
    public void Activities_sub_orchestrations_and_unfired_timers_are_in_flight_until_answered()
    {
        var scheduled = new DurableTask.Core.History.TaskScheduledEvent(3);
        var timer = new DurableTask.Core.History.TimerCreatedEvent(4);
        var child = new DurableTask.Core.History.SubOrchestrationInstanceCreatedEvent(5);

        Assert.True(PostgresOrchestrationService.NothingInFlight([]));
        Assert.False(PostgresOrchestrationService.NothingInFlight([scheduled]));
        Assert.True(PostgresOrchestrationService.NothingInFlight([scheduled, new DurableTask.Core.History.TaskCompletedEvent(-1, 3, "1")]));
        Assert.True(PostgresOrchestrationService.NothingInFlight([scheduled, new DurableTask.Core.History.TaskFailedEvent(-1, 3, "no", null)]));
        Assert.False(PostgresOrchestrationService.NothingInFlight([timer]));
        Assert.True(PostgresOrchestrationService.NothingInFlight([timer, new DurableTask.Core.History.TimerFiredEvent(-1) { TimerId = 4 }]));
        Assert.False(PostgresOrchestrationService.NothingInFlight([child, new DurableTask.Core.History.TaskCompletedEvent(-1, 5, "1")]));
        Assert.True(PostgresOrchestrationService.NothingInFlight([child, new DurableTask.Core.History.SubOrchestrationInstanceCompletedEvent(-1, 5, "1")]));
    }

    private static async Task<List<string>> IdsAsync(IOrchestrationClient api, OrchestrationRuntimeStatus status) =>
        (await api.ListAsync(new OrchestrationQuery(Status: status, Owner: "ann"))).Items.Select(s => s.InstanceId).ToList();
}
