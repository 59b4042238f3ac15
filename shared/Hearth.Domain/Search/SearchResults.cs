using System.Collections;

namespace Hearth.Search;

/// <summary>
/// Ranked hits and how they were ranked: <see cref="Mode"/> is the mode that answered, which is
/// <see cref="SearchMode.Bm25"/> when a vector or hybrid search could not use vectors (<see cref="VectorFallback"/> says why).
/// </summary>
public sealed class SearchResults(IReadOnlyList<SearchHit> hits, SearchMode mode, string? vectorFallback = null) : IReadOnlyList<SearchHit>
{
    /// <summary>The collection is being re-embedded with another model: until every vector is back, search answers by BM25.</summary>
    public const string Reembedding = "reembedding";

    /// <summary>The query was embedded by another model than the collection's (a replica configured differently).</summary>
    public const string ModelMismatch = "model-mismatch";

    public SearchMode Mode { get; } = mode;

    /// <summary>Null when vectors were used as asked; otherwise <see cref="Reembedding"/> or <see cref="ModelMismatch"/>.</summary>
    public string? VectorFallback { get; } = vectorFallback;

    /// <summary>
    /// Some documents of the collection are stored but not embedded yet (an import's vectors follow it): they take part
    /// by their keywords only until the vector job reaches them. Never set for a BM25 search.
    /// </summary>
    public bool VectorsPending { get; init; }

    public SearchHit this[int index] => hits[index];

    public int Count => hits.Count;

    public IEnumerator<SearchHit> GetEnumerator() => hits.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
