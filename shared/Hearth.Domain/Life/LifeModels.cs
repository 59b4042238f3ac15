using System.Globalization;
using Hearth.Companions;

namespace Hearth.Life;

/// <summary>Tunables of the offline life (bound from the host's <c>Life</c> settings).</summary>
public sealed class LifeOptions
{
    /// <summary>Time for the distance between mood and baseline to halve.</summary>
    public TimeSpan MoodHalfLife { get; set; } = TimeSpan.FromHours(6);

    /// <summary>An offline template is not used again for the same agent within this many days.</summary>
    public int TemplateRepeatDays { get; set; } = 5;

    /// <summary>An initiation topic is not used again for the same agent within this many days.</summary>
    public int TopicRepeatDays { get; set; } = 30;

    /// <summary>Chance that something happens in a slot while the agent is free (working: two thirds of it).</summary>
    public double EventChance { get; set; } = 0.18;

    /// <summary>Chance that the agent plans to write first after something happened (without an event: a fifth of it).</summary>
    public double InitiationChance { get; set; } = 0.5;

    /// <summary>Earliest and latest delay from the slot to the natural moment the message is sent.</summary>
    public TimeSpan SendDelayMin { get; set; } = TimeSpan.FromMinutes(5);

    public TimeSpan SendDelayMax { get; set; } = TimeSpan.FromMinutes(90);
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
