using Hearth.Functions.Hosting;

namespace Hearth.Deploy.Tests.Deployment;

/// <summary>Stand-ins for values known only at deployment (parameters, Key Vault secrets), shaped like the setting they feed.</summary>
public static class Samples
{
    /// <summary>Never a real secret; long enough for any secret the host checks the length of.</summary>
    public const string Secret = "sample-secret-value-0123456789abcdefghijklmnopqrstuvwxyz";

    /// <summary>The setting's default when it has one, else a value of its type.</summary>
    public static string ForKey(string key)
    {
        // Addresses are strings in the options classes, but the host checks them as absolute URLs.
        if (key.EndsWith("Endpoint", StringComparison.Ordinal) || key.EndsWith("Url", StringComparison.Ordinal))
            return "https://sample.example/";
        if (key == Telemetry.ApplicationInsightsKey)
            return "InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=https://sample.example/";
        var setting = SettingsCatalog.All.FirstOrDefault(s => SettingKeys.Same(s.Key, key));
        if (setting is null) return "sample";
        if (setting.Default is { Length: > 0 } fallback) return fallback;
        var type = setting.OptionsType.GetProperty(setting.Property)?.PropertyType ?? typeof(string);
        type = Nullable.GetUnderlyingType(type) ?? type;
        return type switch
        {
            _ when type == typeof(int) || type == typeof(long) || type == typeof(double) => "1",
            _ when type == typeof(bool) => "false",
            _ when type == typeof(TimeSpan) => "00:01:00",
            _ when type == typeof(Uri) => "https://sample.example/",
            { IsEnum: true } => Enum.GetNames(type)[0],
            _ => "sample",
        };
    }
}
