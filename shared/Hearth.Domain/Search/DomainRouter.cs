namespace Hearth.Search;

/// <summary>A routing domain from <c>Memory:Domains</c>: its keywords, how much a hit counts, and where its documents live.</summary>
public sealed record DomainDefinition
{
    public string Name { get; init; } = "";
    /// <summary>Words or phrases; matched after analysis, so "projects" matches the keyword "project".</summary>
    public IReadOnlyList<string> Keywords { get; init; } = [];
    /// <summary>Multiplies the keyword hits (default 1).</summary>
    public double Priority { get; init; } = 1;
    /// <summary>The collection the domain's documents are indexed in.</summary>
    public string Collection { get; init; } = DomainRouter.DefaultCollection;
}

/// <summary>How one domain scored for a text: distinct keywords found × priority.</summary>
public sealed record DomainMatch(string Name, string Collection, int Hits, double Score);

/// <summary>
/// Keyword domain routing (FAITHH's, made configurable): a query scores every domain as (distinct keywords found) ×
/// priority; the winners are the best domain and any other scoring at least half of it, two at most. With no
/// keyword found the query falls back to <c>general</c>. <see cref="Tag"/> picks the single best domain at index time.
/// </summary>
public sealed class DomainRouter
{
    /// <summary>Domain of everything no keyword claims.</summary>
    public const string General = "general";
    /// <summary>Collection of the general domain unless configured.</summary>
    public const string DefaultCollection = "memory";
    /// <summary>Most domains one query searches.</summary>
    public const int MaxWinners = 2;

    private readonly List<(DomainDefinition Domain, List<string[]> Keywords)> _domains = [];

    public DomainRouter(IEnumerable<DomainDefinition> domains)
    {
        foreach (var domain in domains)
        {
            if (string.IsNullOrWhiteSpace(domain.Name)) throw new InvalidOperationException("Memory:Domains: every domain needs a Name.");
            if (_domains.Any(d => d.Domain.Name == domain.Name)) throw new InvalidOperationException($"Memory:Domains: domain '{domain.Name}' is listed twice.");
            if (domain.Priority is <= 0 or > 1000 || !double.IsFinite(domain.Priority))
                throw new InvalidOperationException($"Memory:Domains: domain '{domain.Name}' needs a Priority between 0 (exclusive) and 1000.");
            SearchCollectionName.Validate(domain.Collection);
            var keywords = new List<string[]>();
            foreach (var keyword in domain.Keywords)
            {
                var terms = TextAnalyzer.Analyze(keyword).ToArray();
                if (terms.Length == 0)
                    throw new InvalidOperationException($"Memory:Domains: keyword '{keyword}' of domain '{domain.Name}' has no searchable word (stop words only?).");
                keywords.Add(terms);
            }
            _domains.Add((domain, keywords));
        }
        var general = _domains.FirstOrDefault(d => d.Domain.Name == General).Domain;
        Fallback = new DomainMatch(General, general?.Collection ?? DefaultCollection, 0, 0);
    }

    /// <summary>The general domain and its collection.</summary>
    public DomainMatch Fallback { get; }

    /// <summary>Every domain with at least one keyword in the text, best first (score, then priority, then name).</summary>
    public IReadOnlyList<DomainMatch> Score(string text)
    {
        var terms = TextAnalyzer.Analyze(text);
        var matches = new List<DomainMatch>();
        foreach (var (domain, keywords) in _domains)
        {
            var hits = keywords.Count(k => Contains(terms, k));
            if (hits > 0) matches.Add(new DomainMatch(domain.Name, domain.Collection, hits, hits * domain.Priority));
        }
        return matches
            .OrderByDescending(m => m.Score)
            .ThenByDescending(m => _domains.First(d => d.Domain.Name == m.Name).Domain.Priority)
            .ThenBy(m => m.Name, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>The domains to search for a query: the winners, or the general fallback when none scores.</summary>
    public IReadOnlyList<DomainMatch> Route(string query)
    {
        var scored = Score(query);
        if (scored.Count == 0) return [Fallback];
        var best = scored[0].Score;
        return scored.Where(m => m.Score >= best / 2).Take(MaxWinners).ToList();
    }

    /// <summary>The domain to tag a document with at index time.</summary>
    public DomainMatch Tag(string text)
    {
        var scored = Score(text);
        return scored.Count == 0 ? Fallback : scored[0];
    }

    private static bool Contains(List<string> terms, string[] phrase)
    {
        for (var i = 0; i + phrase.Length <= terms.Count; i++)
        {
            var all = true;
            for (var j = 0; j < phrase.Length && all; j++) all = terms[i + j] == phrase[j];
            if (all) return true;
        }
        return false;
    }
}
