using Hearth.Companions;

namespace Hearth.Life;

/// <summary>What the rules need to know about an agent, its user and their history at one moment.</summary>
/// <param name="SentToday">Initiations sent (or planned) since the start of the user's local day.</param>
/// <param name="SentThisWeek">Initiations sent (or planned) in the last seven days.</param>
public sealed record InitiationFacts(
    InitiationSettings Settings,
    string UserTimeZone,
    string AgentTimeZone,
    WeeklyAvailability Availability,
    int SentToday,
    int SentThisWeek,
    DateTimeOffset? LastUserMessageAt,
    DateTimeOffset? LastInitiationAt,
    bool TopicUsed);

/// <summary>The rules an initiated message must pass, both when it is planned and again when it is sent.</summary>
public static class InitiationRules
{
    /// <summary>Null when the agent may write at <paramref name="at"/>; otherwise the rule that stops it.</summary>
    public static string? Check(InitiationFacts facts, DateTimeOffset at)
    {
        var s = facts.Settings;
        if (!s.Enabled) return "initiations are off for this agent";
        if (s.Muted) return "the agent is muted";
        if (facts.SentToday >= s.DailyCap) return $"daily cap of {s.DailyCap} reached";
        if (facts.SentThisWeek >= s.WeeklyCap) return $"weekly cap of {s.WeeklyCap} reached";
        if (IsQuiet(s, facts.UserTimeZone, at)) return $"quiet hours ({s.QuietFrom}-{s.QuietTo}) in {facts.UserTimeZone}";
        if (IsAsleep(facts.Availability, facts.AgentTimeZone, at)) return "the agent is asleep";
        if (facts.LastUserMessageAt is { } user && at - user < s.MinGap) return $"the user wrote less than {Describe(s.MinGap)} ago";
        if (facts.LastInitiationAt is { } last && at - last < s.MinGap) return $"the agent wrote first less than {Describe(s.MinGap)} ago";
        if (facts.TopicUsed) return "the topic was already used";
        return null;
    }

    /// <summary>Whether <paramref name="at"/> falls in the quiet hours in the user's zone (from inclusive, to exclusive; may wrap midnight).</summary>
    public static bool IsQuiet(InitiationSettings settings, string userTimeZone, DateTimeOffset at)
    {
        var from = LocalTimes.Parse(settings.QuietFrom);
        var to = LocalTimes.Parse(settings.QuietTo);
        if (from == to) return false;
        var local = TimeOnly.FromDateTime(TimeZoneInfo.ConvertTime(at, AgentClock.ZoneOf(userTimeZone)).DateTime);
        return from < to ? local >= from && local < to : local >= from || local < to;
    }

    public static bool IsAsleep(WeeklyAvailability availability, string agentTimeZone, DateTimeOffset at) =>
        availability.StateAt(TimeZoneInfo.ConvertTime(at, AgentClock.ZoneOf(agentTimeZone)).DateTime) == AvailabilityState.Asleep;

    private static string Describe(TimeSpan span) => span.TotalHours >= 1 && span.Minutes == 0 ? $"{span.TotalHours:0} h" : $"{span.TotalMinutes:0} min";
}
