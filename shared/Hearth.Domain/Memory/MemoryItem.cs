using Hearth.Search;

namespace Hearth.Memory;

/// <summary>The kinds of structured (warm) memory.</summary>
public static class MemoryKinds
{
    public const string Fact = "fact";
    public const string Preference = "preference";
    public const string Project = "project";
    public const string Tool = "tool";
    public const string Person = "person";
    public const string Date = "date";
    public const string Decision = "decision";
    public const string Action = "action";
    /// <summary>What an agent (or the assistant) is: answered to "who are you".</summary>
    public const string Self = "self";
    /// <summary>
    /// An edit of a companion's core memory block the model proposed (subject <c>core:append:…</c> or <c>core:replace:…</c>;
    /// a replacement keeps the line it replaces as its first history entry). Accepting it applies it to the block, and its
    /// subject becomes <c>core:applied:append|replace:&lt;id&gt;</c> (a record of the edit, never in the way of a new proposal).
    /// </summary>
    public const string Core = "core";

    /// <summary>Every kind an item may have.</summary>
    public static IReadOnlyList<string> All { get; } = [Fact, Preference, Project, Tool, Person, Date, Decision, Action, Self, Core];

    /// <summary>The kinds a user may write or give an item directly (a core edit only comes from a proposal).</summary>
    public static IReadOnlyList<string> Writable { get; } = [Fact, Preference, Project, Tool, Person, Date, Decision, Action, Self];

    /// <summary>The kinds memory suggests from conversations (about the user).</summary>
    public static IReadOnlyList<string> Suggested { get; } = [Fact, Preference, Project, Tool, Person, Date];

    public static bool IsKnown(string? kind) => kind is not null && All.Contains(kind);
}

/// <summary>Where an item stands: suggested by memory, accepted by the user (remembered), or rejected (never suggested again).</summary>
public static class MemoryStatus
{
    public const string Suggested = "suggested";
    public const string Accepted = "accepted";
    public const string Rejected = "rejected";

    public static bool IsKnown(string? status) => status is Suggested or Accepted or Rejected;
}

/// <summary>An earlier value of an item.</summary>
public sealed record MemoryRevision(string Text, string? SourceMessageId, DateTimeOffset At);

/// <summary>
/// One structured memory. <see cref="Subject"/> is the normalised key it is de-duplicated and updated by (e.g.
/// <c>home</c>, <c>taste:jazz</c>, <c>person:boss</c>); <see cref="SourceMessageId"/> is the message it was learnt from.
/// </summary>
/// <param name="AgentId">For self-descriptions, the agent described; otherwise the agent of the conversation it came from.</param>
public sealed record MemoryItem(
    string Id,
    string OwnerId,
    string Kind,
    string Subject,
    string Text,
    string Status,
    string Origin,
    string? AgentId,
    string? SessionId,
    string? SourceMessageId,
    DateTimeOffset SourceAt,
    IReadOnlyList<MemoryRevision> History,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt);

/// <summary>Something an extractor believes the user told: a kind, a subject key and a short statement.</summary>
/// <param name="Replaces">For a core memory edit, the line of the block the text replaces (null: the text is a new line).</param>
public sealed record MemoryCandidate(string Kind, string Subject, string Text, string? Replaces = null)
{
    /// <summary>A proposed edit of the core memory block: a new line, or <paramref name="text"/> in place of <paramref name="replaces"/>.</summary>
    public static MemoryCandidate CoreEdit(string text, string? replaces) => string.IsNullOrEmpty(replaces)
        ? new(MemoryKinds.Core, "core:append:" + MemoryText.Key(text, 6), text)
        : new(MemoryKinds.Core, "core:replace:" + MemoryText.Key(replaces, 6), text, replaces);

    /// <summary>The line a core edit item replaces (its first history entry), or null when it adds a line.</summary>
    public static string? ReplacedLine(MemoryItem item) =>
        item.Kind == MemoryKinds.Core && item.History.Count > 0
        && (item.Subject.StartsWith("core:replace:", StringComparison.Ordinal) || item.Subject.StartsWith("core:applied:replace:", StringComparison.Ordinal))
            ? item.History[0].Text : null;
}

/// <summary>Where candidates came from: the message (provenance) and who read it (<c>rules</c> or <c>model</c>).</summary>
public sealed record CandidateSource(string OwnerId, string? AgentId, string? SessionId, string? MessageId, DateTimeOffset At, string Origin);

/// <summary>What applying a candidate did.</summary>
public enum CandidateOutcome
{
    /// <summary>A new suggestion.</summary>
    Added,
    /// <summary>An existing item of the same subject now says the new value (the old one is kept in its history).</summary>
    Updated,
    /// <summary>The same fact was already known.</summary>
    Unchanged,
    /// <summary>The user rejected this very suggestion before: it does not come back.</summary>
    PreviouslyRejected,
    /// <summary>The item was changed by newer evidence (or by the user) since this message: left alone.</summary>
    Stale,
}

/// <summary>The outcome for one candidate and the item concerned.</summary>
public sealed record CandidateResult(MemoryCandidate Candidate, CandidateOutcome Outcome, string? ItemId);

/// <summary>How items are compared: the analysed words of a text (case, punctuation, plurals and stop words do not matter).</summary>
public static class MemoryText
{
    public static string Fingerprint(string text) => string.Join(' ', TextAnalyzer.Analyze(text));

    /// <summary>A subject key from free words: the first few analysed words joined by dashes.</summary>
    public static string Key(string text, int words = 4)
    {
        var terms = TextAnalyzer.Analyze(text).Take(words).ToList();
        return terms.Count == 0 ? "x" : string.Join('-', terms);
    }

    /// <summary>Text shortened to <paramref name="max"/> characters on a word boundary, with an ellipsis.</summary>
    public static string Clip(string text, int max)
    {
        text = text.Trim();
        if (text.Length <= max) return text;
        var cut = text.LastIndexOf(' ', max - 1);
        return (cut > max / 2 ? text[..cut] : text[..(max - 1)]).TrimEnd() + "…";
    }
}
