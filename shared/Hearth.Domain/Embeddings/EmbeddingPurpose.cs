using Microsoft.Extensions.AI;

namespace Hearth.Embeddings;

/// <summary>
/// Says that texts are search queries, not documents: retrieval models such as arctic-embed are trained with an
/// instruction before queries only. Embedders that make no difference ignore it.
/// </summary>
public static class EmbeddingPurpose
{
    private const string Key = "hearth.purpose";

    /// <summary>Options marking the inputs as queries (a new instance each call: options objects are mutable).</summary>
    public static EmbeddingGenerationOptions Query() => new() { AdditionalProperties = new() { [Key] = "query" } };

    /// <summary>Whether <paramref name="options"/> mark the inputs as queries.</summary>
    public static bool IsQuery(EmbeddingGenerationOptions? options) =>
        options?.AdditionalProperties?.TryGetValue(Key, out var value) == true && value is "query";
}
