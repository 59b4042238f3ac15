using Hearth.Settings;

namespace Hearth.Search;

/// <summary>
/// Search settings, bound from the <c>Search</c> configuration section. The hybrid weights scale each list's
/// Reciprocal Rank Fusion term: fused = Bm25Weight / (60 + bm25 rank) + VectorWeight / (60 + vector rank).
/// </summary>
[SettingsSection(Section)]
public sealed record SearchOptions : IValidatableSettings
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "Search";

    /// <summary><c>Local</c> (PostgreSQL + in-process index, the default) or <c>AzureAISearch</c>.</summary>
    [Setting("Local (PostgreSQL + in-process index) or AzureAISearch.")]
    public string Provider { get; init; } = "Local";

    /// <summary>How deep each ranked list goes before fusion (at least k). Deeper lists let a document that is
    /// second-tier in both halves surface; 50 matches Azure AI Search's default text recall for hybrid queries.</summary>
    [Setting("How deep each ranked list goes before Reciprocal Rank Fusion.")]
    public int HybridCandidates { get; init; } = 50;

    /// <summary>Weight of the BM25 list in hybrid fusion.</summary>
    [Setting("Weight of the BM25 list in hybrid fusion.")]
    public double Bm25Weight { get; init; } = 1.0;

    /// <summary>Weight of the vector list in hybrid fusion.</summary>
    [Setting("Weight of the vector list in hybrid fusion.")]
    public double VectorWeight { get; init; } = 1.0;

    /// <summary>Score fusion (calibrated models): the BM25 half is a document's score over the larger of the query's best
    /// score and Bm25Scale × the sum of the query terms' idf. At k1 + 1 = 2.2 (the default) that is the highest score the
    /// query can reach (every term saturated in a document), so the half says how much of the query a document holds,
    /// not how it compares with the best of a list that may be noise; 0 normalises by the query's best alone. Chosen by a
    /// sweep over the three evaluations (docs/decisions.md, issue 14).</summary>
    [Setting("Score fusion (calibrated models): the BM25 half is a score over max(the query's best, Bm25Scale × Σ idf of its terms); 2.2 (k1 + 1): over the highest score the query can reach; 0: over the query's best.")]
    public double Bm25Scale { get; init; } = Bm25.K1 + 1;

    /// <summary>Local provider: collections loaded into memory at start, so the first query after a scale-out does
    /// not pay the load (about 6 s per 100k chunks on the dev box).</summary>
    [NotASetting("a list bound with the configuration binder when the search engine is registered")]
    public IReadOnlyList<string> WarmUp { get; init; } = [];

    IEnumerable<SettingProblem> IValidatableSettings.Validate(SettingsContext context) => SettingRules.Check(Validate, context);

    /// <summary>Throws naming the key when a value cannot work.</summary>
    public void Validate()
    {
        foreach (var name in WarmUp)
        {
            try { SearchCollectionName.Validate(name); }
            catch (ArgumentException e) { throw new InvalidOperationException($"Search:WarmUp: {e.Message}", e); }
        }
        if (Provider is not ("Local" or "AzureAISearch"))
            throw new InvalidOperationException($"Search:Provider must be Local or AzureAISearch, got '{Provider}'.");
        if (HybridCandidates is < 1 or > SearchQuery.MaxK)
            throw new InvalidOperationException($"Search:HybridCandidates must be between 1 and {SearchQuery.MaxK}, got {HybridCandidates}.");
        if (Bm25Weight < 0 || VectorWeight < 0 || Bm25Weight + VectorWeight == 0 || !double.IsFinite(Bm25Weight + VectorWeight))
            throw new InvalidOperationException("Search:Bm25Weight and Search:VectorWeight must be non-negative and not both zero.");
        if (Bm25Scale is < 0 or > 10 || double.IsNaN(Bm25Scale))
            throw new InvalidOperationException($"Search:Bm25Scale must be between 0 and 10, got {Bm25Scale}.");
    }
}

/// <summary>Collection names work on every provider: lower-case letters, digits and single dashes, 2 to 60 characters.</summary>
public static class SearchCollectionName
{
    /// <summary>Throws a clear <see cref="ArgumentException"/> for a name some provider would refuse.</summary>
    public static void Validate(string name)
    {
        var ok = name is { Length: >= 2 and <= 60 }
            && char.IsAsciiLetterLower(name[0])
            && (char.IsAsciiLetterLower(name[^1]) || char.IsAsciiDigit(name[^1]))
            && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-')
            && !name.Contains("--", StringComparison.Ordinal);
        if (!ok)
            throw new ArgumentException(
                $"Collection name '{name}' is invalid: use 2-60 lower-case letters, digits and single dashes, starting with a letter.", nameof(name));
    }
}
