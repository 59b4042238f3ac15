namespace Hearth.Adapters.Fal;

/// <summary>
/// Settings of the Fal adapter, bound from the <c>Fal</c> configuration section. Every URL can point at a fake or a
/// tunnel, so tests and operators control where calls go.
/// </summary>
public sealed class FalOptions
{
    public const string Section = "Fal";

    /// <summary>The API key (<c>Fal:Key</c>). Without it the placeholder painter makes pictures.</summary>
    public string? Key { get; set; }

    /// <summary>The queue API (<c>Fal:QueueBaseUrl</c>).</summary>
    public Uri QueueBaseUrl { get; set; } = new("https://queue.fal.run");

    /// <summary>Fal's webhook signing keys (<c>Fal:JwksUrl</c>).</summary>
    public Uri JwksUrl { get; set; } = new("https://rest.alpha.fal.ai/.well-known/jwks.json");

    /// <summary>
    /// How Fal reaches us (<c>Fal:PublicBaseUrl</c>): the base of webhook and media URLs handed to Fal. Without it no
    /// webhook is requested (the image flow polls) and a base portrait cannot be passed to Fal by URL.
    /// </summary>
    public Uri? PublicBaseUrl { get; set; }

    /// <summary>
    /// Secret for per-job webhook tokens (<c>Fal:WebhookSecret</c>), at least 32 characters. When unset, a random secret
    /// is generated once and kept in the database, so every replica issues and accepts the same tokens.
    /// </summary>
    public string? WebhookSecret { get; set; }

    /// <summary>Model for base portraits (<c>Fal:BasePortraitModel</c>).</summary>
    public string BasePortraitModel { get; set; } = "fal-ai/flux/dev";

    /// <summary>Model for variations that keep the face (<c>Fal:VariationModel</c>); it receives the base portrait in <c>image_urls</c>.</summary>
    public string VariationModel { get; set; } = "fal-ai/nano-banana/edit";

    /// <summary>Fal's <c>image_size</c> for base portraits (<c>Fal:BasePortraitImageSize</c>).</summary>
    public string BasePortraitImageSize { get; set; } = "portrait_4_3";

    /// <summary>Timeout of one call to the queue API (<c>Fal:RequestTimeout</c>).</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long fetched signing keys are trusted (<c>Fal:JwksCacheDuration</c>); at most 24 hours.</summary>
    public TimeSpan JwksCacheDuration { get; set; } = TimeSpan.FromHours(24);

    /// <summary>
    /// Least time between two fetches of the keys forced by a signature no cached key verifies
    /// (<c>Fal:JwksMinRefreshInterval</c>), so forged webhooks cannot make us hammer Fal.
    /// </summary>
    public TimeSpan JwksMinRefreshInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Largest difference between a webhook's timestamp and our clock (<c>Fal:WebhookTolerance</c>).</summary>
    public TimeSpan WebhookTolerance { get; set; } = TimeSpan.FromSeconds(300);

    /// <summary>Longest cache life Fal allows for its keys.</summary>
    public static readonly TimeSpan MaxJwksCacheDuration = TimeSpan.FromHours(24);

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
        if (RequestTimeout <= TimeSpan.Zero) throw new InvalidOperationException("Fal:RequestTimeout must be positive.");
        if (JwksCacheDuration <= TimeSpan.Zero || JwksCacheDuration > MaxJwksCacheDuration)
            throw new InvalidOperationException("Fal:JwksCacheDuration must be positive and at most 24 hours.");
        if (JwksMinRefreshInterval < TimeSpan.Zero) throw new InvalidOperationException("Fal:JwksMinRefreshInterval must not be negative.");
        if (WebhookTolerance <= TimeSpan.Zero || WebhookTolerance > TimeSpan.FromMinutes(15))
            throw new InvalidOperationException("Fal:WebhookTolerance must be positive and at most 15 minutes.");
        return this;
    }

    private static void RequireHttp(Uri url, string key)
    {
        if (!url.IsAbsoluteUri || url.Scheme is not ("https" or "http"))
            throw new InvalidOperationException($"{key} must be an absolute http(s) URL.");
    }
}
