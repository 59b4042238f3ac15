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

/// <summary>Recall@1/5/10 and MRR averaged over questions.</summary>
public sealed record RetrievalMetrics(int Questions, double RecallAt1, double RecallAt5, double RecallAt10, double Mrr)
{
    public static RetrievalMetrics Of(IReadOnlyCollection<QuestionScore> scores) => scores.Count == 0
        ? new RetrievalMetrics(0, 0, 0, 0, 0)
        : new RetrievalMetrics(scores.Count, scores.Average(s => s.RecallAt1), scores.Average(s => s.RecallAt5), scores.Average(s => s.RecallAt10), scores.Average(s => s.Mrr));
}

/// <summary>
/// Abstention questions (ids ending in <c>_abs</c>): how many found nothing above the relevance floor (the recall's
/// "say you do not know"); and how many answerable questions wrongly found nothing.
/// </summary>
public sealed record AbstentionMetrics(int Questions, int Abstained, double Rate, int AnswerableQuestions, int AnswerableWithNothingRelevant);

/// <summary>One question's scores; <see cref="FoundRelevant"/> is whether any retrieved passage passed the relevance floor.</summary>
public sealed record QuestionScore(string Id, string Type, bool IsAbstention, int Evidence, double RecallAt1, double RecallAt5, double RecallAt10, double Mrr, bool FoundRelevant,
    double? TopSimilarity = null, bool FoundByWords = false);

/// <summary>The evaluation of one mode.</summary>
public sealed record ModeReport(string Mode, int K, RetrievalMetrics Overall, IReadOnlyDictionary<string, RetrievalMetrics> ByType, AbstentionMetrics Abstention, IReadOnlyList<QuestionScore> Questions);

/// <summary>
/// Runs the real indexing and retrieval code in process: each question's haystack is indexed for an owner of its own
/// with <see cref="TurnIndexer"/> (exchange and rolling-window documents, as the index-turn function writes them), then
/// the question is asked through <see cref="MemoryRetriever"/> (as the chat's cold recall and /api/search ask).
/// A retrieved passage covers the exchanges it holds; an exchange is evidence when one of its turns has
/// <c>has_answer</c> (without such labels: any exchange of an <c>answer_session_ids</c> session counts for that session).
/// recall@k = evidence covered by the first k passages / evidence; MRR = 1 / rank of the first passage covering evidence.
/// </summary>
public static class RetrievalEvaluation
{
    private const string Agent = "eval-agent";

    public static async Task<IReadOnlyList<ModeReport>> RunAsync(
        IReadOnlyList<EvalQuestion> questions, IReadOnlyList<SearchMode> modes, int k, string connectionString, CancellationToken ct,
        IReadOnlyDictionary<string, string?>? embedder = null)
    {
        var settings = new Dictionary<string, string?> { ["Search:Provider"] = "Local" };
        foreach (var (key, value) in embedder ?? EmbedderSettings("arctic")) settings[key] = value;
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton(_ => NpgsqlDataSource.Create(connectionString));
        services.AddHearthSearch(configuration);
        var options = new MemoryOptions();
        services.AddHearthMemory(options);
        await using var provider = services.BuildServiceProvider();
        await Migrator.ApplyAsync(provider.GetRequiredService<NpgsqlDataSource>(), provider.GetServices<MigrationSource>(), NullLogger.Instance, ct);

        var indexer = provider.GetRequiredService<TurnIndexer>();
        var retriever = provider.GetRequiredService<MemoryRetriever>();
        var scores = modes.ToDictionary(m => m, _ => new List<QuestionScore>());
        foreach (var question in questions)
        {
            var owner = "eval:" + question.Id;
            var (turns, evidence) = Haystack(owner, question, options.WindowTurns);
            await indexer.IndexAsync(turns, ct);
            foreach (var mode in modes)
            {
                var result = await retriever.SearchAsync(MemoryRetriever.ForRecall(owner, Agent, question.Question, Math.Max(k, 10), mode), ct);
                scores[mode].Add(Score(question, evidence, result.Hits.Take(Math.Max(k, 10)).ToList(), k, result.ContentTerms, options.RelevanceFloor, retriever));
            }
        }
        return modes.Select(m => Report(m, k, scores[m])).ToList();
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

    /// <summary>The exchanges to index (rolling windows as in a live session) and the evidence units (sets of reply ids).</summary>
    public static (IReadOnlyList<TurnToIndex> Turns, IReadOnlyList<HashSet<string>> Evidence) Haystack(string owner, EvalQuestion question, int windowTurns)
    {
        var turns = new List<TurnToIndex>();
        var evidence = new List<HashSet<string>>();
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
                if (exchanges[n].HasAnswer) evidence.Add([exchanges[n].Exchange.Reply.Id]);
            }
            if (!question.Sessions.SelectMany(s => s.Turns).Any(t => t.HasAnswer) && question.AnswerSessionIds.Contains(session.Id))
                evidence.Add(exchanges.Select(e => e.Exchange.Reply.Id).ToHashSet());
        }
        return (turns, evidence);
    }

    /// <summary>Scores one question's ranked passages against its evidence.</summary>
    public static QuestionScore Score(EvalQuestion question, IReadOnlyList<HashSet<string>> evidence, IReadOnlyList<MemoryHit> hits, int k, IReadOnlyList<string> contentTerms, double floor,
        MemoryRetriever? retriever = null)
    {
        double RecallAt(int n)
        {
            if (evidence.Count == 0) return 0;
            var covered = hits.Take(Math.Min(n, k)).SelectMany(h => h.Replies).ToHashSet();
            return (double)evidence.Count(unit => unit.Overlaps(covered)) / evidence.Count;
        }
        var mrr = 0.0;
        for (var rank = 0; rank < Math.Min(k, hits.Count); rank++)
        {
            if (evidence.Any(unit => unit.Overlaps(hits[rank].Replies)))
            {
                mrr = 1.0 / (rank + 1);
                break;
            }
        }
        // As recall decides "nothing relevant is known": a passage as similar as the model's floor, or the passages
        // holding a content word, together, against the coverage floor.
        var top = hits.Take(k).ToList();
        var relevant = retriever is not null
            ? retriever.Answers(contentTerms, top.Where(h => h.IsRelevant(retriever.SimilarityFloor)), [], floor)
            : IntentDetector.Covers(contentTerms, top.Where(h => h.Coverage > 0).Select(h => h.Text), floor);
        return new QuestionScore(question.Id, question.Type, question.IsAbstention, evidence.Count, RecallAt(1), RecallAt(5), RecallAt(10), mrr, relevant,
            top.Max(h => h.Similarity), IntentDetector.Covers(contentTerms, top.Where(h => h.Coverage > 0).Select(h => h.Text), floor));
    }

    private static ModeReport Report(SearchMode mode, int k, List<QuestionScore> scores)
    {
        var answerable = scores.Where(s => !s.IsAbstention && s.Evidence > 0).ToList();
        var abstention = scores.Where(s => s.IsAbstention).ToList();
        var byType = answerable.GroupBy(s => s.Type).OrderBy(g => g.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => RetrievalMetrics.Of(g.ToList()));
        var abstained = abstention.Count(s => !s.FoundRelevant);
        return new ModeReport(mode.ToString().ToLowerInvariant(), k, RetrievalMetrics.Of(answerable), byType,
            new AbstentionMetrics(abstention.Count, abstained, abstention.Count == 0 ? 0 : (double)abstained / abstention.Count,
                answerable.Count, answerable.Count(s => !s.FoundRelevant)), scores);
    }
}
