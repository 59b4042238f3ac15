using Hearth.Embeddings;
using Hearth.Search;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace Hearth.Memory;

/// <summary>A cold-memory search for one owner.</summary>
/// <param name="Text">The question or message.</param>
/// <param name="K">Most hits returned (after de-duplication).</param>
public sealed record RetrievalQuery(string OwnerId, string Text, SearchMode Mode = SearchMode.Hybrid, int K = 8)
{
    /// <summary>Only this agent's conversations (documents are the owner's whatever the agent).</summary>
    public string? AgentId { get; init; }

    /// <summary>Search this domain instead of routing the text.</summary>
    public string? Domain { get; init; }

    /// <summary>Kinds of conversation documents searched (null: all — turns, windows, summaries).</summary>
    public IReadOnlyList<string>? ConversationKinds { get; init; }

    public bool IncludeConversations { get; init; } = true;

    public bool IncludeDocuments { get; init; } = true;

    /// <summary>Best passage of each conversation (or document) first, then further passages of the same ones.</summary>
    public bool Diversify { get; init; }

    /// <summary>Exchanges (reply ids) already given as hot memory: passages holding only those are left out.</summary>
    public IReadOnlySet<string>? ExcludeReplies { get; init; }

    /// <summary>Exchanges (reply ids) no passage may show at all (the reply a regeneration replaces).</summary>
    public IReadOnlySet<string>? Withhold { get; init; }

    /// <summary>
    /// Longest wait for the query's embedding; past it (and for a while after, see <see cref="MemoryRetriever"/>) the
    /// search is keyword-only. Null: wait as long as the embedder takes.
    /// </summary>
    public TimeSpan? EmbedTimeout { get; init; }
}

/// <summary>One retrieved passage: a turn, a window of turns, a summary or a document chunk.</summary>
/// <param name="Coverage">Share of the question's content words the passage holds (see <see cref="IntentDetector.Coverage"/>).</param>
/// <param name="Replies">The exchanges (reply ids) the passage holds; empty for documents.</param>
/// <param name="Similarity">Cosine similarity of the passage to the question (null when the vector half did not rank it).</param>
/// <param name="Ranking">How each half of its collection's search placed it (ranks and scores).</param>
public sealed record MemoryHit(string Id, string Collection, string Kind, string Text, double Score, double Coverage, SearchDocument Document, IReadOnlyList<string> Replies,
    double? Similarity = null, SearchHit? Ranking = null)
{
    public string? Source => Document.Source;

    /// <summary>The id of a newer passage that gives another value to something this one states (see <see cref="KnowledgeUpdates"/>); null when none does.</summary>
    public string? SupersededBy { get; init; }

    /// <summary>
    /// Whether the passage is about the question: it holds one of its content words, or (a paraphrase) its similarity
    /// reaches <paramref name="similarityFloor"/> (null: no embedder calibrated for that).
    /// </summary>
    public bool IsRelevant(double? similarityFloor) => Coverage > 0 || (similarityFloor is { } floor && Similarity >= floor);
}

/// <summary>Hits, best first, and the domains that were searched; <paramref name="Mode"/> is the mode used (keyword-only when the embedder was too slow).</summary>
public sealed record RetrievalResult(IReadOnlyList<MemoryHit> Hits, IReadOnlyList<string> Domains, bool FellBack, IReadOnlyList<string> ContentTerms, SearchMode Mode)
{
    /// <summary>Why a searched collection answered by BM25 though vectors were asked for (<see cref="SearchResults.VectorFallback"/>); null when none did.</summary>
    public string? VectorFallback { get; init; }

    /// <summary>Some documents of a searched collection wait for their vectors (see <see cref="SearchResults.VectorsPending"/>): they rank by keywords alone.</summary>
    public bool VectorsPending { get; init; }
}

