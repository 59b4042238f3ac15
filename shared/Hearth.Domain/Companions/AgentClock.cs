using System.Collections.Concurrent;
using System.Globalization;

namespace Hearth.Companions;

/// <summary>The agent's local time, part of day and season.</summary>
public sealed record LocalMoment(DateTimeOffset Utc, DateTime Local, string TimeZone, string PartOfDay, string Season)
{
    /// <summary>e.g. "Tuesday 14:05".</summary>
    public string Describe() => Local.ToString("dddd HH:mm", CultureInfo.InvariantCulture);
}

/// <summary>Time in an agent's (or user's) time zone.</summary>
public static class AgentClock
{
    private static readonly ConcurrentDictionary<string, TimeZoneInfo> Zones = new(StringComparer.Ordinal);

    /// <summary>The zone of an IANA name, UTC when this machine does not know it.</summary>
    public static TimeZoneInfo ZoneOf(string name) => Zones.GetOrAdd(name, static n =>
    {
        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(n);
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            return TimeZoneInfo.Utc;
        }
    });

    public static LocalMoment At(DateTimeOffset utc, string timeZone)
    {
        var local = TimeZoneInfo.ConvertTime(utc, ZoneOf(timeZone)).DateTime;
        return new LocalMoment(utc, local, timeZone, PartOfDay(local.Hour), Season(local.Month));
    }

    /// <summary>Night (0–5), morning (5–12), afternoon (12–17), evening (17–22), night (22–24).</summary>
    public static string PartOfDay(int hour) => hour switch
    {
        < 5 => "night",
        < 12 => "morning",
        < 17 => "afternoon",
        < 22 => "evening",
        _ => "night",
    };

    /// <summary>Meteorological season of the northern hemisphere (where we cannot know better).</summary>
    public static string Season(int month) => month switch
    {
        12 or 1 or 2 => "winter",
        3 or 4 or 5 => "spring",
        6 or 7 or 8 => "summer",
        _ => "autumn",
    };

    /// <summary>The UTC instant at which the local day containing <paramref name="utc"/> began in <paramref name="timeZone"/>.</summary>
    public static DateTimeOffset StartOfLocalDay(DateTimeOffset utc, string timeZone)
    {
        var zone = ZoneOf(timeZone);
        var local = TimeZoneInfo.ConvertTime(utc, zone);
        var midnight = local.Date;
        // A zone may skip midnight (DST); take the first valid minute after it.
        while (zone.IsInvalidTime(midnight)) midnight = midnight.AddMinutes(30);
        return new DateTimeOffset(midnight, zone.GetUtcOffset(midnight)).ToUniversalTime();
    }
}
