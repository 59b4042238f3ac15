namespace Hearth.Memory;

/// <summary>
/// Per embedding model, the cosine similarity from which a passage that shares no word with a question is taken as
/// relevant to it. Cosines are not comparable across models (arctic-embed's unrelated pairs sit near 0.2-0.3 with its
/// query instruction, MiniLM's near 0), so a model has its own value, calibrated on the shipped retrieval set (see
/// docs/decisions.md); other models (MiniLM included) have none until someone measures one (<c>Memory:SimilarityFloor</c>).
/// </summary>
public static class SimilarityFloors
{
    /// <summary>The calibrated floor for <paramref name="modelId"/>, or null.</summary>
    public static double? For(string modelId) => modelId switch
    {
        "snowflake-arctic-embed-xs" => ArcticXs,
        _ => null,
    };

    /// <summary>snowflake-arctic-embed-xs, queries with its retrieval instruction.</summary>
    public const double ArcticXs = 0.55;
}
