using Hearth.Durable;
using Hearth.Durable.Orchestrations;
using Hearth.Life;
using Context = Hearth.Durable.Orchestrations.OrchestrationContext<Hearth.Life.LifeSlot, Hearth.Functions.Life.LifeSlotState, Hearth.Functions.Life.LifeSlotOutput>;

namespace Hearth.Functions.Life;

/// <summary>What a slot's orchestration remembers between steps.</summary>
public sealed class LifeSlotState
{
    public SlotResult? Slot { get; set; }
}

/// <summary>What a slot did, as its orchestration's output.</summary>
public sealed record LifeSlotOutput(string? EventId, string? EventText, double? Mood, string? InitiationId, DeliveryResult? Delivery, string? Note);

/// <summary>
/// One agent's slot: live it (drift, maybe an event, maybe plan an initiation), then, when it planned one, wait on a
/// durable timer until the natural moment and deliver it (the delivery checks every rule again). Instance id
/// <c>life:{agent}:{slot}</c>, so each agent's slot runs once whichever host or catch-up starts it.
/// </summary>
public sealed class LifeSlotOrchestration : Orchestration<LifeSlot, LifeSlotState, LifeSlotOutput>
{
    public const string Name = "LifeSlot";
    public const string RunSlot = "life.run-slot";
    public const string Deliver = "life.deliver";

    private static readonly RetryPolicy Retry = new(5, TimeSpan.FromSeconds(5), 2, TimeSpan.FromMinutes(2));

    public override void OnEvent(Context ctx, OrchestrationEvent e)
    {
        switch (e)
        {
            case OrchestrationStarted:
                ctx.CallActivity(RunSlot, ctx.Input, "slot", Retry);
                break;
            case ActivityCompleted { Tag: "slot" } done:
                var slot = done.GetResult<SlotResult>();
                ctx.State.Slot = slot;
                if (slot is { InitiationId: not null, SendAt: { } sendAt })
                {
                    ctx.SetCustomStatus(new { phase = "waiting", initiationId = slot.InitiationId, sendAt });
                    ctx.CreateTimer(sendAt, "send");
                }
                else ctx.Complete(Output(slot, null));
                break;
            case TimerFired { Tag: "send" }:
                ctx.SetCustomStatus(new { phase = "delivering", initiationId = ctx.State.Slot!.InitiationId });
                ctx.CallActivity(Deliver, new DeliverInput(ctx.Input.OwnerId, ctx.State.Slot.InitiationId!), "deliver", Retry);
                break;
            case ActivityCompleted { Tag: "deliver" } delivered:
                ctx.Complete(Output(ctx.State.Slot!, delivered.GetResult<DeliveryResult>()));
                break;
            case ActivityFailed failed:
                ctx.Fail($"{failed.Name} failed after {failed.Attempts} attempts: {failed.Error}");
                break;
        }
    }

    private static LifeSlotOutput Output(SlotResult slot, DeliveryResult? delivery) =>
        new(slot.EventId, slot.EventText, slot.Mood, slot.InitiationId, delivery, slot.Note);
}

/// <summary>The delivery activity's input.</summary>
public sealed record DeliverInput(string OwnerId, string InitiationId);
