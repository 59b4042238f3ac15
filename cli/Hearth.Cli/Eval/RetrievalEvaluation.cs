using Hearth.Adapters.AzureSearch;
using Hearth.Chat;
using Hearth.Durable.Migrations;
using Hearth.Memory;
using Hearth.Search;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Hearth.Cli.Eval;

/// <summary>
/// Recall@1/5/10 as LongMemEval's evaluation code defines it (<c>recall_any@k</c> in its <c>eval_utils.py</c>: 1 when some
/// evidence is among the first k passages, else 0), its <c>recall_all@k</c> (all of the evidence), NDCG@10 and MRR, and
/// evidence@k (the share of a question's evidence units in the first k; Hearth's own measure before, not LongMemEval's:
/// a question with two evidence sessions scores at most 0.5 at k = 1), averaged over questions.
/// </summary>
public sealed record RetrievalMetrics(int Questions, double RecallAt1, double RecallAt5, double RecallAt10, double Mrr,
    double AnyAt1 = 0, double AnyAt5 = 0, double AllAt5 = 0, double NdcgAt10 = 0, double EvidenceAt1 = 0, double EvidenceAt5 = 0)
{
    public static RetrievalMetrics Of(IReadOnlyCollection<QuestionScore> scores) => scores.Count == 0
        ? new RetrievalMetrics(0, 0, 0, 0, 0)
        : new RetrievalMetrics(scores.Count, scores.Average(s => s.RecallAt1), scores.Average(s => s.RecallAt5), scores.Average(s => s.RecallAt10), scores.Average(s => s.Mrr),
            scores.Average(s => s.AnyAt1), scores.Average(s => s.AnyAt5), scores.Average(s => s.AllAt5), scores.Average(s => s.NdcgAt10),
            scores.Average(s => s.EvidenceAt1), scores.Average(s => s.EvidenceAt5));
}

/// <summary>
/// Knowledge-update questions (two or more evidence units said at different times): how many ranked the newest
/// statement above every older one, and how many marked an older one superseded.
/// </summary>
public sealed record UpdateMetrics(int Questions, int NewestFirst, int MarkedSuperseded);

/// <summary>
/// Abstention questions (ids ending in <c>_abs</c>): how many found nothing above the relevance floor (the recall's
/// "say you do not know"); and how many answerable questions wrongly found nothing.
/// </summary>
public sealed record AbstentionMetrics(int Questions, int Abstained, double Rate, int AnswerableQuestions, int AnswerableWithNothingRelevant);

/// <summary>One question's scores; <see cref="FoundRelevant"/> is whether any retrieved passage passed the relevance floor.</summary>
public sealed record QuestionScore(string Id, string Type, bool IsAbstention, int Evidence, double RecallAt1, double RecallAt5, double RecallAt10, double Mrr, bool FoundRelevant,
    double? TopSimilarity = null, bool FoundByWords = false)
{
    public double AnyAt1 { get; init; }
    public double AnyAt5 { get; init; }
    public double AllAt5 { get; init; }
    public double NdcgAt10 { get; init; }
    /// <summary>Share of the evidence units in the first passage / the first five.</summary>
    public double EvidenceAt1 { get; init; }
    public double EvidenceAt5 { get; init; }
    /// <summary>Knowledge updates: whether the newest evidence came before every older evidence (null: not such a question).</summary>
    public bool? NewestFirst { get; init; }
    /// <summary>Knowledge updates: whether an older evidence passage was marked superseded.</summary>
    public bool? MarkedSuperseded { get; init; }
    /// <summary>The first passages as ranked (id, score, similarity, coverage, superseded), for --details.</summary>
    public IReadOnlyList<string> Top { get; init; } = [];
}

/// <summary>The evaluation of one mode.</summary>
public sealed record ModeReport(string Mode, int K, RetrievalMetrics Overall, IReadOnlyDictionary<string, RetrievalMetrics> ByType, AbstentionMetrics Abstention, IReadOnlyList<QuestionScore> Questions)
{
    public UpdateMetrics Updates { get; init; } = new(0, 0, 0);
}

/// <summary>
/// Runs the real indexing and retrieval code in process: each question's haystack is indexed for an owner of its own
/// with <see cref="TurnIndexer"/> (exchange and rolling-window documents, as the index-turn function writes them), then
/// the question is asked through <see cref="MemoryRetriever"/> (as the chat's cold recall and /api/search ask).
/// A retrieved passage covers the exchanges it holds; an exchange is evidence when one of its turns has
/// <c>has_answer</c> (without such labels: any exchange of an <c>answer_session_ids</c> session counts for that session).
/// recall@k = 1 when a passage among the first k covers evidence (LongMemEval's recall_any@k); MRR = 1 / rank of the first such passage.
/// </summary>
public static class RetrievalEvaluation
{
    private const string Agent = "eval-agent";

