using System.ComponentModel.DataAnnotations;

namespace Hearth.Functions.Pictures;

/// <summary>Pacing of the picture orchestration: how long it waits for Fal's webhook, how it polls, when it gives up.</summary>
[SettingsSection("Pictures")]
public sealed class PicturesOptions : IValidatableSettings
{
    [Setting("How long a picture job waits for Fal's webhook before it starts polling Fal's status URL.")]
    public TimeSpan WebhookTimeout { get; set; } = TimeSpan.FromSeconds(60);

    [Setting("First wait between two polls of Fal's status; it grows by Pictures:PollBackoff up to Pictures:MaxPollInterval.")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);

    [Setting("Growth factor of the wait between polls.")]
    [Range(1.0, 10.0)]
    public double PollBackoff { get; set; } = 1.5;

    [Setting("Longest wait between two polls.")]
    public TimeSpan MaxPollInterval { get; set; } = TimeSpan.FromSeconds(60);

    [Setting("A picture job with no result this long after it started fails with the reason and is cancelled at Fal.")]
    public TimeSpan Deadline { get; set; } = TimeSpan.FromMinutes(10);

    [Setting("Submissions tried when Fal answers 429, 5xx or not at all, the first included; then the job fails.")]
    [Range(1, 20)]
    public int SubmitAttempts { get; set; } = 4;

    [Setting("Wait before the second submission; it doubles each time (up to a minute), and Fal's Retry-After wins when longer.")]
    public TimeSpan SubmitRetryInterval { get; set; } = TimeSpan.FromSeconds(2);

    public IEnumerable<SettingProblem> Validate(SettingsContext context)
    {
        foreach (var (name, value) in new[]
                 {
                     (nameof(WebhookTimeout), WebhookTimeout), (nameof(PollInterval), PollInterval),
                     (nameof(MaxPollInterval), MaxPollInterval), (nameof(Deadline), Deadline),
                 })
        {
            if (value <= TimeSpan.Zero) yield return SettingProblem.Invalid(context.KeyOf(name), "must be longer than zero");
        }
        if (Deadline > TimeSpan.FromDays(1))
            yield return SettingProblem.Invalid(context.KeyOf(nameof(Deadline)), "must be at most one day (Fal keeps results for a limited time)");
        if (WebhookTimeout >= Deadline)
            yield return SettingProblem.Invalid(context.KeyOf(nameof(WebhookTimeout)), "must be shorter than Pictures:Deadline, or nothing would ever poll");
        if (PollInterval > MaxPollInterval)
            yield return SettingProblem.Invalid(context.KeyOf(nameof(PollInterval)), "must not be longer than Pictures:MaxPollInterval");
        if (SubmitRetryInterval > TimeSpan.FromMinutes(5))
            yield return SettingProblem.Invalid(context.KeyOf(nameof(SubmitRetryInterval)), "must be at most 00:05:00");
    }
}

/// <summary>
/// The catalogue entries of <c>Fal:*</c> (bound for the adapter as <see cref="Hearth.Adapters.Fal.FalOptions"/>; this class
/// describes and checks the keys at start, and a test keeps the two in step).
/// </summary>
[SettingsSection("Fal")]
public sealed class FalSettings : IValidatableSettings
{
    [Setting("Fal API key. Unset: the placeholder painter makes every picture.", Secret = true)]
    public string? Key { get; set; }

    [Setting("Fal's queue API; point it at a fake or a proxy in tests.")]
    public Uri QueueBaseUrl { get; set; } = new("https://queue.fal.run");

    [Setting("Fal's webhook signing keys (JWKS).")]
    public Uri JwksUrl { get; set; } = new("https://rest.alpha.fal.ai/.well-known/jwks.json");

    [Setting("How Fal reaches this host (a public URL or a tunnel): webhook URLs and the signed URL of the base portrait. Unset: no webhook, the job polls.")]
    public Uri? PublicBaseUrl { get; set; }

    [Setting("Secret of the per-job webhook token (at least 32 characters). Unset: generated once and kept in the database.", Secret = true)]
    public string? WebhookSecret { get; set; }

    [Setting("Model for base portraits.")]
    public string BasePortraitModel { get; set; } = "fal-ai/flux/dev";

