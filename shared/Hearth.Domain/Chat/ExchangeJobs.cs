using Hearth.Durable.Jobs;

namespace Hearth.Chat;

/// <summary>
/// What memory and the archive do after an exchange is written or changed, the same for a 1:1 turn and for a companion's
/// exchange in a group chat: index it, read the user's words for suggestions (when they are new or changed), summarise
/// the session when the exchange is its companion's N-th there, and mirror it to the archive when one is configured.
/// </summary>
public sealed partial class ChatTurnService
{
    /// <summary>Whether a companion's <paramref name="exchanges"/>-th exchange of a session ends a summary (every <c>Chat:SummaryEveryTurns</c>).</summary>
    private bool SummaryDue(int exchanges) => options.Value.SummaryEveryTurns is > 0 and var every && exchanges > 0 && exchanges % every == 0;

    /// <summary>
    /// The jobs for <paramref name="turn"/>: indexing always, suggestions when <paramref name="suggestions"/>, a summary of the
    /// session up to the reply when <paramref name="summaryKey"/> is set (its de-duplication key), and the archive's copy.
    /// </summary>
    private List<JobRequest> ExchangeJobs(TurnCommitted turn, bool suggestions, string? summaryKey)
    {
        var enqueue = new EnqueueOptions { Owner = turn.OwnerId };
        var side = new List<JobRequest>(4) { new(ChatQueues.IndexTurn, turn, enqueue) };
        if (suggestions) side.Add(new JobRequest(ChatQueues.ExtractSuggestions, turn, enqueue));
        if (summaryKey is not null)
            side.Add(SummaryJob(new SessionSummaryRequested(turn.OwnerId, turn.AgentId, turn.SessionId, turn.ReplyMessageId, turn.At), summaryKey));
        if (archive.IsEnabled) side.Add(new JobRequest(ChatQueues.MirrorTurn, turn, enqueue));
        return side;
    }

    /// <summary>A summary of the session up to a reply, de-duplicated by <paramref name="key"/>.</summary>
    private static JobRequest SummaryJob(SessionSummaryRequested request, string key) =>
        new(ChatQueues.SummariseSession, request, new EnqueueOptions { Owner = request.OwnerId, UniqueKey = key });
}