    public static async Task<IReadOnlyList<ModeReport>> RunAsync(
        IReadOnlyList<EvalQuestion> questions, IReadOnlyList<SearchMode> modes, int k, string connectionString, CancellationToken ct,
        IReadOnlyDictionary<string, string?>? embedder = null) =>
        (await RunAsync(questions, modes, k, connectionString, embedder ?? EmbedderSettings("arctic"), [new Dictionary<string, string?>()], ct))[0];

    /// <summary>
    /// Indexes every question's haystack once, then asks every question in each mode once per configuration (settings
    /// laid over <paramref name="settings"/>, e.g. fusion weights): a sweep costs the questions, not the embedding.
    /// </summary>
    public static async Task<IReadOnlyList<IReadOnlyList<ModeReport>>> RunAsync(
        IReadOnlyList<EvalQuestion> questions, IReadOnlyList<SearchMode> modes, int k, string connectionString,
        IReadOnlyDictionary<string, string?> settings, IReadOnlyList<IReadOnlyDictionary<string, string?>> configurations, CancellationToken ct)
    {
        var haystacks = new Dictionary<string, (IReadOnlyList<HashSet<string>> Evidence, IReadOnlyList<DateTimeOffset> Times)>();
        await using (var indexing = Services(connectionString, settings, null, out var indexOptions))
        {
            await Migrator.ApplyAsync(indexing.GetRequiredService<NpgsqlDataSource>(), indexing.GetServices<MigrationSource>(), NullLogger.Instance, ct);
            var indexer = indexing.GetRequiredService<TurnIndexer>();
            foreach (var question in questions)
            {
                var (turns, evidence, times) = Haystack(OwnerOf(question), question, indexOptions.WindowTurns);
                await indexer.IndexAsync(turns, ct);
                haystacks[question.Id] = (evidence, times);
            }
        }

        var all = new List<IReadOnlyList<ModeReport>>();
        foreach (var configuration in configurations)
        {
            await using var provider = Services(connectionString, settings, configuration, out var options);
            var retriever = provider.GetRequiredService<MemoryRetriever>();
            var scores = modes.ToDictionary(m => m, _ => new List<QuestionScore>());
            foreach (var question in questions)
            {
                var (evidence, times) = haystacks[question.Id];
                foreach (var mode in modes)
                {
                    var result = await retriever.SearchAsync(MemoryRetriever.ForRecall(OwnerOf(question), Agent, question.Question, Math.Max(k, 10), mode), ct);
                    scores[mode].Add(Score(question, evidence, result.Hits.Take(Math.Max(k, 10)).ToList(), k, result.ContentTerms, options.RelevanceFloor, retriever, times));
                }
            }
            all.Add(modes.Select(m => Report(m, k, scores[m])).ToList());
        }
        return all;
    }

