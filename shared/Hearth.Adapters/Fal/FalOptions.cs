using Hearth.Settings;

namespace Hearth.Adapters.Fal;

/// <summary>
/// Settings of the Fal adapter (<c>Fal:*</c>), bound once from configuration by <see cref="FalRegistration"/> and
/// validated on start; the host's settings catalogue lists and checks the same class. Every URL can point at a fake
/// or a tunnel, so tests and operators control where calls go.
/// </summary>
[SettingsSection(Section)]
public sealed class FalOptions : IValidatableSettings
{
    public const string Section = "Fal";

    [Setting("Fal API key. Unset: the placeholder painter makes every picture.", Secret = true)]
    public string? Key { get; set; }

    [Setting("Fal's queue API; point it at a fake or a proxy in tests.")]
    public Uri QueueBaseUrl { get; set; } = new("https://queue.fal.run");

    [Setting("Fal's webhook signing keys (JWKS).")]
    public Uri JwksUrl { get; set; } = new("https://rest.alpha.fal.ai/.well-known/jwks.json");

    /// <summary>Without it no webhook is requested (the image flow polls) and a base portrait cannot be passed to Fal by URL.</summary>
    [Setting("How Fal reaches this host (a public URL or a tunnel): webhook URLs and the signed URL of the base portrait. Unset: no webhook, the job polls.")]
    public Uri? PublicBaseUrl { get; set; }

    /// <summary>When unset, a random secret is generated once and kept in the database, so every replica issues and accepts the same tokens.</summary>
    [Setting("Secret of the per-job webhook token (at least 32 characters). Unset: generated once and kept in the database.", Secret = true)]
    public string? WebhookSecret { get; set; }

    [Setting("Model for base portraits.")]
    public string BasePortraitModel { get; set; } = "fal-ai/flux/dev";

    [Setting("Model for variations; it receives the base portrait in image_urls.")]
    public string VariationModel { get; set; } = "fal-ai/nano-banana/edit";

    [Setting("Fal's image_size for base portraits.")]
    public string BasePortraitImageSize { get; set; } = "portrait_4_3";

    [Setting("Timeout of one try of a call to Fal's queue API.")]
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Submissions are not tried again here: a second one is a second bill; the picture job retries them.</summary>
    [Setting("Tries after the first of a status, result or key read that failed with 408/429/5xx, a timeout or a network error (submissions: the picture job retries them).")]
    public int MaxRetries { get; set; } = 2;

    [Setting("Failed calls to Fal within a minute, none succeeding, after which Fal is not called for Fal:BreakDuration (each retry counts; 0: never).")]
    public int BreakAfter { get; set; } = 8;

    [Setting("How long Fal is not called after it kept failing: pictures wait (their jobs retry later) instead of adding to the load.")]
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(30);

    [Setting("How long Fal's signing keys are trusted (at most 24 hours).")]
    public TimeSpan JwksCacheDuration { get; set; } = TimeSpan.FromHours(24);

    /// <summary>So forged webhooks cannot make us hammer Fal.</summary>
    [Setting("Least time between two key fetches forced by a signature no cached key verifies.")]
    public TimeSpan JwksMinRefreshInterval { get; set; } = TimeSpan.FromMinutes(1);

    [Setting("Largest difference between a webhook's timestamp and our clock.")]
    public TimeSpan WebhookTolerance { get; set; } = TimeSpan.FromSeconds(300);

    /// <summary>Longest cache life Fal allows for its keys.</summary>
    public static readonly TimeSpan MaxJwksCacheDuration = TimeSpan.FromHours(24);

    /// <summary>
    /// The queue client's retries (reads only), per-try timeout and circuit breaker. A Retry-After beyond 30 s goes back
    /// to the picture job, whose durable timers wait for it.
    /// </summary>
    public Http.ProviderResilience Resilience() => new("Fal", MaxRetries, TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(10),
        TimeSpan.FromSeconds(30), RequestTimeout, BreakAfter, BreakDuration, RetryUnsafeMethods: false);

