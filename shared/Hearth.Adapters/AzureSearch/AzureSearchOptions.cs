using Hearth.Settings;

namespace Hearth.Adapters.AzureSearch;

/// <summary>
/// Azure AI Search settings, bound from the <c>Search</c> section when <c>Search:Provider</c> is <c>AzureAISearch</c>.
/// Without <see cref="ApiKey"/> the adapter signs in with DefaultAzureCredential (managed identity in Azure).
/// </summary>
[SettingsSection("Search")]
public sealed record AzureSearchOptions : IValidatableSettings
{
    /// <summary>Service URL, e.g. <c>https://my-search.search.windows.net</c>.</summary>
    [Setting("Azure AI Search endpoint, e.g. https://<service>.search.windows.net (AzureAISearch only).")]
    public string? Endpoint { get; init; }
    /// <summary>Admin key; never logged.</summary>
    [Setting("Azure AI Search admin key; without it the managed identity signs in.", Secret = true)]
    public string? ApiKey { get; init; }
    /// <summary>Prefix of every index name: collection <c>memory</c> lives in <c>{prefix}memory-g{generation}</c>.</summary>
    [Setting("Prefix of the Azure AI Search index names.")]
    public string IndexPrefix { get; init; } = "hearth-";
    /// <summary>HNSW graph degree (4..10).</summary>
    [Setting("Azure AI Search: HNSW graph degree (4-10).")]
    public int HnswM { get; init; } = 4;
    /// <summary>HNSW build-time candidate list (100..1000).</summary>
    [Setting("Azure AI Search: HNSW build-time candidate list (100-1000).")]
    public int HnswEfConstruction { get; init; } = 400;
    /// <summary>HNSW query-time candidate list (100..1000).</summary>
    [Setting("Azure AI Search: HNSW query-time candidate list (100-1000).")]
    public int HnswEfSearch { get; init; } = 500;
    /// <summary>Timeout of one try of a request.</summary>
    [Setting("Azure AI Search: timeout of one try of a request, in seconds (1-600).")]
    public int TimeoutSeconds { get; init; } = 30;
    /// <summary>Tries after the first of a request that failed with 408/429/5xx, a timeout or a network error.</summary>
    [Setting("Azure AI Search: tries after the first on 408/429/5xx, timeouts and network errors (0-10).")]
    public int MaxRetries { get; init; } = 3;
    /// <summary>Failed requests within a minute, none succeeding, after which the service is not called for <see cref="BreakDuration"/> (0: never).</summary>
    [Setting("Azure AI Search: failed requests within a minute, none succeeding, after which it is not called for Search:BreakDuration (0: never).")]
    public int BreakAfter { get; init; } = 8;
    /// <summary>How long a service that kept failing is not called (its callers fail fast meanwhile; indexing jobs retry later).</summary>
    [Setting("Azure AI Search: how long a service that kept failing is not called.")]
    public TimeSpan BreakDuration { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The client's retries, per-try timeout and circuit breaker (Azure.Core's own retries are off).</summary>
    public Http.ProviderResilience Resilience() => new("Azure AI Search", MaxRetries, TimeSpan.FromMilliseconds(800), TimeSpan.FromSeconds(10),
        TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(TimeoutSeconds), BreakAfter, BreakDuration);

    /// <summary>
    /// The start check: the values that hold whichever provider is chosen, and the endpoint when one is set. That
    /// <c>Search:Endpoint</c> is required for <c>AzureAISearch</c> is checked with the provider (<see cref="RequireEndpoint"/>).
    /// </summary>
    IEnumerable<SettingProblem> IValidatableSettings.Validate(SettingsContext context) =>
        SettingRules.Check(() => Validate(endpointRequired: false), context);

    /// <summary>The problem when <c>Search:Provider</c> is <c>AzureAISearch</c> and no endpoint is set; else none.</summary>
    public static IEnumerable<SettingProblem> RequireEndpoint(string? provider, string? endpoint) =>
        provider == "AzureAISearch" && string.IsNullOrWhiteSpace(endpoint)
            ? [SettingProblem.Missing("Search:Endpoint", "required when Search:Provider is AzureAISearch")]
            : [];

    /// <summary>Throws naming the key when a value cannot work.</summary>
    public void Validate() => Validate(endpointRequired: true);

    private void Validate(bool endpointRequired)
    {
        if ((endpointRequired || !string.IsNullOrWhiteSpace(Endpoint))
            && (string.IsNullOrWhiteSpace(Endpoint) || !Uri.TryCreate(Endpoint, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttps && !uri.IsLoopback))
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
