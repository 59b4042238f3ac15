namespace Hearth.Search;

/// <summary>A collection's recorded embedding model and dimensions; <see cref="Generation"/> grows with each reindex.</summary>
public sealed record SearchCollection(string Name, string EmbeddingModel, int Dimensions, int Generation)
{
    /// <summary>Local index: the batch number the next vector job of the collection carries (its chain guard).</summary>
    public int VectorBatch { get; init; }
}
