namespace Hearth.Memory;

/// <summary>How memory indexes, recalls and imports (the host binds it from the <c>Memory</c> section).</summary>
public sealed record MemoryOptions
{
    /// <summary>Exchanges of the current session given as hot memory.</summary>
    public int HotTurns { get; init; } = 3;

    /// <summary>Exchanges in a rolling-window document (the last ones of the session, ending at the indexed turn).</summary>
    public int WindowTurns { get; init; } = 3;

    /// <summary>Most structured (warm) items given for one turn.</summary>
    public int MaxWarmItems { get; init; } = 4;

    /// <summary>
    /// A question finds something relevant when the passages recalled for it (each holding at least one of its content
    /// words) together hold at least this share of its content words (analysed like the index: stemmed; stop words,
    /// question words, generic verbs and time words left out). Below it, the guidance tells the model it does not know.
    /// </summary>
    public double RelevanceFloor { get; init; } = 0.5;

    /// <summary>
    /// Cosine similarity from which a recalled passage is relevant though it shares no word with the question (a
    /// paraphrase). Null: the value calibrated for the configured embedding model (<see cref="SimilarityFloors"/>);
    /// an embedder without one (hashing) relies on shared words only.
    /// </summary>
    public double? SimilarityFloor { get; init; }

    /// <summary>
    /// Longest wait for the question's embedding before a reply; past it recall searches by keywords (and keeps doing so
    /// for 30 s), so a slow embedder never holds up a reply.
    /// </summary>
    public TimeSpan RecallEmbedTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Collection of imported documents (conversations go to the domain collections of <c>Memory:Domains</c>, else <c>memory</c>).</summary>
    public string DocumentsCollection { get; init; } = "documents";

    /// <summary>Documents per import activity.</summary>
    public int ImportBatchSize { get; init; } = 100;

    /// <summary>Import activities running at once.</summary>
    public int ImportParallelism { get; init; } = 4;

    /// <summary>The routing domains (<c>Memory:Domains</c>, also read by the search engine's <see cref="Search.DomainRouter"/>).</summary>
    public IReadOnlyList<Search.DomainDefinition> Domains { get; init; } = [];

    /// <summary>Most messages a summary reads (the latest ones up to the requested message).</summary>
    public int SummaryMaxMessages { get; init; } = 200;

    /// <summary>Throws naming the key when a value cannot work.</summary>
    public void Validate()
    {
        Search.SearchCollectionName.Validate(DocumentsCollection);
        if (HotTurns is < 0 or > 20) throw new InvalidOperationException("Memory:HotTurns must be between 0 and 20.");
        if (WindowTurns is < 1 or > 10) throw new InvalidOperationException("Memory:WindowTurns must be between 1 and 10.");
        if (MaxWarmItems is < 0 or > 50) throw new InvalidOperationException("Memory:MaxWarmItems must be between 0 and 50.");
        if (RelevanceFloor is < 0 or > 1 || double.IsNaN(RelevanceFloor)) throw new InvalidOperationException("Memory:RelevanceFloor must be between 0 and 1.");
        if (SimilarityFloor is < -1 or > 1 || (SimilarityFloor is { } s && double.IsNaN(s))) throw new InvalidOperationException("Memory:SimilarityFloor must be between -1 and 1.");
        if (ImportBatchSize is < 1 or > 1000) throw new InvalidOperationException("Memory:ImportBatchSize must be between 1 and 1000.");
        if (ImportParallelism is < 1 or > 64) throw new InvalidOperationException("Memory:ImportParallelism must be between 1 and 64.");
        if (RecallEmbedTimeout <= TimeSpan.Zero || RecallEmbedTimeout > TimeSpan.FromMinutes(1)) throw new InvalidOperationException("Memory:RecallEmbedTimeout must be between 0 and 1 minute.");
        if (SummaryMaxMessages is < 2 or > 5000) throw new InvalidOperationException("Memory:SummaryMaxMessages must be between 2 and 5000.");
    }
}
