namespace Hearth.Search;

/// <summary>
/// Reciprocal Rank Fusion (Cormack, Clarke and Büttcher, 2009), the fusion Azure AI Search uses for hybrid queries:
/// score(d) = Σ over lists of weight / (k + rank(d)), ranks 1-based, k = 60. A document missing from a list gets
/// nothing from it. Ties keep the better single rank first, then the earlier list, so the order is deterministic.
/// </summary>
public static class ReciprocalRankFusion
{
    /// <summary>The constant of the original paper and of Azure AI Search.</summary>
    public const int DefaultK = 60;

    /// <summary>Fuses ranked lists of keys (best first) into one ranking with each key's fused score.</summary>
    public static List<(TKey Key, double Score)> Fuse<TKey>(IReadOnlyList<IReadOnlyList<TKey>> lists, IReadOnlyList<double>? weights = null, int k = DefaultK)
        where TKey : notnull
    {
        if (weights is not null && weights.Count != lists.Count)
            throw new ArgumentException("One weight per ranked list.", nameof(weights));
        var fused = new Dictionary<TKey, (double Score, int BestRank, int FirstList)>();
        for (var list = 0; list < lists.Count; list++)
        {
            var weight = weights?[list] ?? 1.0;
            var ranked = lists[list];
            for (var i = 0; i < ranked.Count; i++)
            {
                var rank = i + 1;
                var contribution = weight / (k + rank);
                fused[ranked[i]] = fused.TryGetValue(ranked[i], out var current)
                    ? (current.Score + contribution, Math.Min(current.BestRank, rank), current.FirstList)
                    : (contribution, rank, list);
            }
        }
        return fused
            .OrderByDescending(p => p.Value.Score)
            .ThenBy(p => p.Value.BestRank)
            .ThenBy(p => p.Value.FirstList)
            .Select(p => (p.Key, p.Value.Score))
            .ToList();
    }
}
