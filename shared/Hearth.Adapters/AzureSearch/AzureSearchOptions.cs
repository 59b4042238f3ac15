namespace Hearth.Adapters.AzureSearch;

/// <summary>
/// Azure AI Search settings, bound from the <c>Search</c> section when <c>Search:Provider</c> is <c>AzureAISearch</c>.
/// Without <see cref="ApiKey"/> the adapter signs in with DefaultAzureCredential (managed identity in Azure).
/// </summary>
public sealed record AzureSearchOptions
{
    /// <summary>Service URL, e.g. <c>https://my-search.search.windows.net</c>.</summary>
    public string? Endpoint { get; init; }
    /// <summary>Admin key; never logged.</summary>
    public string? ApiKey { get; init; }
    /// <summary>Prefix of every index name: collection <c>memory</c> lives in <c>{prefix}memory-g{generation}</c>.</summary>
    public string IndexPrefix { get; init; } = "hearth-";
    /// <summary>HNSW graph degree (4..10).</summary>
    public int HnswM { get; init; } = 4;
    /// <summary>HNSW build-time candidate list (100..1000).</summary>
    public int HnswEfConstruction { get; init; } = 400;
    /// <summary>HNSW query-time candidate list (100..1000).</summary>
    public int HnswEfSearch { get; init; } = 500;
    /// <summary>Timeout of one try of a request.</summary>
    public int TimeoutSeconds { get; init; } = 30;
    /// <summary>Tries after the first of a request that failed with 408/429/5xx, a timeout or a network error.</summary>
    public int MaxRetries { get; init; } = 3;
    /// <summary>Failed requests within a minute, none succeeding, after which the service is not called for <see cref="BreakDuration"/> (0: never).</summary>
    public int BreakAfter { get; init; } = 8;
    /// <summary>How long a service that kept failing is not called (its callers fail fast meanwhile; indexing jobs retry later).</summary>
    public TimeSpan BreakDuration { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The client's retries, per-try timeout and circuit breaker (Azure.Core's own retries are off).</summary>
    public Http.ProviderResilience Resilience() => new("Azure AI Search", MaxRetries, TimeSpan.FromMilliseconds(800), TimeSpan.FromSeconds(10),
        TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(TimeoutSeconds), BreakAfter, BreakDuration);

    /// <summary>Throws naming the key when a value cannot work.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Endpoint) || !Uri.TryCreate(Endpoint, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttps && !uri.IsLoopback)
            throw new InvalidOperationException("Search:Endpoint must be the https URL of the Azure AI Search service when Search:Provider is AzureAISearch.");
        if (IndexPrefix.Length > 40 || !IndexPrefix.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-')
            || IndexPrefix.Contains("--", StringComparison.Ordinal) || IndexPrefix.StartsWith('-'))
            throw new InvalidOperationException("Search:IndexPrefix must be at most 40 lower-case letters, digits and single dashes.");
        if (HnswM is < 4 or > 10) throw new InvalidOperationException("Search:HnswM must be between 4 and 10.");
        if (HnswEfConstruction is < 100 or > 1000) throw new InvalidOperationException("Search:HnswEfConstruction must be between 100 and 1000.");
        if (HnswEfSearch is < 100 or > 1000) throw new InvalidOperationException("Search:HnswEfSearch must be between 100 and 1000.");
        if (TimeoutSeconds is < 1 or > 600) throw new InvalidOperationException("Search:TimeoutSeconds must be between 1 and 600.");
        if (MaxRetries is < 0 or > 10) throw new InvalidOperationException("Search:MaxRetries must be between 0 and 10.");
        if (BreakAfter is 1 or < 0 or > 1000) throw new InvalidOperationException("Search:BreakAfter must be 0 (never) or between 2 and 1000.");
        if (BreakDuration < TimeSpan.FromMilliseconds(500) || BreakDuration > TimeSpan.FromHours(1))
            throw new InvalidOperationException("Search:BreakDuration must be between 00:00:00.5 and 01:00:00.");
    }
}
