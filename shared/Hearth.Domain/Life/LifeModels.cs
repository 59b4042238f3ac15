using System.ComponentModel.DataAnnotations;
using System.Globalization;
using Hearth.Companions;
using Hearth.Settings;

namespace Hearth.Life;

/// <summary>
/// The offline life's settings (<c>Life:*</c>): mood drift, life events and initiated messages, bound once from
/// configuration. The tick's schedule is host.json's <c>extensions.timers.schedules.life.tick</c>.
/// </summary>
[SettingsSection("Life")]
public sealed class LifeOptions : IValidatableSettings
{
    [Setting("Whether the life tick runs (off: no offline life events, mood drift or initiations from the timer; a manual tick still runs).")]
    public bool Enabled { get; set; } = true;

    [Setting("Time for the distance between mood and its baseline to halve (hh:mm:ss or d.hh:mm:ss).")]
    public TimeSpan MoodHalfLife { get; set; } = TimeSpan.FromHours(6);

    [Setting("An offline life-event template is not reused for the same agent within this many days.")]
    [Range(0, 60)]
    public int TemplateRepeatDays { get; set; } = 5;

    [Setting("An initiation topic is not reused for the same agent within this many days.")]
    [Range(0, 365)]
    public int TopicRepeatDays { get; set; } = 30;

    [Setting("Chance (0-1) that something happens in a slot while the agent is free (working: two thirds).")]
    [Range(0.0, 1.0)]
    public double EventChance { get; set; } = 0.18;

    [Setting("Chance (0-1) that the agent plans to write first after something happened (otherwise a fifth of it).")]
    [Range(0.0, 1.0)]
    public double InitiationChance { get; set; } = 0.5;

    /// <summary>Earliest and latest delay from the slot to the natural moment the message is sent (not settings).</summary>
    public TimeSpan SendDelayMin { get; } = TimeSpan.FromMinutes(5);

    public TimeSpan SendDelayMax { get; } = TimeSpan.FromMinutes(90);

    public IEnumerable<SettingProblem> Validate(SettingsContext context)
    {
        if (MoodHalfLife < TimeSpan.FromMinutes(1) || MoodHalfLife > TimeSpan.FromDays(30))
            yield return SettingProblem.Invalid(context.KeyOf(nameof(MoodHalfLife)), "must be between 00:01:00 and 30.00:00:00");
    }
}

/// <summary>Whether and how often an agent may write first to its user. Off until the user opts in.</summary>
/// <param name="QuietFrom">Start of the user's quiet hours ("HH:mm", user's time zone).</param>
/// <param name="QuietTo">End of the quiet hours; equal to <see cref="QuietFrom"/> means none.</param>
public sealed record InitiationSettings(
    bool Enabled = false,
    bool Muted = false,
    int DailyCap = 2,
    int WeeklyCap = 7,
    string QuietFrom = "22:00",
    string QuietTo = "08:00",
    int MinGapMinutes = 240)
{
    public static InitiationSettings Default { get; } = new();

    public TimeSpan MinGap => TimeSpan.FromMinutes(MinGapMinutes);
}

/// <summary>A change to the settings; null fields stay as they are.</summary>
public sealed record InitiationSettingsChange(
    bool? Enabled = null,
    bool? Muted = null,
    int? DailyCap = null,
    int? WeeklyCap = null,
    string? QuietFrom = null,
    string? QuietTo = null,
    int? MinGapMinutes = null)
{
    /// <summary>Field errors (empty when valid).</summary>
    public List<(string Field, string Error)> Validate()
    {
        var errors = new List<(string, string)>();
        if (DailyCap is { } daily && daily is < 0 or > 24) errors.Add(("dailyCap", "must be between 0 and 24"));
        if (WeeklyCap is { } weekly && weekly is < 0 or > 100) errors.Add(("weeklyCap", "must be between 0 and 100"));
        if (QuietFrom is not null && !LocalTimes.IsTime(QuietFrom)) errors.Add(("quietFrom", "must be a time HH:mm"));
        if (QuietTo is not null && !LocalTimes.IsTime(QuietTo)) errors.Add(("quietTo", "must be a time HH:mm"));
        if (MinGapMinutes is { } gap && gap is < 0 or > 10080) errors.Add(("minGapMinutes", "must be between 0 and 10080 (a week)"));
        return errors;
    }

    public InitiationSettings ApplyTo(InitiationSettings s) => new(
        Enabled ?? s.Enabled, Muted ?? s.Muted, DailyCap ?? s.DailyCap, WeeklyCap ?? s.WeeklyCap,
        QuietFrom ?? s.QuietFrom, QuietTo ?? s.QuietTo, MinGapMinutes ?? s.MinGapMinutes);
}

/// <summary>A message the agent decided to write first.</summary>
/// <param name="Status"><c>planned</c>, <c>sent</c> or <c>skipped</c> (then <see cref="Reason"/> names the rule).</param>
public sealed record Initiation(
    string Id,
    string AgentId,
    string Slot,
    string Topic,
    string Text,
    DateTimeOffset PlannedAt,
    DateTimeOffset SendAt,
    string Status,
    string? Reason,
    string? MessageId,
    DateTimeOffset? SentAt);

/// <summary>An in-app notification of an initiated message.</summary>
public sealed record Notification(string Id, string AgentId, string AgentName, string InitiationId, string MessageId, string Text, DateTimeOffset CreatedAt, DateTimeOffset? ReadAt);

/// <summary>A page of notifications with the unread count.</summary>
public sealed record NotificationPage(IReadOnlyList<Notification> Items, int UnreadCount, string? NextCursor);

/// <summary>A user's push webhook (the secret is shown once, when it is set).</summary>
public sealed record WebhookChannel(Uri Url, DateTimeOffset UpdatedAt);

/// <summary>A change to a scenario; null fields stay. <see cref="End"/> ends it now.</summary>
public sealed record ScenarioChange(string? Title = null, string? Description = null, DateTimeOffset? StartsAt = null, DateTimeOffset? EndsAt = null, bool End = false)
{
    public List<(string Field, string Error)> Validate()
    {
        var errors = new List<(string, string)>();
        if (Title is not null && (string.IsNullOrWhiteSpace(Title) || Title.Trim().Length > AgentRules.MaxShortText))
            errors.Add(("title", $"must be 1-{AgentRules.MaxShortText} characters"));
        if (Description is { Length: > AgentRules.MaxLongText }) errors.Add(("description", $"must be at most {AgentRules.MaxLongText} characters"));
        if (StartsAt is { } start && EndsAt is { } end && end <= start) errors.Add(("endsAt", "must be after startsAt"));
        if (End && EndsAt is not null) errors.Add(("end", "give either end or endsAt"));
        return errors;
    }
}

/// <summary>"HH:mm" times of day.</summary>
internal static class LocalTimes
{
    public static bool IsTime(string? text) =>
        text is not null && TimeOnly.TryParseExact(text, "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out _);

    public static TimeOnly Parse(string text) => TimeOnly.ParseExact(text, "HH:mm", CultureInfo.InvariantCulture);
}
