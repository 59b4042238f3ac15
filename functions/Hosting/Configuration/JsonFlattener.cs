using System.Globalization;
using System.Text.Json;

namespace Hearth.Functions.Hosting;

/// <summary>Turns a JSON document into configuration keys (objects nest with ':', arrays by index), as the JSON provider does.</summary>
internal static class JsonFlattener
{
    public static void Flatten(JsonElement element, string prefix, IDictionary<string, string?> into)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                    Flatten(property.Value, Join(prefix, property.Name), into);
                break;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in element.EnumerateArray())
                    Flatten(item, Join(prefix, index++.ToString(CultureInfo.InvariantCulture)), into);
                break;
            case JsonValueKind.Null:
                into[prefix] = null;
                break;
            case JsonValueKind.String:
                into[prefix] = element.GetString();
                break;
            default:
                into[prefix] = element.GetRawText();
                break;
        }
    }

    private static string Join(string prefix, string name) => prefix.Length == 0 ? name : $"{prefix}:{name}";

    public static JsonDocument Parse(string path)
    {
        try
        {
            return JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new SettingsException([new SettingProblem(Path.GetFileName(path), $"Invalid JSON in '{path}': {e.Message}")]);
        }
    }
}
