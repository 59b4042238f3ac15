namespace Hearth.Search;

/// <summary>
/// Hybrid fusion that looks at scores, not only ranks: a convex combination of each half's normalised score,
/// fused = w_bm25 · bm25 / best bm25 of the query + w_vector · clamp((cosine − low) / (high − low), 0, 1), with the
/// weights scaled to sum to 1. The cosine is normalised against fixed bounds calibrated for the model (not against the
/// query's own best), so when every vector neighbour is weak they stay weak and an exact keyword match keeps first place,
/// which Reciprocal Rank Fusion cannot do: it gives the first of a list of noise as much as the first of a real list.
/// Models without calibrated bounds (hashing, remote models) are fused by <see cref="ReciprocalRankFusion"/>.
/// </summary>
public static class ScoreFusion
{
    /// <summary>Cosine bounds of a model: at or below <c>Low</c> a neighbour is noise, at <c>High</c> it is as good as it gets.</summary>
    public readonly record struct CosineBounds(double Low, double High);

    /// <summary>The calibrated bounds of <paramref name="modelId"/> (queries embedded as the search service embeds them), or null.</summary>
    public static CosineBounds? For(string modelId) => modelId switch
    {
        // snowflake-arctic-embed-xs with its query instruction: unrelated sentence pairs measure 0.40-0.50, answers 0.55-0.75.
        "snowflake-arctic-embed-xs" => new CosineBounds(0.45, 0.80),
        _ => null,
    };

    /// <summary>The normalised vector half of a document (0 when it has no vector).</summary>
    public static double Vector(double? cosine, CosineBounds bounds) =>
        cosine is { } c ? Math.Clamp((c - bounds.Low) / (bounds.High - bounds.Low), 0, 1) : 0;

    /// <summary>The normalised BM25 half: the score over the query's best (0 when the document is not in the BM25 list).</summary>
    public static double Bm25(double? score, double best) => score is { } s && best > 0 ? s / best : 0;

    /// <summary>The fused score from the two normalised halves and the configured weights.</summary>
    public static double Fuse(double bm25, double vector, double bm25Weight, double vectorWeight) =>
        (bm25Weight * bm25 + vectorWeight * vector) / (bm25Weight + vectorWeight);
}
