using Hearth.Chat;
using Hearth.Durable;
using Hearth.Durable.Jobs;
using Hearth.Search;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Hearth.Memory;

/// <summary>
/// Session summaries (warm memory): written by the <c>memory.summarise-session</c> function every N turns (the chat
/// enqueues it) or on demand (<see cref="RequestAsync"/>), from the session's messages up to the requested one — by the
/// model when one is wired (<see cref="IMemoryModel"/>), else by the rules. Stored in <c>memory.summaries</c> and
/// indexed (kind <c>summary</c>) so that search finds them too.
/// </summary>
public sealed class SessionSummarizer(
    SummaryStore store,
    IConversationReader conversations,
    ISessionSummaryWriter writer,
    SearchService search,
    DomainRouter router,
    NpgsqlDataSource db,
    IJobClient jobs,
    MemoryOptions options,
    ErasedTurnGuard guard,
    ILogger<SessionSummarizer> logger)
{
    public const string Kind = "summary";

    /// <summary>Asks for a summary of the session up to its last message; null when the session has no messages for this owner.</summary>
    /// <summary>Whether the session exists and is the owner's (someone else's session does not exist for them).</summary>
    public async Task<bool> IsOwnSessionAsync(string ownerId, string sessionId, CancellationToken ct) =>
        (await SessionMessages.ReadAsync(conversations, ownerId, sessionId, null, 1, ct)).Count > 0;

    public async Task<string?> RequestAsync(string ownerId, string sessionId, CancellationToken ct)
    {
        var last = await SessionMessages.ReadAsync(conversations, ownerId, sessionId, null, 1, ct);
        if (last.Count == 0) return null;
        var message = last[0];
        var request = new SessionSummaryRequested(ownerId, message.AgentId, sessionId, message.Id, message.CreatedAt);
        await using var tx = await db.BeginDurableAsync(ct);
        var id = await store.RequestAsync(ownerId, message.AgentId, sessionId, message.Id, tx.Transaction, ct);
        await jobs.EnqueueAsync(ChatQueues.SummariseSession, request,
            new EnqueueOptions { Owner = ownerId, UniqueKey = $"{sessionId}:{message.Id}" }, tx.Transaction, ct);
        await tx.CommitAsync(ct);
        return id;
    }

    /// <summary>Writes, stores and indexes the summary. Idempotent: the same request writes the same row and document.</summary>
    public async Task<SessionSummary?> SummariseAsync(SessionSummaryRequested request, CancellationToken ct)
    {
        // A summary ending at a message the user deleted is not written (the deletion asks for one of what is left).
        if (await conversations.WasDeletedAsync(request.OwnerId, [request.UpToMessageId], ct))
        {
            await guard.SummaryErasedAsync(request, "summarising", ct);
            return null;
        }
        var messages = await SessionMessages.ReadAsync(conversations, request.OwnerId, request.SessionId, request.UpToMessageId, options.SummaryMaxMessages, ct,
            agentId: request.AgentId);
        if (messages.Count == 0)
        {
            // The session emptied since the check above: deleted by the user, or erased with its companion.
            logger.LogWarning("Session {SessionId} has no messages to summarise", request.SessionId);
            await guard.SummaryErasedAsync(request, "summarising", ct);
            return null;
        }
        var draft = await writer.WriteAsync(messages, ct);

        // Indexed before it is marked done, so a summary the status calls done is already found by search (a retry after
        // a failure in between indexes the same id again).
        var text = SearchText(draft.Text, draft.Decisions, draft.ActionItems);
        var domain = router.Tag(text);
        await search.IndexAsync(router.Fallback.Collection, [new SearchDocument(SummaryStore.IdFor(request.UpToMessageId), request.OwnerId, text)
        {
            Agent = request.AgentId, Session = request.SessionId, Domain = domain.Name, Kind = Kind, Source = $"message:{request.UpToMessageId}",
            CreatedAt = messages[^1].CreatedAt,
        }], ct);
        var summary = await store.CompleteAsync(request.OwnerId, request.AgentId, request.SessionId, request.UpToMessageId, draft,
            messages.Count, messages[0].CreatedAt, messages[^1].CreatedAt, ct);
        // The companion may have been deleted while the session was read and summarised (see ErasedTurnGuard).
        if (await guard.SummaryErasedAsync(request, "summarising", ct)) return null;
        logger.LogInformation("Summarised session {SessionId} up to {MessageId}: {Messages} messages ({Origin})", request.SessionId, request.UpToMessageId, messages.Count, draft.Origin);
        return summary;
    }

    /// <summary>The text a summary is searched and recalled by.</summary>
    public static string SearchText(SessionSummary summary) => SearchText(summary.Text, summary.Decisions, summary.ActionItems);

    private static string SearchText(string? text, IReadOnlyList<string> decisions, IReadOnlyList<string> actionItems)
    {
        var parts = new List<string> { text ?? "" };
        if (decisions.Count > 0) parts.Add("Decisions: " + string.Join(" ", decisions));
        if (actionItems.Count > 0) parts.Add("Action items: " + string.Join(" ", actionItems));
        return string.Join("\n", parts.Where(p => p.Length > 0));
    }
}

/// <summary>
/// Memory suggestions (the <c>memory.extract-suggestions</c> function): reads the turn's exchange, lets the extractor
/// (the model when wired, else the rules) find candidates in the user's message and applies them to
/// <see cref="MemoryItemStore"/> with the message as provenance.
/// </summary>
public sealed class SuggestionService(
    MemoryItemStore items, IConversationReader conversations, ISuggestionExtractor extractor, ErasedTurnGuard guard, ILogger<SuggestionService> logger,
    ICoreMemoryBlocks? coreMemory = null)
{
    public async Task<IReadOnlyList<CandidateResult>> ExtractAsync(TurnCommitted turn, CancellationToken ct)
    {
        var exchange = await conversations.GetExchangeAsync(turn.OwnerId, turn.ReplyMessageId, ct);
        if (exchange is null) return [];
        // The companion's core block, so the model may propose edits of it (reviewed by the user like every suggestion).
        var block = coreMemory is null ? null : await coreMemory.ReadAsync(turn.OwnerId, turn.AgentId, ct);
        var (candidates, origin) = await extractor.ExtractAsync(exchange, block, ct);
        var source = new CandidateSource(turn.OwnerId, turn.AgentId, turn.SessionId, exchange.User.Id, exchange.User.CreatedAt, origin);
        var results = await items.ApplyAsync(source, candidates, ct);
        // The companion may have been deleted while the turn was read and its suggestions applied (see ErasedTurnGuard).
        if (results.Count > 0 && await guard.TurnErasedAsync(turn, "extracting suggestions", ct)) return [];
        foreach (var result in results.Where(r => r.Outcome is CandidateOutcome.Added or CandidateOutcome.Updated))
            logger.LogInformation("Memory suggestion {Outcome}: {Kind} {Subject} ({ItemId})", result.Outcome, result.Candidate.Kind, result.Candidate.Subject, result.ItemId);
        return results;
    }
}
