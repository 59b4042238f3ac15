using Hearth.Search;
using Hearth.Search.Local;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Hearth.Functions.Search;

/// <summary>
/// <c>/api/search/collections</c> (admins): each collection's embedding model and the state of its vectors — a
/// re-embedding's progress (done, pending, total, started, rate, error) — and <c>POST .../reindex</c> to re-embed one.
/// </summary>
public static class SearchCollectionsApi
{
    public static void Map(IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/search/collections").WithTags("Search").RequireAdmin();
        group.MapGet("/", ListAsync).WithName("ListSearchCollections")
            .WithSummary("Every search collection's embedding model and vector state (re-embedding progress).");
        group.MapGet("/{name}", GetAsync).WithName("GetSearchCollection")
            .WithSummary("One collection's embedding model and vector state.").ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPost("/{name}/reindex", ReindexAsync).WithName("ReindexSearchCollection")
            .WithSummary("Re-embeds the collection with the configured embedder, in the background; searches answer by BM25 until it ends.")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
    }

    /// <summary>The collections (local index only; empty with Azure AI Search, which re-embeds with <c>hearth reindex</c>).</summary>
    public sealed record CollectionList(IReadOnlyList<VectorStatus> Items);

    public static async Task<Ok<CollectionList>> ListAsync(SearchService search, CancellationToken ct) =>
        TypedResults.Ok(new CollectionList(search.Index is PostgresSearchIndex local ? await local.ListVectorStatusAsync(ct) : []));

    public static async Task<Results<Ok<VectorStatus>, ProblemHttpResult>> GetAsync(SearchService search, string name, CancellationToken ct) =>
        search.Index is PostgresSearchIndex local && await local.GetVectorStatusAsync(name, ct) is { } status
            ? TypedResults.Ok(status)
            : Problems.NotFound("collection");

    public static async Task<Results<Accepted<AcceptedResponse>, ProblemHttpResult>> ReindexAsync(SearchService search, string name, CancellationToken ct)
    {
        if (search.Index is not PostgresSearchIndex local) return Problems.Conflict("Azure AI Search collections are re-embedded with hearth reindex.");
        if (await local.GetVectorStatusAsync(name, ct) is null) return Problems.NotFound("collection");
        await search.StartReindexAsync(name, force: true, ct);
        var url = $"/api/search/collections/{name}";
        return TypedResults.Accepted(url, new AcceptedResponse(name, url));
    }
}
