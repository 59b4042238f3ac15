using System.Data.Common;

namespace Hearth.Companions;

/// <summary>Mood and affinity after a change, and what the change actually was after clamping.</summary>
public sealed record FeelingsAfter(double Mood, double MoodDelta, double Affinity, double AffinityDelta);

/// <summary>One recorded change of mood or affinity.</summary>
/// <param name="What"><c>mood</c> or <c>affinity</c>.</param>
/// <param name="Source"><c>chat</c>, <c>life</c>, <c>drift</c>, <c>api</c>…</param>
public sealed record FeelingRecord(string What, double Delta, double ValueAfter, string Reason, string Source, string? MessageId, DateTimeOffset CreatedAt);

/// <summary>
/// Changes an agent's mood and affinity, clamped to their ranges, recording every change with its reason. The chat turn
/// uses it for each reply; the offline-life feature uses it to drift mood toward the baseline.
/// </summary>
public interface IAgentFeelings
{
    /// <summary>
    /// Adds <paramref name="moodDelta"/> and <paramref name="affinityDelta"/> (each clamped to the range; zero changes are
    /// not recorded). Null when the agent does not exist for that owner.
    /// </summary>
    Task<FeelingsAfter?> ChangeAsync(string ownerId, string agentId, double moodDelta, string moodReason, double affinityDelta, string affinityReason,
        string source, string? messageId, DbTransaction? transaction, CancellationToken ct);

    /// <summary>Moves mood by <paramref name="fraction"/> (0..1) of the way toward the agent's baseline, recorded with source <c>drift</c>.</summary>
    Task<FeelingsAfter?> DriftMoodAsync(string ownerId, string agentId, double fraction, string reason, DbTransaction? transaction, CancellationToken ct);

    /// <summary>The latest changes, newest first.</summary>
    Task<IReadOnlyList<FeelingRecord>> HistoryAsync(string ownerId, string agentId, int limit, CancellationToken ct);
}
