namespace Hearth.Identity;

/// <summary>IANA time zone names as users give them.</summary>
public static class TimeZones
{
    /// <summary>True for a zone this machine knows by its IANA name (e.g. "Europe/Paris", "UTC").</summary>
    public static bool IsKnown(string? name)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Length > 64) return false;
        try
        {
            var zone = TimeZoneInfo.FindSystemTimeZoneById(name);
            return zone.HasIanaId || name == "UTC";
        }
        catch (TimeZoneNotFoundException)
        {
            return false;
        }
        catch (InvalidTimeZoneException)
        {
            return false;
        }
    }
}
