namespace Hearth.Memory;

/// <summary>What the chat turn asks memory for, before it calls the model.</summary>
public sealed record RecallRequest(string OwnerId, string AgentId, string SessionId, string Text, DateTimeOffset Now, int MaxItems = 8)
{
    /// <summary>The reply being written again (a regeneration): memory is recalled as it was before it, without it.</summary>
    public string? Replacing { get; init; }

    /// <summary>The session's latest messages the caller has read already, so hot memory does not read them again (null: memory reads the session).</summary>
    public SessionTail? Recent { get; init; }
}

/// <summary>
/// The latest messages of a session as a caller read them, oldest first; <paramref name="FromStart"/>: they begin at the
/// session's first message (no earlier one was left out).
/// </summary>
public sealed record SessionTail(IReadOnlyList<Hearth.Chat.ConversationMessage> Messages, bool FromStart);

/// <summary>One remembered thing used to build a reply (returned to the user as <c>memoriesUsed</c>).</summary>
/// <param name="Kind">e.g. turn, summary, fact, preference, decision, project, self, document.</param>
/// <param name="Tier">hot (recent turns), warm (structured memory), cold (the index).</param>
public sealed record RecalledMemory(string Id, string Kind, string Tier, string Snippet, double Score)
{
    /// <summary>A cold passage a newer one updates ("I live in Porto" after "we moved to Berlin"): the newer one's id. Its snippet says so.</summary>
    public string? SupersededBy { get; init; }
}

/// <summary>
/// Memory for one turn: recent turns (hot), structured memory (warm) and retrieved passages (cold), de-duplicated.
/// <paramref name="Guidance"/> is an instruction for the prompt when an intent was detected (e.g. "you do not know
/// this; say so instead of inventing").
/// </summary>
public sealed record Recall(
    IReadOnlyList<RecalledMemory> Hot,
    IReadOnlyList<RecalledMemory> Warm,
    IReadOnlyList<RecalledMemory> Cold,
    string? Intent,
    string? Guidance)
{
    public static Recall Empty { get; } = new([], [], [], null, null);

    /// <summary>Everything used, in prompt order, for the reply's <c>memoriesUsed</c>.</summary>
    public IEnumerable<RecalledMemory> All => Hot.Concat(Warm).Concat(Cold);
}

/// <summary>Builds the memory of a turn. The memory feature implements it; without it, the chat uses recent turns only.</summary>
public interface IMemoryRecall
{
    Task<Recall> RecallAsync(RecallRequest request, CancellationToken ct);
}
