namespace Hearth.Companions;

/// <summary>A touch of weather for the prompt ("light rain, 12°C").</summary>
public sealed record WeatherFlavour(string Summary);

/// <summary>
/// Weather where the agent lives. The default is offline and deterministic (city, season and date); a real provider can
/// replace it behind this seam. Implementations never throw: no weather is better than no reply.
/// </summary>
public interface IWeatherProvider
{
    ValueTask<WeatherFlavour?> DescribeAsync(string city, LocalMoment moment, CancellationToken ct);
}

/// <summary>Plausible weather by season, the same for a city on a given day (a stable hash, not the real sky).</summary>
public sealed class SeasonalWeather : IWeatherProvider
{
    private static readonly Dictionary<string, (string Sky, int Low, int High)[]> BySeason = new(StringComparer.Ordinal)
    {
        ["winter"] = [("grey and cold", -2, 5), ("crisp and sunny", -4, 4), ("drizzly", 2, 8), ("snowing lightly", -5, 1), ("windy", 0, 7)],
        ["spring"] = [("mild with sunny spells", 10, 17), ("showery", 8, 14), ("bright and breezy", 11, 18), ("soft and warm", 14, 21), ("overcast", 9, 15)],
        ["summer"] = [("hot and sunny", 26, 33), ("warm with a breeze", 21, 27), ("humid, thunder later", 24, 30), ("clear and balmy", 22, 28), ("cloudy but warm", 19, 24)],
        ["autumn"] = [("cool and misty", 6, 12), ("rainy", 7, 13), ("golden and clear", 9, 16), ("blustery", 5, 11), ("foggy", 4, 10)],
    };

    public ValueTask<WeatherFlavour?> DescribeAsync(string city, LocalMoment moment, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(city)) return ValueTask.FromResult<WeatherFlavour?>(null);
        var options = BySeason[moment.Season];
        var hash = StableHash.Of(city.Trim().ToLowerInvariant(), moment.Local.DayOfYear.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var (sky, low, high) = options[(int)(hash % (uint)options.Length)];
        var temperature = low + (int)(hash / 7 % (uint)(high - low + 1));
        return ValueTask.FromResult<WeatherFlavour?>(new WeatherFlavour($"{sky}, {temperature}°C"));
    }
}

/// <summary>FNV-1a over strings: the same on every machine and run (string.GetHashCode is randomised per process).</summary>
public static class StableHash
{
    public static uint Of(params string[] parts)
    {
        var hash = 2166136261u;
        foreach (var part in parts)
        {
            foreach (var c in part)
            {
                hash ^= c;
                hash *= 16777619u;
            }
            hash ^= 0x1F;
            hash *= 16777619u;
        }
        return hash;
    }
}
