namespace Hearth.Search;

/// <summary>
/// The embedder does not match the collection: another model or other dimensions. Nothing was written.
/// Reindex the collection (<see cref="SearchService.ReindexAsync"/>) to move it to the new model.
/// </summary>
public sealed class EmbeddingMismatchException(string collection, string collectionModel, int collectionDimensions, string? givenModel, int givenDimensions)
    : Exception(
        $"Collection '{collection}' holds embeddings from model '{collectionModel}' with {collectionDimensions} dimensions, " +
        $"but {(givenModel is null ? $"the vectors given have {givenDimensions}" : $"model '{givenModel}' produces {givenDimensions}")} dimensions" +
        $"{(givenModel is not null && givenDimensions == collectionDimensions ? " (same size, different model: the vectors are not comparable)" : "")}. " +
        $"Nothing was written. Reindex the collection to switch models, or configure Models:Embeddings to match.")
{
    public string Collection { get; } = collection;
    public string CollectionModel { get; } = collectionModel;
    public int CollectionDimensions { get; } = collectionDimensions;
    public string? GivenModel { get; } = givenModel;
    public int GivenDimensions { get; } = givenDimensions;
}

/// <summary>The collection was never created (see <see cref="ISearchIndex.EnsureCollectionAsync"/>).</summary>
public sealed class SearchCollectionNotFoundException(string collection)
    : Exception($"Search collection '{collection}' does not exist; create it with EnsureCollectionAsync (SearchService does this on first index).")
{
    public string Collection { get; } = collection;
}
