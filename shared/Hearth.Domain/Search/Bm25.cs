namespace Hearth.Search;

/// <summary>
/// Okapi BM25 as Robertson and Zaragoza state it, with Lucene's non-negative idf:
/// idf(t) = ln(1 + (N − df + 0.5) / (df + 0.5)) and
/// score(d) = Σ idf(t) · tf·(k1 + 1) / (tf + k1·(1 − b + b·|d| / avgdl)) over the distinct query terms t in d.
/// N, df and avgdl are counted over the searching owner's documents in the collection.
/// </summary>
public static class Bm25
{
    /// <summary>Term-frequency saturation.</summary>
    public const double K1 = 1.2;
    /// <summary>Length normalisation.</summary>
    public const double B = 0.75;

    /// <summary>Inverse document frequency of a term found in <paramref name="df"/> of <paramref name="n"/> documents.</summary>
    public static double Idf(int n, int df) => Math.Log(1 + (n - df + 0.5) / (df + 0.5));

    /// <summary>One term's contribution to a document's score.</summary>
    public static double TermScore(double idf, int tf, int documentLength, double averageLength) =>
        idf * tf * (K1 + 1) / (tf + K1 * (1 - B + B * documentLength / averageLength));
}
