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
