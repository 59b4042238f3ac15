using Hearth.Life;
using Microsoft.DurableTask;

namespace Hearth.Functions.Life;

/// <summary>What a slot did, as its orchestration's output.</summary>
public sealed record LifeSlotOutput(string? EventId, string? EventText, double? Mood, string? InitiationId, DeliveryResult? Delivery, string? Note);

/// <summary>Progress of a slot that planned an initiation: <c>waiting</c> until <see cref="SendAt"/>, then <c>delivering</c>.</summary>
public sealed record LifeSlotProgress(string Phase, string InitiationId, DateTimeOffset? SendAt);

/// <summary>
/// One agent's slot: live it (drift, maybe an event, maybe plan an initiation), then, when it planned one, wait on a
/// durable timer until the natural moment and deliver it (the delivery checks every rule again). Instance id
/// <c>life:{agent}:{slot}</c>, so each agent's slot runs once whichever host or catch-up starts it.
/// </summary>
public sealed class LifeSlotOrchestration : TaskOrchestrator<LifeSlot, LifeSlotOutput>
{
    public const string Name = "LifeSlot";
    public const string RunSlot = "life.run-slot";
    public const string Deliver = "life.deliver";

    internal static readonly Microsoft.DurableTask.RetryPolicy Retry = new(5, TimeSpan.FromSeconds(5), 2, TimeSpan.FromMinutes(2));

    public override async Task<LifeSlotOutput> RunAsync(TaskOrchestrationContext context, LifeSlot slot)
    {
        try
        {
            var lived = await context.CallActivityAsync<SlotResult>(RunSlot, slot, TaskOptions.FromRetryPolicy(Retry));
            if (lived is not { InitiationId: { } initiation, SendAt: { } sendAt }) return Output(lived, null);

            context.SetCustomStatus(new LifeSlotProgress("waiting", initiation, sendAt));
            await context.CreateTimer(sendAt.UtcDateTime, CancellationToken.None);
            context.SetCustomStatus(new LifeSlotProgress("delivering", initiation, null));
            var delivery = await context.CallActivityAsync<DeliveryResult>(Deliver, new DeliverInput(slot.OwnerId, initiation), TaskOptions.FromRetryPolicy(Retry));
            return Output(lived, delivery);
        }
        catch (TaskFailedException e)
        {
            throw new InvalidOperationException($"{e.TaskName} failed after {Retry.MaxNumberOfAttempts} attempts: {e.FailureDetails.ErrorMessage}");
        }
    }

    private static LifeSlotOutput Output(SlotResult slot, DeliveryResult? delivery) =>
        new(slot.EventId, slot.EventText, slot.Mood, slot.InitiationId, delivery, slot.Note);
}

/// <summary>The delivery activity's input.</summary>
public sealed record DeliverInput(string OwnerId, string InitiationId);
