namespace Hearth.Search;

/// <summary>
/// Hybrid fusion that looks at scores, not only ranks: a convex combination of each half's normalised score,
/// fused = w_bm25 · bm25 / max(best bm25 of the query, scale · Σ idf of the query's terms) + w_vector · clamp((cosine − low) / (high − low), 0, 1), with the
/// weights scaled to sum to 1. The cosine is normalised against fixed bounds calibrated for the model (not against the
/// query's own best), so when every vector neighbour is weak they stay weak and an exact keyword match keeps first place,
/// which Reciprocal Rank Fusion cannot do: it gives the first of a list of noise as much as the first of a real list.
/// Models without calibrated bounds (hashing, remote models) are fused by <see cref="ReciprocalRankFusion"/>.
/// </summary>
public static class ScoreFusion
{
    /// <summary>
    /// A model's calibration: at or below cosine <c>Low</c> a neighbour is noise, at <c>High</c> it is as good as it gets;
    /// <c>VectorWeight</c> is the vector half's weight against a BM25 half normalised by the query's attainable maximum
    /// (it multiplies <c>Search:VectorWeight</c>).
    /// </summary>
    public readonly record struct CosineBounds(double Low, double High, double VectorWeight = 1);

    /// <summary>The calibrated bounds of <paramref name="modelId"/> (queries embedded as the search service embeds them), or null.</summary>
    public static CosineBounds? For(string modelId) => modelId switch
    {
        // snowflake-arctic-embed-xs with its query instruction: unrelated sentence pairs measure 0.40-0.50, answers 0.55-0.75.
        // Vector weight 2: chosen by the sweep over the three evaluations (docs/decisions.md, issue 14).
        "snowflake-arctic-embed-xs" => new CosineBounds(0.45, 0.80, 2),
        _ => null,
    };

    /// <summary>The normalised vector half of a document (0 when it has no vector).</summary>
    public static double Vector(double? cosine, CosineBounds bounds) =>
        cosine is { } c ? Math.Clamp((c - bounds.Low) / (bounds.High - bounds.Low), 0, 1) : 0;

    /// <summary>The normalised BM25 half: the score over the query's best (0 when the document is not in the BM25 list).</summary>
    public static double Bm25(double? score, double best) => Bm25(score, best, 0, 0);

    /// <summary>
    /// The normalised BM25 half: the score over the larger of the query's best and <paramref name="scale"/> ×
    /// <paramref name="fullMatch"/> (the sum of the idf of the query's terms: what a document of average length holding
    /// each once scores). With scale = k1 + 1 the reference is the highest score the query can reach, so the half is
    /// absolute like the cosine's fixed bounds: a best match that holds a small, common part of the query is not promoted
    /// to a perfect keyword score. With scale 0 it is the score over the query's best.
    /// </summary>
    public static double Bm25(double? score, double best, double fullMatch, double scale)
    {
        var reference = Math.Max(best, scale * fullMatch);
        return score is { } s && reference > 0 ? Math.Min(1, s / reference) : 0;
    }

    /// <summary>The fused score from the two normalised halves and the configured weights.</summary>
    public static double Fuse(double bm25, double vector, double bm25Weight, double vectorWeight) =>
        (bm25Weight * bm25 + vectorWeight * vector) / (bm25Weight + vectorWeight);
}
