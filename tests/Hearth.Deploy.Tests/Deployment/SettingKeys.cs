namespace Hearth.Deploy.Tests.Deployment;

/// <summary>
/// How configuration keys are compared: environment names use '__' for ':' (Functions and ASP.NET convention), case
/// does not matter, and list indexes match any index placeholder, so <c>Models__Chat__0__Endpoint</c> provides a catalogue
/// key written <c>Models:Chat:0:Endpoint</c>, <c>Models:Chat:{n}:Endpoint</c> or <c>Models:Chat:N:Endpoint</c>.
/// </summary>
public static class SettingKeys
{
    public static string FromEnvironmentName(string name) => name.Replace("__", ":", StringComparison.Ordinal);

    /// <summary>The comparable form: lower case, every index segment as '#'.</summary>
    public static string Normalize(string key) =>
        string.Join(':', key.Split(':').Select(segment => IsIndex(segment) ? "#" : segment.ToLowerInvariant()));

    public static bool Same(string a, string b) => Normalize(a) == Normalize(b);

    /// <summary>The section a key belongs to (without its last part and trailing indexes): <c>Models:Chat:0:Endpoint</c> → <c>models:chat</c>.</summary>
    public static string Section(string key)
    {
        var parts = Normalize(key).Split(':').ToList();
        parts.RemoveAt(parts.Count - 1);
        while (parts.Count > 0 && parts[^1] == "#") parts.RemoveAt(parts.Count - 1);
        return string.Join(':', parts);
    }

    private static bool IsIndex(string segment) =>
        segment.Length > 0 && (segment.All(char.IsDigit) || segment is "*" or "N" or "n"
            || (segment[0] == '{' && segment[^1] == '}') || (segment[0] == '<' && segment[^1] == '>'));
}
