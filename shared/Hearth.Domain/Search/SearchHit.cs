namespace Hearth.Search;

/// <summary>
/// One ranked result. <see cref="Score"/> is the BM25 score, the cosine similarity, or the fused RRF score,
/// depending on the mode; the per-mode ranks (1-based) and scores show how each half placed the document.
/// </summary>
public sealed record SearchHit(SearchDocument Document, double Score, int? Bm25Rank, double? Bm25Score, int? VectorRank, double? VectorScore)
{
    public string Id => Document.Id;
}
