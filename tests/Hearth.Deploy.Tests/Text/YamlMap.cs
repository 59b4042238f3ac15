namespace Hearth.Deploy.Tests.Text;

/// <summary>
/// The mapping subset of YAML that azure.yaml uses: nested <c>key: value</c> lines by indentation, comments, quoted
/// scalars. Lists and flow collections are not needed for the checks and are kept as their text.
/// </summary>
public sealed class YamlMap
{
    private readonly Dictionary<string, object> _entries = new(StringComparer.Ordinal);

    public IEnumerable<string> Keys => _entries.Keys;

    public string? Scalar(string path) => Find(path) as string;

    public YamlMap? Map(string path) => Find(path) as YamlMap;

    private object? Find(string path)
    {
        object? current = this;
        foreach (var part in path.Split('.'))
            current = current is YamlMap map && map._entries.TryGetValue(part, out var next) ? next : null;
        return current;
    }

    public static YamlMap Parse(string text)
    {
        var root = new YamlMap();
        var stack = new Stack<(int Indent, YamlMap Map)>();
        stack.Push((-1, root));
        foreach (var raw in text.ReplaceLineEndings("\n").Split('\n'))
        {
            var line = StripComment(raw);
            if (line.Trim().Length == 0) continue;
            var indent = line.Length - line.TrimStart().Length;
            var content = line.Trim();
            if (content.StartsWith('-')) continue; // list items: not needed
            var colon = content.IndexOf(':');
            if (colon <= 0) throw new FormatException($"YAML line without a key: '{raw}'");
            var key = Unquote(content[..colon].Trim());
            var value = content[(colon + 1)..].Trim();
            while (stack.Peek().Indent >= indent) stack.Pop();
            var parent = stack.Peek().Map;
            if (value.Length == 0)
            {
                var child = new YamlMap();
                parent._entries[key] = child;
                stack.Push((indent, child));
            }
            else parent._entries[key] = Unquote(value);
        }
        return root;
    }

    private static string StripComment(string line)
    {
        var quote = '\0';
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quote != '\0') { if (c == quote) quote = '\0'; continue; }
            if (c is '\'' or '"') quote = c;
            else if (c == '#' && (i == 0 || char.IsWhiteSpace(line[i - 1]))) return line[..i];
        }
        return line;
    }

    private static string Unquote(string value) =>
        value.Length >= 2 && (value[0] == '"' && value[^1] == '"' || value[0] == '\'' && value[^1] == '\'') ? value[1..^1] : value;
}
