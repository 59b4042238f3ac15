using System.Data.Common;

namespace Hearth.Companions;

/// <summary>Agents and their scenarios, always scoped to an owner (someone else's agent reads as absent).</summary>
public interface IAgentStore
{
    /// <summary>
    /// Stores a new agent (validate with <see cref="AgentRules"/> first). <paramref name="inTransaction"/> runs inside the
    /// insert's transaction (e.g. to start the base portrait job so that it exists iff the agent does).
    /// When the owner already has <paramref name="maxPerOwner"/> agents (0: no cap) nothing is stored and
    /// <see cref="AgentLimitReachedException"/> is thrown; the count and the insert are serialized per owner, so
    /// concurrent creates cannot pass the cap.
    /// </summary>
    Task<Agent> CreateAsync(string ownerId, AgentDraft draft, int maxPerOwner, Func<Agent, DbTransaction, CancellationToken, Task>? inTransaction, CancellationToken ct);

    Task<Agent?> FindAsync(string ownerId, string agentId, CancellationToken ct);

    /// <summary>The owner's agents, newest first, after the cursor (an agent id) of the previous page.</summary>
    Task<IReadOnlyList<Agent>> ListAsync(string ownerId, string? afterId, int limit, CancellationToken ct);

    /// <summary>Every agent of every owner in id order after <paramref name="afterId"/> (for timers such as the offline life).</summary>
    Task<IReadOnlyList<Agent>> ListAllAsync(string? afterId, int limit, CancellationToken ct);

    /// <summary>Applies a change (validate first); null when the agent is not the owner's.</summary>
    Task<Agent?> UpdateAsync(string ownerId, string agentId, AgentChange change, CancellationToken ct);

    /// <summary>Deletes the agent with its scenarios, events, feelings history, sessions and messages.</summary>
    Task<bool> DeleteAsync(string ownerId, string agentId, CancellationToken ct);

    /// <summary>Sets the base portrait; false when the agent is not the owner's. Idempotent.</summary>
    Task<bool> SetBasePortraitAsync(string ownerId, string agentId, string mediaId, CancellationToken ct);

    /// <summary>Adds a scenario; null when the agent is not the owner's.</summary>
    Task<Scenario?> AddScenarioAsync(string ownerId, string agentId, ScenarioDraft draft, CancellationToken ct);

    /// <summary>The agent's scenarios, newest first; null when the agent is not the owner's.</summary>
    Task<IReadOnlyList<Scenario>?> ListScenariosAsync(string ownerId, string agentId, CancellationToken ct);
}

/// <summary>Ids are UUIDs; anything else names nothing.</summary>
internal static class Ids
{
    public static bool TryParse(string? id, out Guid value) => Guid.TryParse(id, out value);

    /// <summary>Time-ordered ids (UUID v7), so id order is creation order.</summary>
    public static Guid New() => Guid.CreateVersion7();
}

/// <summary>The owner already has as many companions as one user may (<see cref="Limit"/>).</summary>
public sealed class AgentLimitReachedException(int limit)
    : Exception($"You have {limit} companions, the most one user may have; delete one to create another.")
{
    public int Limit { get; } = limit;
}