    /// <summary>
    /// The key fetch's own pipeline: it runs while Fal waits for our answer to a webhook, so one quick retry, a try bounded
    /// by 5 s, and a circuit of its own that stops fetching from a key endpoint that keeps failing (the webhook answers
    /// 503 at once and Fal delivers it again later; a polling picture job does not need the keys).
    /// </summary>
    public Http.ProviderResilience JwksResilience() => new("Fal JWKS", Math.Min(MaxRetries, 1), TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1),
        TimeSpan.FromSeconds(1), RequestTimeout < JwksAttemptTimeout ? RequestTimeout : JwksAttemptTimeout, BreakAfter, BreakDuration);

    /// <summary>Longest wait for Fal's key endpoint on one try.</summary>
    public static readonly TimeSpan JwksAttemptTimeout = TimeSpan.FromSeconds(5);

    /// <summary>True when a key is configured, i.e. Fal rather than the placeholder makes pictures.</summary>
    public bool IsConfigured => !string.IsNullOrWhiteSpace(Key);

    /// <summary>True when Fal can call us back (a public base URL is set).</summary>
    public bool WebhooksEnabled => PublicBaseUrl is not null;

    /// <summary>Throws naming the first setting that is out of range.</summary>
    public FalOptions Validate()
    {
        RequireHttp(QueueBaseUrl, "Fal:QueueBaseUrl");
        RequireHttp(JwksUrl, "Fal:JwksUrl");
        if (PublicBaseUrl is not null) RequireHttp(PublicBaseUrl, "Fal:PublicBaseUrl");
        if (WebhookSecret is { } secret && secret.Length < 32)
            throw new InvalidOperationException("Fal:WebhookSecret must be at least 32 characters; leave it unset to use a generated secret.");
        if (!FalQueueClient.IsValidModelId(BasePortraitModel)) throw new InvalidOperationException($"Fal:BasePortraitModel '{BasePortraitModel}' is not a model id like 'fal-ai/flux/dev'.");
        if (!FalQueueClient.IsValidModelId(VariationModel)) throw new InvalidOperationException($"Fal:VariationModel '{VariationModel}' is not a model id like 'fal-ai/nano-banana/edit'.");
        if (string.IsNullOrWhiteSpace(BasePortraitImageSize)) throw new InvalidOperationException("Fal:BasePortraitImageSize must not be empty.");
        if (RequestTimeout < TimeSpan.FromMilliseconds(10) || RequestTimeout > TimeSpan.FromMinutes(10))
            throw new InvalidOperationException("Fal:RequestTimeout must be between 00:00:00.01 and 00:10:00.");
        if (MaxRetries is < 0 or > 10) throw new InvalidOperationException("Fal:MaxRetries must be between 0 and 10.");
        if (BreakAfter is 1 or < 0 or > 1000) throw new InvalidOperationException("Fal:BreakAfter must be 0 (never) or between 2 and 1000.");
        if (BreakDuration < Http.ProviderResilience.MinBreakDuration || BreakDuration > TimeSpan.FromHours(1))
            throw new InvalidOperationException("Fal:BreakDuration must be between 00:00:00.5 and 01:00:00.");
        if (JwksCacheDuration <= TimeSpan.Zero || JwksCacheDuration > MaxJwksCacheDuration)
            throw new InvalidOperationException("Fal:JwksCacheDuration must be positive and at most 24 hours.");
        if (JwksMinRefreshInterval < TimeSpan.Zero) throw new InvalidOperationException("Fal:JwksMinRefreshInterval must not be negative.");
        if (WebhookTolerance <= TimeSpan.Zero || WebhookTolerance > TimeSpan.FromMinutes(15))
            throw new InvalidOperationException("Fal:WebhookTolerance must be positive and at most 15 minutes.");
        return this;
    }

    IEnumerable<SettingProblem> IValidatableSettings.Validate(SettingsContext context) => SettingRules.Check(() => Validate(), context);

    private static void RequireHttp(Uri url, string key)
    {
        if (!url.IsAbsoluteUri || url.Scheme is not ("https" or "http"))
            throw new InvalidOperationException($"{key} must be an absolute http(s) URL.");
    }
}