    [Setting("Model for variations; it receives the base portrait in image_urls.")]
    public string VariationModel { get; set; } = "fal-ai/nano-banana/edit";

    [Setting("Fal's image_size for base portraits.")]
    public string BasePortraitImageSize { get; set; } = "portrait_4_3";

    [Setting("Timeout of one call to Fal's queue API.")]
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    [Setting("How long Fal's signing keys are trusted (at most 24 hours).")]
    public TimeSpan JwksCacheDuration { get; set; } = TimeSpan.FromHours(24);

    [Setting("Least time between two key fetches forced by a signature no cached key verifies.")]
    public TimeSpan JwksMinRefreshInterval { get; set; } = TimeSpan.FromMinutes(1);

    [Setting("Largest difference between a webhook's timestamp and our clock.")]
    public TimeSpan WebhookTolerance { get; set; } = TimeSpan.FromSeconds(300);

    /// <summary>The adapter's options with these values.</summary>
    public Hearth.Adapters.Fal.FalOptions ToOptions() => new()
    {
        Key = Key,
        QueueBaseUrl = QueueBaseUrl,
        JwksUrl = JwksUrl,
        PublicBaseUrl = PublicBaseUrl,
        WebhookSecret = WebhookSecret,
        BasePortraitModel = BasePortraitModel,
        VariationModel = VariationModel,
        BasePortraitImageSize = BasePortraitImageSize,
        RequestTimeout = RequestTimeout,
        JwksCacheDuration = JwksCacheDuration,
        JwksMinRefreshInterval = JwksMinRefreshInterval,
        WebhookTolerance = WebhookTolerance,
    };

    public IEnumerable<SettingProblem> Validate(SettingsContext context) => SettingRules.Check(() => ToOptions().Validate(), context);
}

/// <summary>The catalogue entries of <c>Media:*</c> (bound for the store as <see cref="Hearth.Media.MediaOptions"/>).</summary>
[SettingsSection("Media")]
public sealed class MediaSettings : IValidatableSettings
{
    [Setting("Folder holding pictures (an Azure Files mount in the cloud). Unset: media/ in the data folder (HEARTH_DATA_DIR or .data).")]
    public string? Root { get; set; }

    [Setting("Largest picture accepted, in bytes.")]
    public long MaxBytes { get; set; } = 20 * 1024 * 1024;

    [Setting("Secret for signed media URLs (at least 32 characters). Unset: generated once and kept in the database.", Secret = true)]
    public string? SigningKey { get; set; }

    [Setting("Longest a copy of a provider's picture may take.")]
    public TimeSpan DownloadTimeout { get; set; } = TimeSpan.FromSeconds(60);

    [Setting("Lifetime of a signed media URL handed out by the API (at most 7 days).")]
    public TimeSpan UrlLifetime { get; set; } = TimeSpan.FromHours(1);

    [Setting("Public address for media URLs in API answers. Unset: relative signed paths (/media/{id}?exp=…&sig=…).")]
    public Uri? PublicBaseUrl { get; set; }

    /// <summary>The store's options with these values (<paramref name="defaultRoot"/> when no root is set).</summary>
    public Hearth.Media.MediaOptions ToOptions(string defaultRoot) => new()
    {
        Root = string.IsNullOrWhiteSpace(Root) ? defaultRoot : Root,
        MaxBytes = MaxBytes,
        SigningKey = SigningKey,
        DownloadTimeout = DownloadTimeout,
        UrlLifetime = UrlLifetime,
        PublicBaseUrl = PublicBaseUrl,
    };

    public IEnumerable<SettingProblem> Validate(SettingsContext context) => SettingRules.Check(() => ToOptions("media").Validate(), context);
}

/// <summary>Turns an options class's own validation (which throws naming the key first) into a settings problem.</summary>
internal static class SettingRules
{
    public static IEnumerable<SettingProblem> Check(Action validate, SettingsContext context)
    {
        try
        {
            validate();
        }
        catch (InvalidOperationException e)
        {
            // The adapters' messages start with the key, e.g. "Fal:JwksCacheDuration must be positive…".
            var key = e.Message.Split(' ', 2)[0].TrimEnd(':', '.');
            if (!key.StartsWith(context.Section + ":", StringComparison.Ordinal)) key = context.Section;
            return [SettingProblem.Invalid(key, e.Message)];
        }
        return [];
    }
}
