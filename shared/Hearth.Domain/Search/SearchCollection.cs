namespace Hearth.Search;

/// <summary>A collection's recorded embedding model and dimensions; <see cref="Generation"/> grows with each reindex.</summary>
public sealed record SearchCollection(string Name, string EmbeddingModel, int Dimensions, int Generation);
