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
