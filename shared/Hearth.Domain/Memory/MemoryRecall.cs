using Hearth.Chat;
using Hearth.Search;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Hearth.Memory;

/// <summary>
/// The memory of a chat turn (<see cref="IMemoryRecall"/>): hot — the last exchanges of the session; warm — what the
/// detected intent asks for (self-description, decisions, action items and project states, the last session summary)
/// and the accepted facts that share words with the message; cold — hybrid retrieval over the routed conversations
/// and the imported documents, without what hot memory already holds, and only passages above the relevance floor.
/// When the message is a question and nothing relevant is known, <see cref="Recall.Guidance"/> tells the model to
/// say it does not know.
/// </summary>
public sealed class MemoryRecall(
    MemoryRetriever retriever,
    MemoryItemStore items,
    SummaryStore summaries,
    IConversationReader conversations,
    NpgsqlDataSource db,
    MemoryOptions options,
    ILogger<MemoryRecall> logger) : IMemoryRecall
{
    public const string Hot = "hot";
    public const string Warm = "warm";
    public const string Cold = "cold";

    public const string UnknownIntent = "unknown";

    private const int SnippetLength = 400;
    private const int PassageLength = 1500;

    // Words of "why did we choose X" that say nothing about X.
    private static readonly HashSet<string> DecisionWords = new(
        new[] { "choose", "chose", "chosen", "pick", "picked", "decide", "decided", "decision", "go", "went", "going", "select", "selected", "opt",
                "settle", "settled", "instead", "reason", "use", "using", "used" }.SelectMany(TextAnalyzer.Analyze), StringComparer.Ordinal);

    public async Task<Recall> RecallAsync(RecallRequest request, CancellationToken ct)
    {
        var intent = IntentDetector.Detect(request.Text);
        var terms = IntentDetector.ContentTerms(request.Text);
        var hot = await HotAsync(request, ct);
        var warm = new List<RecalledMemory>();
        string? guidance = null;
        switch (intent)
        {
            case MemoryIntent.Self:
                warm.AddRange(await SelfAsync(request, ct));
                // A companion is its persona, never the assistant: who it is, where it lives and works, what it is doing and
                // what happened to it lately are all in the prompt already; a self-description it was given comes on top.
                guidance = "The user asks about you: answer as yourself, from who you are — your persona, where you live, your work, what you are doing now and what happened to you lately.";
                break;
            case MemoryIntent.Decisions:
                var decisions = await DecisionsAsync(request, terms, ct);
                warm.AddRange(decisions);
                guidance = decisions.Count > 0
                    ? "The user asks why something was decided: answer from the decisions in memory."
                    : "No decision about this is recorded in memory: say you do not know why rather than inventing a reason.";
                break;
            case MemoryIntent.NextSteps:
                var next = await NextStepsAsync(request, ct);
                warm.AddRange(next);
                guidance = next.Count > 0
                    ? "The user asks what is next: answer from the open action items and project states in memory."
                    : "No open action items or project states are recorded in memory: say so rather than inventing tasks.";
                break;
            case MemoryIntent.WhereWasI:
                var last = (await summaries.RecentAsync(request.OwnerId, request.AgentId, 1, ct)).FirstOrDefault();
                if (last is not null) warm.Add(Summary(last));
                guidance = last is not null || hot.Count > 0
                    ? "The user wants to pick up where they left off: start from the last session summary and the recent turns in memory."
                    : "No earlier conversation is remembered: say you do not remember where you left off rather than inventing it.";
                break;
        }

        var facts = await FactsAsync(request, terms, ct);
        warm.AddRange(facts.Where(f => warm.All(w => w.Id != f.Id)));

        var passages = new List<MemoryHit>();
        try
        {
            var result = await retriever.SearchAsync(retriever.ForReply(request.OwnerId, request.AgentId, request.Text, Math.Max(1, request.MaxItems)) with
            {
                ExcludeReplies = hot.Select(h => h.Id).ToHashSet(StringComparer.Ordinal),
                Withhold = request.Replacing is { } replaced ? new HashSet<string>(StringComparer.Ordinal) { replaced } : null,
            }, ct);
            // Only passages that hold something the message is about; the rest would invite the model to make things up.
            // A newer passage that updates a relevant one is relevant too ("we moved to Berlin" for "where do I live?").
            var relevant = result.Hits.Where(h => h.IsRelevant(retriever.SimilarityFloor)).ToList();
            var updates = relevant.Select(h => h.SupersededBy).OfType<string>().ToHashSet(StringComparer.Ordinal);
            passages.AddRange(result.Hits.Where(h => (relevant.Contains(h) || updates.Contains(h.Id)) && warm.All(w => w.Id != h.Id)));
        }
        catch (EmbeddingMismatchException e)
        {
            // The reply goes on without the index; the mismatch is an operator's fix (reindex), logged with its explanation.
            logger.LogError(e, "Cold memory skipped: {Reason}", e.Message);
        }
        // The same text never twice (a window equal to its only exchange, a document imported twice, a fact also said in chat),
        // and an exchange two overlapping windows hold is shown with the better one only.
        var given = hot.Concat(warm).Select(m => MemoryText.Fingerprint(m.Snippet)).ToHashSet(StringComparer.Ordinal);
        var givenParts = new HashSet<string>(StringComparer.Ordinal);
        var cold = new List<RecalledMemory>();
        foreach (var hit in passages)
        {
            var parts = hit.Text.Split(TurnDocuments.ExchangeSeparator, StringSplitOptions.RemoveEmptyEntries);
            var fresh = parts.Where(p => !givenParts.Contains(MemoryText.Fingerprint(p))).ToList();
            if (fresh.Count == 0) continue;
            var text = fresh.Count == parts.Length ? hit.Text : string.Join(TurnDocuments.ExchangeSeparator, fresh);
            var memory = new RecalledMemory(hit.Id, hit.Kind, Cold, Snippet(text, hit.SupersededBy, terms), hit.Score) { SupersededBy = hit.SupersededBy };
            if (!given.Add(MemoryText.Fingerprint(memory.Snippet))) continue;
            givenParts.UnionWith(fresh.Select(MemoryText.Fingerprint));
            cold.Add(memory);
        }

        var name = intent == MemoryIntent.None ? null : IntentDetector.Name(intent);
        if (intent == MemoryIntent.Question)
        {
            var known = retriever.Answers(request.Text, terms, passages, facts.Select(f => f.Snippet).Concat(hot.Select(h => h.Snippet)));
            if (!known)
            {
                name = UnknownIntent;
                guidance = "Nothing relevant to this is remembered. If the user asks about something they told you, say you do not know instead of inventing an answer.";
                // Accepted facts that share a word stay (the user confirmed them); passages below the floor would only mislead.
                cold.Clear();
            }
        }
        return new Recall(hot, warm, cold, name, guidance);
    }

    private async Task<List<RecalledMemory>> HotAsync(RecallRequest request, CancellationToken ct)
    {
        if (options.HotTurns == 0) return [];
        if (request.Recent is { } tail)
        {
            // The turn read the session's latest messages already: no second read when they hold enough exchanges.
            var recent = SessionMessages.Pair(tail.Messages).Where(e => e.Reply.Id != request.Replacing).ToList();
            if (tail.FromStart || recent.Count >= options.HotTurns) return HotMemories(recent);
        }
        var reader = conversations;
        string? bookmark;
        await using (var command = db.CreateCommand("""
            select reply_message_id from memory.turns where owner_id = @owner::uuid and session_id = @session and agent_id = @agent order by at desc limit 1
            """))
        {
            // A group's session holds several companions' turns: each recalls its own.
            command.Parameters.AddWithValue("agent", request.AgentId);
            command.Parameters.AddWithValue("owner", request.OwnerId);
            command.Parameters.AddWithValue("session", request.SessionId);
            bookmark = await command.ExecuteScalarAsync(ct) as string;
        }
        IReadOnlyList<ConversationExchange> exchanges;
        if (bookmark is null)
        {
            exchanges = SessionMessages.Pair(await SessionMessages.ReadAsync(reader, request.OwnerId, request.SessionId, null, options.HotTurns * 2 + 2, ct));
        }
        else
        {
            // Indexed turns come from their bookmark; the newest (not indexed yet) from the messages after it.
            var before = await reader.GetExchangesAsync(request.OwnerId, request.SessionId, bookmark, options.HotTurns, ct);
            var after = SessionMessages.Pair(await SessionMessages.ReadAsync(reader, request.OwnerId, request.SessionId, null, options.HotTurns * 2 + 2, ct, bookmark));
            exchanges = before.Concat(after).ToList();
        }
        return HotMemories(exchanges.Where(e => e.Reply.Id != request.Replacing));
    }

    private List<RecalledMemory> HotMemories(IEnumerable<ConversationExchange> exchanges) =>
        exchanges.TakeLast(options.HotTurns)
            .Select(e => new RecalledMemory(e.Reply.Id, TurnDocuments.TurnKind, Hot,
                MemoryText.Clip(e.User.Text, SnippetLength / 2) + " → " + MemoryText.Clip(e.Reply.Text, SnippetLength / 2), 1.0))
            .ToList();

    private async Task<List<RecalledMemory>> SelfAsync(RecallRequest request, CancellationToken ct) =>
        (await items.AcceptedAsync(request.OwnerId, request.AgentId, [MemoryKinds.Self], options.MaxWarmItems, ct))
            .Where(i => i.AgentId == request.AgentId).Select(i => Item(i, 1.0)).ToList();

    private async Task<List<RecalledMemory>> DecisionsAsync(RecallRequest request, IReadOnlyList<string> terms, CancellationToken ct)
    {
        var about = terms.Where(t => !DecisionWords.Contains(t)).ToList();
        var candidates = new List<(RecalledMemory Memory, DateTimeOffset At)>();
        foreach (var item in await items.AcceptedAsync(request.OwnerId, request.AgentId, [MemoryKinds.Decision], 200, ct))
            candidates.Add((Item(item, 1.0), item.UpdatedAt));
        foreach (var summary in await summaries.RecentAsync(request.OwnerId, request.AgentId, 20, ct))
            for (var i = 0; i < summary.Decisions.Count; i++)
                candidates.Add((new RecalledMemory($"{summary.Id}#decision-{i + 1}", MemoryKinds.Decision, Warm, summary.Decisions[i], 1.0), summary.LastMessageAt ?? summary.RequestedAt));
        if (about.Count == 0)
            return candidates.OrderByDescending(c => c.At).Take(options.MaxWarmItems).Select(c => c.Memory).ToList();
        return candidates
            .Select(c => (c.Memory, c.At, Coverage: IntentDetector.Coverage(about, c.Memory.Snippet)))
            .Where(c => c.Coverage > 0)
            .OrderByDescending(c => c.Coverage).ThenByDescending(c => c.At)
            .Take(options.MaxWarmItems)
            .Select(c => c.Memory with { Score = c.Coverage })
            .ToList();
    }

    private async Task<List<RecalledMemory>> NextStepsAsync(RecallRequest request, CancellationToken ct)
    {
        var next = new List<RecalledMemory>();
        foreach (var item in await items.AcceptedAsync(request.OwnerId, request.AgentId, [MemoryKinds.Action, MemoryKinds.Project], options.MaxWarmItems, ct))
            next.Add(Item(item, 1.0));
        foreach (var summary in await summaries.RecentAsync(request.OwnerId, request.AgentId, 3, ct))
            for (var i = 0; i < summary.ActionItems.Count; i++)
                next.Add(new RecalledMemory($"{summary.Id}#action-{i + 1}", MemoryKinds.Action, Warm, summary.ActionItems[i], 1.0));
        return next.DistinctBy(m => MemoryText.Fingerprint(m.Snippet)).Take(options.MaxWarmItems).ToList();
    }

    private async Task<List<RecalledMemory>> FactsAsync(RecallRequest request, IReadOnlyList<string> terms, CancellationToken ct)
    {
        if (terms.Count == 0 || options.MaxWarmItems == 0) return [];
        var accepted = await items.AcceptedAsync(request.OwnerId, request.AgentId, MemoryKinds.Suggested, 500, ct);
        return accepted
            .Select(i => (Item: i, Coverage: IntentDetector.Coverage(terms, i.Text + " " + i.Subject.Replace(':', ' ').Replace('-', ' '))))
            .Where(p => p.Coverage > 0)
            .OrderByDescending(p => p.Coverage).ThenByDescending(p => p.Item.UpdatedAt)
            .Take(options.MaxWarmItems)
            .Select(p => Item(p.Item, p.Coverage))
            .ToList();
    }

    /// <summary>What the prompt and <c>memoriesUsed</c> show of a cold passage: the passage, said to be out of date when a newer one updates it.</summary>
    private static string Snippet(string text, string? supersededBy, IReadOnlyList<string> terms) =>
        supersededBy is null ? Passage(text, terms) : SupersededPrefix + Passage(text, terms);

    /// <summary>Starts the snippet of a passage a newer one updates.</summary>
    public const string SupersededPrefix = "[superseded by a later statement] ";

    /// <summary>
    /// A passage for the prompt: whole when short; otherwise its parts (a window's exchanges) that hold the most of the
    /// message's words, in their order, within the length.
    /// </summary>
    public static string Passage(string text, IReadOnlyList<string> terms)
    {
        if (text.Length <= PassageLength) return text;
        var parts = text.Split(TurnDocuments.ExchangeSeparator, StringSplitOptions.RemoveEmptyEntries);
        var chosen = new SortedSet<int>();
        var length = 0;
        foreach (var (part, index) in parts.Select((p, i) => (p, i)).OrderByDescending(p => IntentDetector.Coverage(terms, p.p)).ThenByDescending(p => p.i))
        {
            if (length + part.Length + 2 > PassageLength) continue;
            chosen.Add(index);
            length += part.Length + 2;
        }
        return chosen.Count == 0
            ? MemoryText.Clip(parts.OrderByDescending(p => IntentDetector.Coverage(terms, p)).First(), PassageLength)
            : string.Join(TurnDocuments.ExchangeSeparator, chosen.Select(i => parts[i]));
    }

    private static RecalledMemory Item(MemoryItem item, double score) => new(item.Id, item.Kind, Warm, MemoryText.Clip(item.Text, SnippetLength), score);

    private static RecalledMemory Summary(SessionSummary summary) =>
        new(summary.Id, SessionSummarizer.Kind, Warm, MemoryText.Clip(SessionSummarizer.SearchText(summary), SnippetLength), 1.0);
}