    private static ServiceProvider Services(string connectionString, IReadOnlyDictionary<string, string?> settings,
        IReadOnlyDictionary<string, string?>? configuration, out MemoryOptions options)
    {
        var merged = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase) { ["Search:Provider"] = "Local" };
        foreach (var (key, value) in settings) merged[key] = value;
        foreach (var (key, value) in configuration ?? new Dictionary<string, string?>()) merged[key] = value;
        var built = new ConfigurationBuilder().AddInMemoryCollection(merged).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton(_ => NpgsqlDataSource.Create(connectionString));
        services.AddHearthSearch(built);
        options = built.GetSection("Memory").Get<MemoryOptions>() ?? new MemoryOptions();
        services.AddHearthMemory(options);
        services.AddSingleton<IConversationReader, NoConversations>();
        return services.BuildServiceProvider();
    }

    /// <summary>The <c>Models:Embeddings</c> settings for <c>--embedder</c>: arctic (the default model), minilm or hashing.</summary>
    public static IReadOnlyDictionary<string, string?> EmbedderSettings(string embedder, bool queryInstruction = true) => embedder switch
    {
        "hashing" => new Dictionary<string, string?> { ["Models:Embeddings:Provider"] = "Hashing" },
        "minilm" => new Dictionary<string, string?> { ["Models:Embeddings:Provider"] = "Local", ["Models:Embeddings:Model"] = "all-minilm-l6-v2" },
        _ => new Dictionary<string, string?>
        {
            ["Models:Embeddings:Provider"] = "Local",
            ["Models:Embeddings:Model"] = "snowflake-arctic-embed-xs",
            ["Models:Embeddings:QueryInstruction"] = queryInstruction ? "true" : "false",
        },
    };

    /// <summary>Each question's own owner: a user id (a uuid) derived from the question's id.</summary>
    private static string OwnerOf(EvalQuestion question) =>
        new Guid(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes("eval:" + question.Id)).AsSpan(0, 16)).ToString();

    /// <summary>The exchanges to index (rolling windows as in a live session), the evidence units (sets of reply ids) and when each unit was said.</summary>
    public static (IReadOnlyList<TurnToIndex> Turns, IReadOnlyList<HashSet<string>> Evidence, IReadOnlyList<DateTimeOffset> EvidenceTimes) Haystack(
        string owner, EvalQuestion question, int windowTurns)
    {
        var turns = new List<TurnToIndex>();
        var evidence = new List<HashSet<string>>();
        var times = new List<DateTimeOffset>();
        foreach (var session in question.Sessions)
        {
            var exchanges = new List<(ConversationExchange Exchange, bool HasAnswer)>();
            for (var i = 0; i < session.Turns.Count; i++)
            {
                var turn = session.Turns[i];
                ConversationMessage Message(int index, string role, string text) =>
                    new($"{session.Id}:{index}", owner, Agent, session.Id, role, text, session.Date.AddSeconds(index));
                if (turn.Role == "user" && i + 1 < session.Turns.Count && session.Turns[i + 1].Role == "assistant")
                {
                    var reply = session.Turns[i + 1];
                    exchanges.Add((new ConversationExchange(Message(i, "user", turn.Content), Message(i + 1, "agent", reply.Content)), turn.HasAnswer || reply.HasAnswer));
                    i++;
                }
                else if (turn.Role == "user")
                    exchanges.Add((new ConversationExchange(Message(i, "user", turn.Content), Message(i, "agent", "") with { Id = $"{session.Id}:{i}r" }), turn.HasAnswer));
                else
                    exchanges.Add((new ConversationExchange(Message(i, "user", "") with { Id = $"{session.Id}:{i}u" }, Message(i, "agent", turn.Content)), turn.HasAnswer));
            }
            for (var n = 0; n < exchanges.Count; n++)
            {
                var window = exchanges.Skip(Math.Max(0, n + 1 - windowTurns)).Take(Math.Min(windowTurns, n + 1)).Select(e => e.Exchange).ToList();
                turns.Add(new TurnToIndex(owner, Agent, session.Id, n + 1, exchanges[n].Exchange, window));
                if (exchanges[n].HasAnswer)
                {
                    evidence.Add([exchanges[n].Exchange.Reply.Id]);
                    times.Add(exchanges[n].Exchange.User.CreatedAt);
                }
            }
            if (!question.Sessions.SelectMany(s => s.Turns).Any(t => t.HasAnswer) && question.AnswerSessionIds.Contains(session.Id))
            {
                evidence.Add(exchanges.Select(e => e.Exchange.Reply.Id).ToHashSet());
                times.Add(session.Date);
            }
        }
        return (turns, evidence, times);
    }

    /// <summary>
    /// Scores one question's ranked passages against its evidence. Knowledge-update questions (type <c>knowledge-update</c>,
    /// evidence said at two or more times) also say whether the newest evidence came first and an older one was marked superseded.
    /// </summary>
    public static QuestionScore Score(EvalQuestion question, IReadOnlyList<HashSet<string>> evidence, IReadOnlyList<MemoryHit> hits, int k, IReadOnlyList<string> contentTerms, double floor,
        MemoryRetriever? retriever = null, IReadOnlyList<DateTimeOffset>? evidenceTimes = null)
    {
        var top = hits.Take(k).ToList();
        double ShareAt(int n)
        {
            if (evidence.Count == 0) return 0;
            var covered = top.Take(n).SelectMany(h => h.Replies).ToHashSet();
            return (double)evidence.Count(unit => unit.Overlaps(covered)) / evidence.Count;
        }
        double AnyAt(int n) => ShareAt(n) > 0 ? 1 : 0;
        double AllAt(int n) => evidence.Count > 0 && ShareAt(n) >= 1 ? 1 : 0;
        var mrr = 0.0;
        for (var rank = 0; rank < top.Count; rank++)
        {
            if (evidence.Any(unit => unit.Overlaps(top[rank].Replies)))
            {
                mrr = 1.0 / (rank + 1);
                break;
            }
        }
        // NDCG@10 with a passage relevant when it holds evidence not held by a better passage (binary gains).
        double dcg = 0, ideal = 0;
        var seen = new HashSet<int>();
        for (var rank = 0; rank < Math.Min(10, top.Count); rank++)
        {
            var fresh = Enumerable.Range(0, evidence.Count).Where(u => !seen.Contains(u) && evidence[u].Overlaps(top[rank].Replies)).ToList();
            if (fresh.Count > 0) dcg += 1 / Math.Log2(rank + 2);
            seen.UnionWith(fresh);
        }
        for (var rank = 0; rank < Math.Min(10, evidence.Count); rank++) ideal += 1 / Math.Log2(rank + 2);

        bool? newestFirst = null, marked = null;
        if (question.Type == "knowledge-update" && evidenceTimes is { } times && times.Distinct().Count() > 1)
        {
            var newest = times.Max();
            int RankOf(int unit) => top.FindIndex(h => evidence[unit].Overlaps(h.Replies)) is var r and >= 0 ? r : int.MaxValue;
            var newestRank = Enumerable.Range(0, evidence.Count).Where(u => times[u] == newest).Min(RankOf);
            var olderRank = Enumerable.Range(0, evidence.Count).Where(u => times[u] < newest).Min(RankOf);
            newestFirst = newestRank < olderRank;
            marked = top.Any(h => h.SupersededBy is not null && Enumerable.Range(0, evidence.Count).Any(u => times[u] < newest && evidence[u].Overlaps(h.Replies)));
        }
        // As recall decides "nothing relevant is known".
        var relevant = retriever is not null
            ? retriever.Answers(question.Question, contentTerms, top, [])
            : IntentDetector.Covers(contentTerms, top.Where(h => h.Coverage > 0).Select(h => h.Text), floor);
        return new QuestionScore(question.Id, question.Type, question.IsAbstention, evidence.Count, AnyAt(1), AnyAt(5), AnyAt(10), mrr, relevant,
            top.Max(h => h.Similarity), IntentDetector.Covers(contentTerms, top.Where(h => h.Coverage > 0).Select(h => h.Text), floor))
        {
            AnyAt1 = AnyAt(1), AnyAt5 = AnyAt(5), AllAt5 = AllAt(5), NdcgAt10 = ideal > 0 ? dcg / ideal : 0, EvidenceAt1 = ShareAt(1), EvidenceAt5 = ShareAt(5),
            NewestFirst = newestFirst, MarkedSuperseded = marked,
            Top = top.Take(5).Select(h => $"{h.Id} s={h.Score:0.000} sim={h.Similarity:0.000} cov={h.Coverage:0.00}{(h.SupersededBy is null ? "" : " superseded")} | {MemoryText.Clip(h.Text.Replace('\n', ' '), 90)}").ToList(),
        };
    }

    private static ModeReport Report(SearchMode mode, int k, List<QuestionScore> scores)
    {
        var answerable = scores.Where(s => !s.IsAbstention && s.Evidence > 0).ToList();
        var abstention = scores.Where(s => s.IsAbstention).ToList();
        var byType = answerable.GroupBy(s => s.Type).OrderBy(g => g.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => RetrievalMetrics.Of(g.ToList()));
        var abstained = abstention.Count(s => !s.FoundRelevant);
        var updates = answerable.Where(s => s.NewestFirst is not null).ToList();
        return new ModeReport(mode.ToString().ToLowerInvariant(), k, RetrievalMetrics.Of(answerable), byType,
            new AbstentionMetrics(abstention.Count, abstained, abstention.Count == 0 ? 0 : (double)abstained / abstention.Count,
                answerable.Count, answerable.Count(s => !s.FoundRelevant)), scores)
        {
            Updates = new UpdateMetrics(updates.Count, updates.Count(s => s.NewestFirst == true), updates.Count(s => s.MarkedSuperseded == true)),
        };
    }

    /// <summary>The evaluation hands its exchanges to the indexer itself; there is no chat whose conversations memory could read.</summary>
    private sealed class NoConversations : IConversationReader
    {
        private static InvalidOperationException None() => new("The retrieval evaluation has no chat: it indexes its own exchanges.");

        public Task<ConversationExchange?> GetExchangeAsync(string ownerId, string replyMessageId, CancellationToken ct) => throw None();

        public Task<IReadOnlyList<ConversationExchange>> GetExchangesAsync(string ownerId, string sessionId, string upToReplyMessageId, int count, CancellationToken ct) => throw None();

        public Task<IReadOnlyList<ConversationMessage>> GetSessionMessagesAsync(string ownerId, string sessionId, string? afterMessageId, int limit, CancellationToken ct) => throw None();
    }
}
