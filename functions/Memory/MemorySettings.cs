using System.ComponentModel.DataAnnotations;
using Hearth.Memory;
using Hearth.Search;

namespace Hearth.Functions.Memory;

/// <summary>Memory's settings as the host catalogues and checks them (the domain takes <see cref="MemoryOptions"/>).</summary>
[SettingsSection("Memory")]
public sealed class MemorySettings : IValidatableSettings
{
    [Setting("Exchanges of the current session recalled as hot memory.")]
    [Range(0, 20)]
    public int HotTurns { get; set; } = 3;

    [Setting("Exchanges in the rolling-window document indexed with each turn.")]
    [Range(1, 10)]
    public int WindowTurns { get; set; } = 3;

    [Setting("Most structured (warm) items recalled for one turn, per source (intent, facts).")]
    [Range(0, 50)]
    public int MaxWarmItems { get; set; } = 4;

    [Setting("Share (0..1) of a question's content words a passage must hold to count as relevant; below it for everything, the reply says it does not know.")]
    public double RelevanceFloor { get; set; } = 0.5;

    [Setting("Cosine similarity (-1..1) from which a passage sharing no word with the question counts as relevant (a paraphrase); default: the embedding model's calibrated value (arctic-embed-xs 0.55; none for hashing).")]
    [Range(-1.0, 1.0)]
    public double? SimilarityFloor { get; set; }

    [Setting("Longest wait for a question's embedding before a reply; past it recall searches by keywords for 30 s (hh:mm:ss).")]
    public TimeSpan RecallEmbedTimeout { get; set; } = TimeSpan.FromSeconds(1);

    [Setting("Search collection of imported documents.")]
    public string DocumentsCollection { get; set; } = "documents";

    [Setting("Documents per import activity.")]
    [Range(1, 1000)]
    public int ImportBatchSize { get; set; } = 100;

    [Setting("Import activities running at once.")]
    [Range(1, 64)]
    public int ImportParallelism { get; set; } = 4;

    [Setting("Largest import request body in bytes (JSON lines or files).")]
    [Range(1024, 4L * 1024 * 1024 * 1024)]
    public long ImportMaxBytes { get; set; } = 256L * 1024 * 1024;

    [Setting("Most messages a session summary reads (the latest).")]
    [Range(2, 5000)]
    public int SummaryMaxMessages { get; set; } = 200;

    /// <summary>The domain's options, with the routing domains of <c>Memory:Domains</c>.</summary>
    public MemoryOptions ToOptions(IReadOnlyList<DomainDefinition> domains) => new()
    {
        HotTurns = HotTurns,
        WindowTurns = WindowTurns,
        MaxWarmItems = MaxWarmItems,
        RelevanceFloor = RelevanceFloor,
        SimilarityFloor = SimilarityFloor,
        RecallEmbedTimeout = RecallEmbedTimeout,
        DocumentsCollection = DocumentsCollection,
        ImportBatchSize = ImportBatchSize,
        ImportParallelism = ImportParallelism,
        SummaryMaxMessages = SummaryMaxMessages,
        Domains = domains,
    };

    public IEnumerable<SettingProblem> Validate(SettingsContext context)
    {
        if (RelevanceFloor is < 0 or > 1 || double.IsNaN(RelevanceFloor))
            yield return SettingProblem.Invalid(context.KeyOf(nameof(RelevanceFloor)), "must be between 0 and 1");
        string? collection = null;
        try { SearchCollectionName.Validate(DocumentsCollection); }
        catch (ArgumentException e) { collection = e.Message; }
        if (collection is not null) yield return SettingProblem.Invalid(context.KeyOf(nameof(DocumentsCollection)), collection);
        if (RecallEmbedTimeout <= TimeSpan.Zero || RecallEmbedTimeout > TimeSpan.FromMinutes(1))
            yield return SettingProblem.Invalid(context.KeyOf(nameof(RecallEmbedTimeout)), "must be between 00:00:00 (exclusive) and 00:01:00");
    }
}