/// <summary>
/// Cold retrieval: the conversations of the routed domains (each domain's collection, narrowed to the winning domains,
/// the general collection unfiltered when no domain wins or the winners find nothing) and the imported documents
/// (narrowed the same way), fused by Reciprocal Rank Fusion, then de-duplicated: a passage whose exchanges were all
/// given already (by a better passage or as hot memory) is dropped; with <see cref="RetrievalQuery.Diversify"/> the
/// best passage of each conversation comes before second passages of any. The query is embedded once, from its
/// content words (<see cref="IntentDetector.ContentText"/>), which both halves search for. The same code serves the chat's recall (windows, summaries
/// and documents, diversified), <c>GET /api/search</c> and <c>hearth eval retrieval</c> (as recall).
/// </summary>
public sealed class MemoryRetriever(
    SearchService search, DomainRouter router, IEmbeddingGenerator<string, Embedding<float>> embedder, MemoryOptions options, TimeProvider time, ILogger<MemoryRetriever> logger)
{
    /// <summary>After an embedding timed out, recall searches by keywords for this long before asking the embedder again.</summary>
    public static readonly TimeSpan SlowEmbedderPause = TimeSpan.FromSeconds(30);

    private long _skipEmbeddingUntil;

    /// <summary>How much deeper than k each list is read, so de-duplication still leaves k hits.</summary>
    private const int Depth = 3;

    /// <summary>What recall puts in the prompt from conversations: rolling windows (context) and session summaries.</summary>
    public static IReadOnlyList<string> PassageKinds { get; } = [TurnDocuments.WindowKind, SessionSummarizer.Kind];

    /// <summary>The query as recall (and the evaluation) asks it.</summary>
    public static RetrievalQuery ForRecall(string ownerId, string? agentId, string text, int k, SearchMode mode = SearchMode.Hybrid) =>
        new(ownerId, text, mode, k) { AgentId = agentId, ConversationKinds = PassageKinds, Diversify = true };

    /// <summary>The query recall asks before a reply: <see cref="ForRecall(string, string?, string, int, SearchMode)"/> with the embedding timeout.</summary>
    public RetrievalQuery ForReply(string ownerId, string? agentId, string text, int k) =>
        ForRecall(ownerId, agentId, text, k) with { EmbedTimeout = options.RecallEmbedTimeout };

    /// <summary>
    /// The cosine similarity from which a passage counts as relevant though it shares no word with the question:
    /// <c>Memory:SimilarityFloor</c>, else the value calibrated for the configured model (<see cref="SimilarityFloors"/>).
    /// </summary>
    public double? SimilarityFloor => options.SimilarityFloor ?? SimilarityFloors.For(search.ModelId);

    /// <summary>
    /// Whether recalled passages answer a question (else recall says it does not know): see <see cref="Abstention"/>.
    /// </summary>
    public bool Answers(string question, IReadOnlyList<string> contentTerms, IEnumerable<MemoryHit> hits, IEnumerable<string> otherTexts) =>
        Abstention.Answers(question, contentTerms, hits.ToList(), otherTexts.ToList(), SimilarityFloor, options.RelevanceFloor);

    /// <summary>The domains a user may name in a search: the configured ones and general.</summary>
    public IReadOnlyList<string> KnownDomains =>
        options.Domains.Select(d => d.Name).Append(DomainRouter.General).Distinct(StringComparer.Ordinal).ToList();

    public async Task<RetrievalResult> SearchAsync(RetrievalQuery query, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(query.Text)) throw new ArgumentException("A search needs text.", nameof(query));
        if (query.K is < 1 or > 1000) throw new ArgumentException("k must be between 1 and 1000.", nameof(query));
        var depth = Math.Min(SearchQuery.MaxK, query.K * Depth);
        // Both halves look for what the question is about: the hashing embedder weighs every word alike, so "what did I"
        // would count as much as the subject, and BM25 would reward passages for sharing "have" and "been" with the question.
        var text = IntentDetector.ContentText(query.Text);
        var (mode, vector) = await EmbedAsync(query, text, ct);
        query = query with { Mode = mode };

        var route = query.Domain is { } domain ? RouteTo(domain) : router.Route(query.Text);
        var general = route is [{ Name: DomainRouter.General }];
        var owner = new SearchFilter(query.OwnerId);
        var lists = new List<(string Collection, IReadOnlyList<SearchHit> Hits)>();
        var fallbacks = new HashSet<string>(StringComparer.Ordinal);
        var fellBack = general;

        if (query.IncludeConversations)
        {
            var conversations = owner with { Agent = query.AgentId, Kinds = query.ConversationKinds };
            var found = new List<(string, IReadOnlyList<SearchHit>)>();
            if (!general)
            {
                foreach (var group in route.GroupBy(m => m.Collection))
                {
                    var hits = await SearchOneAsync(group.Key, text, query.Mode, vector, depth, conversations with { Domains = group.Select(m => m.Name).ToList() }, fallbacks, ct);
                    if (hits.Count > 0) found.Add((group.Key, hits));
                }
            }
            if (found.Count == 0 && query.Domain is null)
            {
                fellBack = true;
                var hits = await SearchOneAsync(router.Fallback.Collection, text, query.Mode, vector, depth, conversations, fallbacks, ct);
                if (hits.Count > 0) found.Add((router.Fallback.Collection, hits));
            }
            lists.AddRange(found);
        }

        if (query.IncludeDocuments)
        {
            var collection = options.DocumentsCollection;
            IReadOnlyList<SearchHit> hits = [];
            if (!general) hits = await SearchOneAsync(collection, text, query.Mode, vector, depth, owner with { Domains = route.Select(m => m.Name).ToList() }, fallbacks, ct);
            if (hits.Count == 0 && query.Domain is null) hits = await SearchOneAsync(collection, text, query.Mode, vector, depth, owner, fallbacks, ct);
            if (hits.Count > 0) lists.Add((collection, hits));
        }

        var contentTerms = IntentDetector.ContentTerms(query.Text);
        // Cosines, and score-fused hybrid scores, mean the same in every collection: merge by them, so a hit reports its own
        // score (mode=vector answers cosine similarity). BM25 scores and RRF scores depend on their list: fuse by rank.
        var comparable = query.Mode == SearchMode.Vector || (query.Mode == SearchMode.Hybrid && ScoreFusion.For(search.ModelId) is not null);
        var ranked = lists.Count == 1 ? lists[0].Hits.Select(h => (lists[0].Collection, Hit: h, h.Score)).ToList()
            : comparable ? lists.SelectMany(l => l.Hits.Select(h => (l.Collection, Hit: h, h.Score))).OrderByDescending(h => h.Score).ToList()
            : Fuse(lists);
        var candidates = new List<MemoryHit>();
        var seen = new HashSet<(string, string)>();
        foreach (var (collection, hit, score) in ranked)
        {
            if (!seen.Add((collection, hit.Id))) continue;
            candidates.Add(new MemoryHit(hit.Id, collection, hit.Document.Kind ?? DocumentImports.Kind, hit.Document.Text, score,
                IntentDetector.Coverage(contentTerms, hit.Document.Text), hit.Document, TurnDocuments.Replies(hit.Document), hit.VectorScore, hit));
        }
        // Newer statements first: a passage another one updates goes right after it, marked superseded; recency breaks near-ties.
        candidates = KnowledgeUpdates.Apply(candidates, query.Text, depth);
        // A collection being re-embedded answered by keywords alone: the result says so (it is not a hybrid ranking).
        var pending = fallbacks.Remove(PendingVectors);
        return new RetrievalResult(Select(candidates, query), route.Select(m => m.Name).ToList(), fellBack, contentTerms, fallbacks.Count > 0 ? SearchMode.Bm25 : mode)
        {
            VectorFallback = fallbacks.Order(StringComparer.Ordinal).FirstOrDefault(),
            VectorsPending = pending,
        };
    }

    /// <summary>The query's vector, or keyword-only mode when the embedder is slower than the query allows (the reply must not wait on it).</summary>
    private async Task<(SearchMode Mode, ReadOnlyMemory<float>? Vector)> EmbedAsync(RetrievalQuery query, string text, CancellationToken ct)
    {
        if (query.Mode == SearchMode.Bm25) return (SearchMode.Bm25, null);
        if (query.EmbedTimeout is not { } timeout)
            return (query.Mode, (await embedder.GenerateAsync([text], EmbeddingPurpose.Query(), ct))[0].Vector);
        if (time.GetUtcNow().UtcTicks < Interlocked.Read(ref _skipEmbeddingUntil)) return (SearchMode.Bm25, null);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(timeout);
        try
        {
            return (query.Mode, (await embedder.GenerateAsync([text], EmbeddingPurpose.Query(), limit.Token))[0].Vector);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            Interlocked.Exchange(ref _skipEmbeddingUntil, (time.GetUtcNow() + SlowEmbedderPause).UtcTicks);
            logger.LogWarning("The embedder took longer than {Timeout} ms; recall searches by keywords for the next {Pause} s", (long)timeout.TotalMilliseconds, SlowEmbedderPause.TotalSeconds);
            return (SearchMode.Bm25, null);
        }
    }

    /// <summary>De-duplicates (and diversifies) ranked candidates down to k.</summary>
    private static List<MemoryHit> Select(List<MemoryHit> candidates, RetrievalQuery query)
    {
        var given = new HashSet<string>(query.ExcludeReplies ?? new HashSet<string>(), StringComparer.Ordinal);
        var groups = new HashSet<string>(StringComparer.Ordinal);
        var result = new List<MemoryHit>(query.K);
        var later = new List<MemoryHit>();
        foreach (var hit in candidates)
        {
            if (result.Count == query.K) break;
            if (query.Diversify && !groups.Add(GroupOf(hit)))
            {
                later.Add(hit);
                continue;
            }
            if (Take(hit)) result.Add(hit);
        }
        foreach (var hit in later)
        {
            if (result.Count == query.K) break;
            if (Take(hit)) result.Add(hit);
        }
        return result;

        bool Take(MemoryHit hit)
        {
            if (hit.Replies.Count > 0 && hit.Replies.All(given.Contains)) return false;
            if (query.Withhold is { } withheld && hit.Replies.Any(withheld.Contains)) return false;
            given.UnionWith(hit.Replies);
            return true;
        }
    }

    /// <summary>The conversation (session) or document a passage belongs to.</summary>
    private static string GroupOf(MemoryHit hit) =>
        hit.Document.Session is { } session ? "session:" + session
        : hit.Document.Tags.FirstOrDefault(t => t.StartsWith("doc=", StringComparison.Ordinal)) ?? "hit:" + hit.Collection + "/" + hit.Id;

    private IReadOnlyList<DomainMatch> RouteTo(string domain)
    {
        if (domain == DomainRouter.General) return [router.Fallback];
        var known = options.Domains.FirstOrDefault(d => d.Name == domain)
            ?? throw new ArgumentException($"Unknown domain '{domain}'; known: {string.Join(", ", KnownDomains)}.", nameof(domain));
        return [new DomainMatch(domain, known.Collection, 0, 0)];
    }

    // Collected with the fallbacks of the searched collections, taken out before they are reported.
    private const string PendingVectors = "(vectors pending)";

    private async Task<IReadOnlyList<SearchHit>> SearchOneAsync(string collection, string text, SearchMode mode, ReadOnlyMemory<float>? vector, int k, SearchFilter filter,
        HashSet<string> fallbacks, CancellationToken ct)
    {
        // Ensuring first: a collection nothing was indexed in answers empty, and a mismatched embedder fails clearly.
        var info = await search.EnsureCollectionAsync(collection, ct);
        if (vector is { } v && v.Length != info.Dimensions)
            throw new EmbeddingMismatchException(collection, info.EmbeddingModel, info.Dimensions, search.ModelId, v.Length);
        var results = await search.Index.SearchAsync(collection, new SearchQuery(text, vector, mode, k, filter) { VectorModel = search.ModelId }, ct);
        if (results.VectorFallback is { } fallback) fallbacks.Add(fallback);
        if (results.VectorsPending) fallbacks.Add(PendingVectors);
        return results;
    }

    private static List<(string Collection, SearchHit Hit, double Score)> Fuse(List<(string Collection, IReadOnlyList<SearchHit> Hits)> lists)
    {
        var keyed = lists.Select(l => (IReadOnlyList<(string, string)>)l.Hits.Select(h => (l.Collection, h.Id)).ToList()).ToList();
        var byKey = new Dictionary<(string, string), SearchHit>();
        foreach (var (collection, hits) in lists)
            foreach (var hit in hits) byKey.TryAdd((collection, hit.Id), hit);
        return ReciprocalRankFusion.Fuse(keyed).Select(f => (f.Key.Item1, byKey[f.Key], f.Score)).ToList();
    }
}
