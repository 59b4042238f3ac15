using Hearth.Functions.Life;
using Microsoft.DurableTask;
using NSubstitute;

namespace Hearth.Life.Tests;

/// <summary><see cref="LifeSlotOrchestration"/> on an NSubstitute <see cref="TaskOrchestrationContext"/>.</summary>
public sealed class LifeSlotOrchestrationTests
{
    private static readonly DateTimeOffset At = new(2025, 3, 4, 10, 15, 0, TimeSpan.Zero);
    private static readonly LifeSlot Slot = new("owner-1", "agent-1", "20250304T1015Z", At);

    [Fact]
    public async Task A_planned_initiation_is_delivered_only_when_its_durable_timer_fires()
    {
        var context = Substitute.For<TaskOrchestrationContext>();
        var sendAt = At.AddMinutes(40);
        context.CallActivityAsync<SlotResult>(Arg.Is<TaskName>(n => n.Name == LifeSlotOrchestration.RunSlot), Slot, Arg.Any<TaskOptions?>())
            .Returns(new SlotResult(true, "ev-1", "went climbing", 0.4, "init-1", sendAt, null));
        var timer = new TaskCompletionSource();
        context.CreateTimer(sendAt.UtcDateTime, Arg.Any<CancellationToken>()).Returns(timer.Task);
        context.CallActivityAsync<DeliveryResult>(Arg.Is<TaskName>(n => n.Name == LifeSlotOrchestration.Deliver), Arg.Any<object?>(), Arg.Any<TaskOptions?>())
            .Returns(new DeliveryResult(true, "msg-1", "note-1", null));

        var run = new LifeSlotOrchestration().RunAsync(context, Slot);
        Assert.False(run.IsCompleted);
        await context.DidNotReceive().CallActivityAsync<DeliveryResult>(Arg.Any<TaskName>(), Arg.Any<object?>(), Arg.Any<TaskOptions?>());
        context.Received().SetCustomStatus(new LifeSlotProgress("waiting", "init-1", sendAt));

        timer.SetResult();
        var output = await run;

        await context.Received(1).CallActivityAsync<DeliveryResult>(Arg.Any<TaskName>(), new DeliverInput("owner-1", "init-1"), Arg.Any<TaskOptions?>());
        Assert.Equal(new LifeSlotOutput("ev-1", "went climbing", 0.4, "init-1", new DeliveryResult(true, "msg-1", "note-1", null), null), output);
    }

    [Fact]
    public async Task A_slot_without_an_initiation_completes_without_a_timer()
    {
        var context = Substitute.For<TaskOrchestrationContext>();
        context.CallActivityAsync<SlotResult>(Arg.Any<TaskName>(), Slot, Arg.Any<TaskOptions?>())
            .Returns(new SlotResult(true, null, null, 0.1, null, null, "quiet hours"));

        var output = await new LifeSlotOrchestration().RunAsync(context, Slot);

        Assert.Equal("quiet hours", output.Note);
        Assert.Null(output.Delivery);
        _ = context.DidNotReceive().CreateTimer(Arg.Any<DateTime>(), Arg.Any<CancellationToken>());
    }
}
