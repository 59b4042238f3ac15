using Hearth.Memory;
using Hearth.Search;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Hearth.Functions.Memory;

/// <summary><c>GET /api/search</c>: the caller's own memory — conversations, summaries and imported documents — searched as recall searches it.</summary>
public static class SearchApi
{
    public const int MaxK = 100;

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGroup("/api/search").WithTags("Memory")
            .MapGet("/", SearchAsync).WithName("SearchMemory")
            .WithSummary("Hybrid (default), bm25 or vector search over the caller's conversations, summaries and documents, routed by domain.")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status409Conflict);
        Search.SearchCollectionsApi.Map(app);
    }

    /// <summary>
    /// One hit: <c>source</c> is where it came from (a message, a file, a URL). <c>score</c> is the BM25 score, the cosine
    /// similarity or the fused hybrid score, per mode; the bm25 and vector fields show how each half placed the hit
    /// (null when that half did not rank it). <c>supersededBy</c> is the id of a newer hit that gives another value to
    /// something this one states ("I live in Porto" before "we moved to Berlin"); the older comes right after it.
    /// </summary>
    public sealed record SearchItem(string Id, string Text, double Score, string Kind, string? Source, string? Domain, string? AgentId, string? SessionId, DateTimeOffset CreatedAt,
        int? Bm25Rank = null, double? Bm25Score = null, int? VectorRank = null, double? VectorScore = null, string? SupersededBy = null);

    /// <summary>
    /// Hits, best first, and the domains that were searched. <c>mode</c> is the ranking that answered: <c>bm25</c> when
    /// vectors could not be used, with <c>vectorFallback</c> saying why (<c>reembedding</c>: the memory is being embedded
    /// again with a new model; <c>model-mismatch</c>) — or when the embedder was too slow for a reply. <c>vectorsPending</c>:
    /// some documents are stored but not embedded yet (an import's vectors follow it), so they rank by keywords alone.
    /// </summary>
    public sealed record SearchResponse(IReadOnlyList<SearchItem> Items, IReadOnlyList<string> Domains, string Mode, string? VectorFallback = null, bool VectorsPending = false);

    public static async Task<Results<Ok<SearchResponse>, ProblemHttpResult>> SearchAsync(
        CurrentUser user, MemoryRetriever retriever, string? q, string? domain, int? k, string? mode, string? agentId, CancellationToken ct)
    {
        var errors = new List<(string, string)>();
        if (string.IsNullOrWhiteSpace(q)) errors.Add(("q", "must not be empty"));
        else if (q.Length > 2000) errors.Add(("q", "must be at most 2000 characters"));
        var take = k ?? 10;
        if (take is < 1 or > MaxK) errors.Add(("k", $"must be between 1 and {MaxK}"));
        var searchMode = SearchMode.Hybrid;
        if (mode is not null && !Enum.TryParse(mode, ignoreCase: true, out searchMode)) errors.Add(("mode", "must be hybrid, bm25 or vector"));
        if (domain is not null && !retriever.KnownDomains.Contains(domain)) errors.Add(("domain", $"must be one of {string.Join(", ", retriever.KnownDomains)}"));
        if (errors.Count > 0) return Problems.Validation([.. errors]);
        try
        {
            var result = await retriever.SearchAsync(new RetrievalQuery(user.Id, q!, searchMode, take) { Domain = domain, AgentId = agentId }, ct);
            return TypedResults.Ok(new SearchResponse(
                result.Hits.Select(h => new SearchItem(h.Id, h.Text, h.Score, h.Kind, h.Source, h.Document.Domain, h.Document.Agent, h.Document.Session, h.Document.CreatedAt,
                    h.Ranking?.Bm25Rank, h.Ranking?.Bm25Score, h.Ranking?.VectorRank, h.Ranking?.VectorScore, h.SupersededBy)).ToList(),
                result.Domains, result.Mode.ToString().ToLowerInvariant(), result.VectorFallback, result.VectorsPending));
        }
        catch (EmbeddingMismatchException e)
        {
            return Problems.Conflict(e.Message);
        }
    }
}
