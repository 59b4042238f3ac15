using Microsoft.Extensions.Options;
using Hearth.Companions;
using Hearth.Durable.Jobs;
using Hearth.Durable.Orchestrations;
using Hearth.Durable.Timers;
using Hearth.Life;

namespace Hearth.Functions.Life;

/// <summary>
/// The life tick: per agent, starts the slot's singleton orchestration (instance id from agent and slot). The slot is the
/// timer occurrence; a catch-up run (the timer was missed, e.g. every host was down) is one slot lived at the current time.
/// </summary>
public sealed class LifeTimer(
    IAgentStore agents, IOrchestrationClient orchestrations, IOptions<LifeOptions> settings, TimeProvider time, ILogger<LifeTimer> logger) : ITimerFunction
{
    public const string Name = "life.tick";
    public const string DefaultSchedule = "0 */15 * * * *";

    public async Task RunAsync(TimerInfo timer, JobContext context, CancellationToken ct)
    {
        if (!settings.Value.Enabled)
        {
            logger.LogDebug("Life is off (Life:Enabled): slot {Occurrence:o} skipped", timer.ScheduledTime);
            return;
        }
        var slot = LifeSlot.KeyOf(timer.ScheduledTime);
        var at = timer.IsPastDue ? time.GetUtcNow() : timer.ScheduledTime;
        int started = 0, total = 0;
        string? after = null;
        while (true)
        {
            var page = await agents.ListAllAsync(after, 500, ct);
            foreach (var agent in page)
            {
                var result = await StartAsync(orchestrations, new LifeSlot(agent.OwnerId, agent.Id, slot, at), ct);
                total++;
                if (result.Created) started++;
            }
            if (page.Count < 500) break;
            after = page[^1].Id;
        }
        logger.LogInformation("Life slot {Slot}: {Started} of {Total} agents started (past due: {IsPastDue})", slot, started, total, timer.IsPastDue);
    }

    /// <summary>Starts the slot's orchestration once (a second start of the same agent and slot returns the first).</summary>
    public static Task<StartResult> StartAsync(IOrchestrationClient orchestrations, LifeSlot slot, CancellationToken ct) =>
        orchestrations.StartAsync(LifeSlotOrchestration.Name, slot,
            new StartOptions { InstanceId = LifeSlot.InstanceId(slot.AgentId, slot.Slot), Owner = slot.OwnerId }, null, ct);
}
