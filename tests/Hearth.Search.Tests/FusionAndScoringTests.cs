namespace Hearth.Search.Tests;

public sealed class FusionAndScoringTests
{
    [Fact]
    public void Reciprocal_rank_fusion_matches_a_hand_computed_example()
    {
        // Lists: text [x, y, z], vector [y, w, x].
        // x = 1/61 + 1/63 = 0.0322665, y = 1/62 + 1/61 = 0.0325225, w = 1/62 = 0.0161290, z = 1/63 = 0.0158730.
        var fused = ReciprocalRankFusion.Fuse<string>([["x", "y", "z"], ["y", "w", "x"]]);

        Assert.Equal(["y", "x", "w", "z"], fused.Select(f => f.Key));
        Assert.Equal(0.0325225, fused[0].Score, 7);
        Assert.Equal(0.0322665, fused[1].Score, 7);
        Assert.Equal(0.0161290, fused[2].Score, 7);
        Assert.Equal(0.0158730, fused[3].Score, 7);
    }

    [Fact]
    public void Fusion_weights_scale_each_list()
    {
        // Text [x, y], vector [y, x]. Equal weights: a tie (1/61 + 1/62 each), x first by list order.
        // Vector weight 2: x = 1/61 + 2/62 = 0.0486516, y = 1/62 + 2/61 = 0.0489159, so y leads.
        var equal = ReciprocalRankFusion.Fuse<string>([["x", "y"], ["y", "x"]]);
        var weighted = ReciprocalRankFusion.Fuse<string>([["x", "y"], ["y", "x"]], [1.0, 2.0]);

        Assert.Equal(["x", "y"], equal.Select(f => f.Key));
        Assert.Equal(["y", "x"], weighted.Select(f => f.Key));
        Assert.Equal(0.0489159, weighted[0].Score, 6);
        Assert.Equal(0.0486516, weighted[1].Score, 6);
    }

    [Fact]
    public void Fusion_ties_are_broken_by_best_single_rank_then_list_order()
    {
        // a and b both score 1/61 (each first in one list); c and d both 1/62.
        var fused = ReciprocalRankFusion.Fuse<string>([["a", "c"], ["b", "d"]]);
        Assert.Equal(["a", "b", "c", "d"], fused.Select(f => f.Key));
    }

    [Fact]
    public void Bm25_formula_matches_hand_arithmetic()
    {
        // N = 3, df = 2: idf = ln(1 + 1.5 / 2.5) = ln 1.6.
        Assert.Equal(Math.Log(1.6), Bm25.Idf(3, 2), 12);
        // tf = 2, |d| = 3, avgdl = 7/3: 2·2.2 / (2 + 1.2·(0.25 + 0.75·3/(7/3))) = 4.4 / 3.4571429 = 1.2727273.
        Assert.Equal(1.2727273 * Math.Log(1.6), Bm25.TermScore(Math.Log(1.6), 2, 3, 7.0 / 3), 6);
    }
}
