namespace Hearth.Search;

/// <summary>
/// The search seam: collections of owned documents searchable by BM25, vector similarity or both fused by
/// Reciprocal Rank Fusion. Implemented locally on PostgreSQL (<see cref="Local.PostgresSearchIndex"/>) and by the
/// Azure AI Search adapter. Callers normally go through <see cref="SearchService"/>, which embeds texts for them.
/// </summary>
public interface ISearchIndex
{
    /// <summary>
    /// Creates the collection if missing and records the embedding model and dimensions it is built with.
    /// Throws <see cref="EmbeddingMismatchException"/> when it exists with another model or other dimensions.
    /// </summary>
    Task<SearchCollection> EnsureCollectionAsync(string collection, string embeddingModel, int dimensions, CancellationToken ct);

    /// <summary>The collection's recorded model and dimensions, or null when it does not exist.</summary>
    Task<SearchCollection?> GetCollectionAsync(string collection, CancellationToken ct);

    /// <summary>
    /// Inserts or replaces documents (same owner and id replaces). All or nothing: a vector whose length differs from
    /// the collection's dimensions throws <see cref="EmbeddingMismatchException"/> and nothing is written.
    /// </summary>
    Task UpsertAsync(string collection, IReadOnlyList<SearchDocument> documents, CancellationToken ct);

    /// <summary>
    /// <see cref="UpsertAsync(string, IReadOnlyList{SearchDocument}, CancellationToken)"/> with the model that made the
    /// vectors: an index that can re-embed stores them only when it is the collection's model, and otherwise keeps the
    /// documents (searchable by BM25) and embeds them again itself. Vectors of two models are never mixed.
    /// </summary>
    Task UpsertAsync(string collection, IReadOnlyList<SearchDocument> documents, string vectorsModel, CancellationToken ct) =>
        UpsertAsync(collection, documents, ct);

    /// <summary>Deletes the owner's documents with these ids; returns how many existed.</summary>
    Task<int> DeleteAsync(string collection, string owner, IReadOnlyCollection<string> ids, CancellationToken ct);

    /// <summary>Deletes every document matching the filter (always scoped to its owner); returns how many.</summary>
    Task<int> DeleteWhereAsync(string collection, SearchFilter filter, CancellationToken ct);

    /// <summary>Ranked hits for the query, best first, only ever from <see cref="SearchFilter.Owner"/>'s documents.</summary>
    Task<SearchResults> SearchAsync(string collection, SearchQuery query, CancellationToken ct);

    /// <summary>
    /// Rebuilds the collection with another embedding model: every document's text is embedded again through
    /// <paramref name="embed"/> and the new model and dimensions are recorded. Returns how many documents were embedded.
    /// </summary>
    Task<int> ReindexAsync(string collection, string embeddingModel, int dimensions, EmbedBatch embed, CancellationToken ct);
}

/// <summary>Embeds a batch of texts, one vector per text in the same order.</summary>
public delegate Task<IReadOnlyList<ReadOnlyMemory<float>>> EmbedBatch(IReadOnlyList<string> texts, CancellationToken ct);
