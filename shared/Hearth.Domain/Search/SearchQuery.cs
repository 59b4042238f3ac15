namespace Hearth.Search;

/// <summary>Which ranking a search uses.</summary>
public enum SearchMode
{
    /// <summary>Keyword relevance: Okapi BM25 (k1 = 1.2, b = 0.75) over the analysed text.</summary>
    Bm25,
    /// <summary>Cosine similarity between the query vector and the document vectors.</summary>
    Vector,
    /// <summary>Both lists fused by Reciprocal Rank Fusion (k = 60).</summary>
    Hybrid,
}

/// <summary>A search over one collection.</summary>
/// <param name="Text">Query text for BM25 (and for the embedder when <see cref="SearchService"/> embeds it).</param>
/// <param name="Vector">Query embedding; required for <see cref="SearchMode.Vector"/> and <see cref="SearchMode.Hybrid"/>.</param>
/// <param name="Mode">Ranking to use.</param>
/// <param name="K">How many hits to return (1..1000).</param>
/// <param name="Filter">Owner (required) and optional narrowing.</param>
public sealed record SearchQuery(string Text, ReadOnlyMemory<float>? Vector, SearchMode Mode, int K, SearchFilter Filter)
{
    /// <summary>Largest <see cref="K"/> accepted.</summary>
    public const int MaxK = 1000;

    /// <summary>
    /// The model that made <see cref="Vector"/>. When it is not the collection's (another replica re-embedded it), the
    /// vector is not compared with the collection's: the search answers by BM25, labelled (<see cref="SearchResults.VectorFallback"/>).
    /// </summary>
    public string? VectorModel { get; init; }

    /// <summary>Throws a clear <see cref="ArgumentException"/> for a query no index can answer.</summary>
    public void Validate()
    {
        if (K is < 1 or > MaxK) throw new ArgumentException($"k must be between 1 and {MaxK}, got {K}.", nameof(K));
        if (Mode is SearchMode.Vector or SearchMode.Hybrid && Vector is not { Length: > 0 })
            throw new ArgumentException($"A {Mode.ToString().ToLowerInvariant()} search needs a query vector.", nameof(Vector));
        if (Mode is SearchMode.Bm25 && string.IsNullOrWhiteSpace(Text))
            throw new ArgumentException("A bm25 search needs query text.", nameof(Text));
        Filter.Validate();
    }
}

/// <summary>
/// Narrows a search. <see cref="Owner"/> is always required: one user never sees another's documents.
/// Every other field is optional and they combine with AND; list fields match any of their values, except
/// <see cref="Tags"/>, which must all be present.
/// </summary>
public sealed record SearchFilter(string Owner)
{
    public string? Agent { get; init; }
    public string? Session { get; init; }
    /// <summary>Any of these domains.</summary>
    public IReadOnlyList<string>? Domains { get; init; }
    /// <summary>Any of these kinds.</summary>
    public IReadOnlyList<string>? Kinds { get; init; }
    /// <summary>Created at or after (inclusive).</summary>
    public DateTimeOffset? CreatedFrom { get; init; }
    /// <summary>Created before (exclusive).</summary>
    public DateTimeOffset? CreatedTo { get; init; }
    /// <summary>All of these tags.</summary>
    public IReadOnlyList<string>? Tags { get; init; }

    /// <summary>Throws when the owner is missing.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Owner))
            throw new ArgumentException("A search filter must name its owner: one user never sees another's documents.", nameof(Owner));
    }
}
