using Hearth.Companions;
using Hearth.Durable.Orchestrations;
using Hearth.Life;
using Npgsql;

namespace Hearth.Functions.Life;

/// <summary>
/// The offline life's part of a deletion. A companion: its slot orchestrations (one may be waiting to deliver a planned
/// message) are stopped and purged — their outputs hold its life events. Its plans, initiations and notifications went
/// with the agent row. An account: the push webhook and its secret, and any life row still under the old id.
/// </summary>
public sealed class LifeCompanionEraser(NpgsqlDataSource db, IOrchestrationClient orchestrations) : ICompanionEraser, IAccountEraser
{
    public async Task EraseAsync(string ownerId, string agentId, CancellationToken ct)
    {
        var prefix = LifeSlot.InstanceId(agentId, "");
        var slots = await OrchestrationErasure.ListAsync(orchestrations, ownerId, LifeSlotOrchestration.Name, id => id.StartsWith(prefix, StringComparison.Ordinal), ct);
        await OrchestrationErasure.EraseAsync(orchestrations, slots, ownerId, "the companion was deleted", ct);
    }

    public async Task EraseAccountAsync(string ownerId, CancellationToken ct)
    {
        if (!Guid.TryParse(ownerId, out var owner)) return;
        await OwnedRows.DeleteAsync(db,
        [
            "delete from life.webhooks where owner_id = @owner",
            "delete from life.notifications where owner_id = @owner",
            "delete from life.initiations where owner_id = @owner",
            "delete from life.initiation_settings where owner_id = @owner",
            "delete from life.agent_clock where owner_id = @owner",
        ], owner, null, ct);
    }
}
