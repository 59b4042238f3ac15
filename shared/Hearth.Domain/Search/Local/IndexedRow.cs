namespace Hearth.Search.Local;

/// <summary>A row read from <c>search.documents</c>, analysed and ready to apply to a <see cref="MemoryCollection"/>.</summary>
internal sealed record IndexedRow(long Key, long Seq, bool Deleted, string Owner)
{
    public string? Agent { get; init; }
    public string? Session { get; init; }
    public string? Domain { get; init; }
    public string? Kind { get; init; }
    public long CreatedTicks { get; init; }
    public string[] Tags { get; init; } = [];
    /// <summary>Distinct analysed terms with their counts.</summary>
    public (string Term, int Count)[] Terms { get; init; } = [];
    /// <summary>Number of analysed terms (the BM25 document length).</summary>
    public int Length { get; init; }
    /// <summary>The float32 vector, empty when the document has none.</summary>
    public float[] Vector { get; init; } = [];

    /// <summary>Analyses a live document's text into term counts.</summary>
    public static (string Term, int Count)[] CountTerms(string text, out int length)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        var total = 0;
        TextAnalyzer.Analyze(text, term =>
        {
            total++;
            counts[term] = counts.GetValueOrDefault(term) + 1;
        });
        length = total;
        var terms = new (string, int)[counts.Count];
        var i = 0;
        foreach (var (term, count) in counts) terms[i++] = (term, count);
        return terms;
    }
}
