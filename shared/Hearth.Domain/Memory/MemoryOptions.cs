using System.ComponentModel.DataAnnotations;
using Hearth.Settings;

namespace Hearth.Memory;

/// <summary>
/// How memory indexes, recalls and imports (<c>Memory:*</c>): the host binds this class once and checks it before it
/// listens; the domain's services and the import API read it as it is.
/// </summary>
[SettingsSection("Memory")]
public sealed record MemoryOptions : IValidatableSettings
{
    /// <summary>Exchanges of the current session given as hot memory.</summary>
    [Setting("Exchanges of the current session recalled as hot memory.")]
    [Range(0, 20)]
    public int HotTurns { get; set; } = 3;

    /// <summary>Exchanges in a rolling-window document (the last ones of the session, ending at the indexed turn).</summary>
    [Setting("Exchanges in the rolling-window document indexed with each turn.")]
    [Range(1, 10)]
    public int WindowTurns { get; set; } = 3;

    /// <summary>Most structured (warm) items given for one turn.</summary>
    [Setting("Most structured (warm) items recalled for one turn, per source (intent, facts).")]
    [Range(0, 50)]
    public int MaxWarmItems { get; set; } = 4;

    /// <summary>
    /// A question finds something relevant when the passages recalled for it (each holding at least one of its content
    /// words) together hold at least this share of its content words (analysed like the index: stemmed; stop words,
    /// question words, generic verbs and time words left out). Below it, the guidance tells the model it does not know.
    /// </summary>
    [Setting("Share (0..1) of a question's content words a passage must hold to count as relevant; below it for everything, the reply says it does not know.")]
    public double RelevanceFloor { get; set; } = 0.5;

    /// <summary>
    /// Cosine similarity from which a recalled passage is relevant though it shares no word with the question (a
    /// paraphrase). Null: the value calibrated for the configured embedding model (<see cref="SimilarityFloors"/>);
    /// an embedder without one (hashing) relies on shared words only.
    /// </summary>
    [Setting("Cosine similarity (-1..1) from which a passage sharing no word with the question counts as relevant (a paraphrase); default: the embedding model's calibrated value (arctic-embed-xs 0.55; none for hashing).")]
    [Range(-1.0, 1.0)]
    public double? SimilarityFloor { get; set; }

    /// <summary>
    /// Longest wait for the question's embedding before a reply; past it recall searches by keywords (and keeps doing so
    /// for 30 s), so a slow embedder never holds up a reply.
    /// </summary>
    [Setting("Longest wait for a question's embedding before a reply; past it recall searches by keywords for 30 s (hh:mm:ss).")]
    public TimeSpan RecallEmbedTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Collection of imported documents (conversations go to the domain collections of <c>Memory:Domains</c>, else <c>memory</c>).</summary>
    [Setting("Search collection of imported documents.")]
    public string DocumentsCollection { get; set; } = "documents";

    /// <summary>Documents per import activity.</summary>
    [Setting("Documents per import activity.")]
    [Range(1, 1000)]
    public int ImportBatchSize { get; set; } = 100;

    /// <summary>Import activities running at once.</summary>
    [Setting("Import activities running at once.")]
    [Range(1, 64)]
    public int ImportParallelism { get; set; } = 4;

    /// <summary>The routing domains (<c>Memory:Domains</c>, also read by the search engine's <see cref="Search.DomainRouter"/>).</summary>
    [NotASetting("a list of objects; bound with the configuration binder by the host")]
    public IReadOnlyList<Search.DomainDefinition> Domains { get; set; } = [];

    /// <summary>Most messages a summary reads (the latest ones up to the requested message).</summary>
    [Setting("Most messages a session summary reads (the latest).")]
    [Range(2, 5000)]
    public int SummaryMaxMessages { get; set; } = 200;

    /// <summary>Largest import request body in bytes (the import API's limit).</summary>
    [Setting("Largest import request body in bytes (JSON lines or files).")]
    [Range(1024, 4L * 1024 * 1024 * 1024)]
    public long ImportMaxBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>Throws naming the key when a value cannot work.</summary>
    public void Validate()
    {
        try { Search.SearchCollectionName.Validate(DocumentsCollection); }
        catch (ArgumentException e) { throw new InvalidOperationException($"Memory:DocumentsCollection: {e.Message}", e); }
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

    /// <summary>The same rules for the host's start check, which names the key (the ranges are also checked one by one there).</summary>
    public IEnumerable<SettingProblem> Validate(SettingsContext context) => SettingRules.Check(Validate, context);
}
