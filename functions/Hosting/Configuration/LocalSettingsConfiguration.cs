using System.Text.Json;

namespace Hearth.Functions.Hosting;

/// <summary>
/// Reads <c>local.settings.json</c> in the Azure Functions format: <c>Values</c> entries become configuration keys
/// (':' or '__' separators), <c>ConnectionStrings</c> becomes the ConnectionStrings section, and <c>Host</c> settings
/// become <c>Host:*</c> keys (<c>Host:LocalHttpPort</c> sets the port). <c>IsEncrypted: true</c> is refused: this host has no
/// key to decrypt with. The file is optional.
/// </summary>
public sealed class LocalSettingsConfigurationSource(string path) : IConfigurationSource
{
    public string Path { get; } = path;

    public IConfigurationProvider Build(IConfigurationBuilder builder) => new LocalSettingsConfigurationProvider(Path);
}

/// <summary>Loads <see cref="LocalSettingsConfigurationSource"/>.</summary>
public sealed class LocalSettingsConfigurationProvider(string path) : ConfigurationProvider
{
    public override void Load() => Data = Read(path);

    /// <summary>The configuration keys of a local.settings.json file (empty when it does not exist).</summary>
    public static Dictionary<string, string?> Read(string path)
    {
        var data = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        if (!File.Exists(path)) return data;
        using var document = JsonFlattener.Parse(path);
        var root = document.RootElement;
        var file = System.IO.Path.GetFileName(path);
        if (root.ValueKind != JsonValueKind.Object)
            throw Invalid("", $"'{path}' must hold a JSON object");

        foreach (var property in root.EnumerateObject())
        {
            switch (property.Name)
            {
                case "IsEncrypted":
                    if (property.Value.ValueKind == JsonValueKind.True)
                        throw Invalid("IsEncrypted", $"'{path}' is encrypted; this host reads plain values only. Decrypt it (func settings decrypt) or set IsEncrypted to false");
                    break;
                case "Values":
                    if (property.Value.ValueKind != JsonValueKind.Object) throw Invalid("Values", "must be an object of names to text values");
                    foreach (var value in property.Value.EnumerateObject())
                        data[Normalize(value.Name)] = Scalar(value.Value, $"Values:{value.Name}");
                    break;
                case "ConnectionStrings":
                    if (property.Value.ValueKind != JsonValueKind.Object) throw Invalid("ConnectionStrings", "must be an object of names to connection strings");
                    foreach (var connection in property.Value.EnumerateObject())
                    {
                        // Functions accepts "name": "..." and "name": { "ConnectionString": "...", "ProviderName": "..." }.
                        var text = connection.Value.ValueKind == JsonValueKind.Object && connection.Value.TryGetProperty("ConnectionString", out var inner)
                            ? Scalar(inner, $"ConnectionStrings:{connection.Name}:ConnectionString")
                            : Scalar(connection.Value, $"ConnectionStrings:{connection.Name}");
                        data[$"ConnectionStrings:{connection.Name}"] = text;
                    }
                    break;
                case "Host":
                    if (property.Value.ValueKind != JsonValueKind.Object) throw Invalid("Host", "must be an object");
                    foreach (var setting in property.Value.EnumerateObject())
                        data[$"Host:{setting.Name}"] = Scalar(setting.Value, $"Host:{setting.Name}");
                    break;
            }
        }
        return data;

        SettingsException Invalid(string key, string why) =>
            new([new SettingProblem($"{file}:{key}", $"Invalid setting '{key}' in {file}: {why}")]);

        string? Scalar(JsonElement element, string key) => element.ValueKind switch
        {
            JsonValueKind.String => element.GetString(),
            JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => element.GetRawText(),
            JsonValueKind.Null => null,
            _ => throw Invalid(key, "must be text, a number or true/false"),
        };
    }

    /// <summary>Environment-style names (<c>Auth__Jwt__Issuer</c>) become configuration keys (<c>Auth:Jwt:Issuer</c>).</summary>
    private static string Normalize(string name) => name.Replace("__", ConfigurationPath.KeyDelimiter, StringComparison.Ordinal);
}
