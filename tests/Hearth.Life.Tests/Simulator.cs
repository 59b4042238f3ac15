using Hearth.Testing.Host;
using Microsoft.Extensions.DependencyInjection;

namespace Hearth.Life.Tests;

/// <summary>
/// Drives the life engine through simulated time on a manual clock: every 15-minute slot for every agent, each planned
/// initiation delivered at its natural moment (the durable timer's job, done here in time order), and the test's own
/// actions (users writing, muting) at slot times. Nothing waits on the wall clock.
/// </summary>
public sealed class Simulator(HearthFactory host, ManualTime clock)
{
    private readonly LifeEngine _engine = host.Services.GetRequiredService<LifeEngine>();
    private readonly List<(DateTimeOffset At, string Owner, string Id)> _pending = [];

    public List<(DateTimeOffset At, string InitiationId, DeliveryResult Result)> Deliveries { get; } = [];

    public List<SlotResult> Slots { get; } = [];

    /// <summary>Lives every slot of the span; with deliver false, plans stay pending (the test delivers them).</summary>
    public async Task RunAsync(IReadOnlyList<(string Owner, string Agent)> agents, DateTimeOffset from, TimeSpan span, Func<DateTimeOffset, Task>? beforeSlot = null, bool deliver = true)
    {
        var end = from + span;
        for (var at = from; at < end; at += TimeSpan.FromMinutes(15))
        {
            if (deliver) await DeliverDueAsync(at);
            clock.Now = at;
            if (beforeSlot is not null) await beforeSlot(at);
            foreach (var (owner, agent) in agents)
            {
                var result = await _engine.RunSlotAsync(new LifeSlot(owner, agent, LifeSlot.KeyOf(at), at), CancellationToken.None);
                Slots.Add(result);
                if (result is { InitiationId: { } id, SendAt: { } sendAt } && !_pending.Any(p => p.Id == id)) _pending.Add((sendAt, owner, id));
            }
        }
        if (deliver) await DeliverDueAsync(end);
        clock.Now = end;
    }

    /// <summary>Lives slots from <paramref name="from"/> until the agent plans a message (at most a day); returns the plan, undelivered.</summary>
    public async Task<(DateTimeOffset At, string Owner, string Id)> PlanOneAsync(string owner, string agent, DateTimeOffset from)
    {
        for (var at = from; at < from + TimeSpan.FromDays(1); at += TimeSpan.FromMinutes(15))
        {
            await RunAsync([(owner, agent)], at, TimeSpan.FromMinutes(15), deliver: false);
            if (_pending.Count > 0) return _pending[^1];
        }
        throw new InvalidOperationException("The agent planned nothing in a day.");
    }

    /// <summary>The initiations planned but not yet delivered.</summary>
    public IReadOnlyList<(DateTimeOffset At, string Owner, string Id)> Pending => _pending;

    private async Task DeliverDueAsync(DateTimeOffset until)
    {
        foreach (var due in _pending.Where(p => p.At <= until).OrderBy(p => p.At).ToList())
        {
            clock.Now = due.At;
            Deliveries.Add((due.At, due.Id, await _engine.DeliverAsync(due.Owner, due.Id, CancellationToken.None)));
            _pending.Remove(due);
        }
    }
}
