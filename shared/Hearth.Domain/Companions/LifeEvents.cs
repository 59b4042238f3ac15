using System.Data.Common;

namespace Hearth.Companions;

/// <summary>Something that happened in an agent's offline life ("went climbing", "burnt the toast").</summary>
/// <param name="MoodDelta">How it moved the agent's mood (-1 .. 1), already applied when the event was written.</param>
public sealed record LifeEvent(string Id, string AgentId, DateTimeOffset OccurredAt, string Kind, string Text, double MoodDelta, string? Topic, DateTimeOffset CreatedAt);

/// <summary>A life event to write.</summary>
/// <param name="Kind">Short category, e.g. <c>activity</c>, <c>work</c>, <c>social</c>, <c>mishap</c> (1-40 characters).</param>
/// <param name="Text">First-person past tense works best in prompts: "went to the farmers' market" (1-2000 characters).</param>
/// <param name="DedupeKey">Same key for the same agent: the second write is a no-op and returns the first event (retries of a job).</param>
public sealed record LifeEventDraft(
    string OwnerId,
    string AgentId,
    DateTimeOffset OccurredAt,
    string Kind,
    string Text,
    double MoodDelta = 0,
    string? Topic = null,
    string? DedupeKey = null);

/// <summary>
/// Writes and reads life events. The offline-life feature writes them; the chat turn reads recent ones into the prompt;
/// <c>GET /api/agents/{id}/events</c> lists them.
/// </summary>
public interface ILifeEvents
{
    /// <summary>
    /// Stores the event (inside <paramref name="transaction"/> when given) and applies its mood delta to the agent's mood
    /// (recorded in the mood history with reason "life event: …", source <c>life</c>). Null when the agent does not
    /// exist for that owner. Idempotent on <see cref="LifeEventDraft.DedupeKey"/>. Throws <see cref="ArgumentException"/> on bad fields.
    /// </summary>
    Task<LifeEvent?> AddAsync(LifeEventDraft draft, DbTransaction? transaction, CancellationToken ct);

    /// <summary>Events newest first (by when they happened) before the event id <paramref name="before"/> (null: the newest); null when the agent is not the owner's.</summary>
    Task<IReadOnlyList<LifeEvent>?> ListAsync(string ownerId, string agentId, string? before, int limit, CancellationToken ct);
}
