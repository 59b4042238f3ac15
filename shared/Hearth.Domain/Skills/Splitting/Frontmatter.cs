using System.Text;

namespace Hearth.Skills.Splitting;

/// <summary>
/// YAML frontmatter of a markdown file: only at the very start (after an optional BOM), opened by a <c>---</c> line and
/// closed by a <c>---</c> or <c>...</c> line. Without a closing line there is no frontmatter.
/// </summary>
internal static class Frontmatter
{
    /// <summary>Returns the offset just after the closing line (its terminator included), or -1 when the file has no frontmatter.</summary>
    public static int Find(ReadOnlySpan<byte> s, out int innerStart, out int innerEnd)
    {
        innerStart = innerEnd = -1;
        var p = s.StartsWith("\uFEFF"u8) ? 3 : 0;
        var next = Lines.Next(s, p, out var end);
        if (!Lines.TrimSpaces(s[p..end]).SequenceEqual("---"u8) || !s[p..].StartsWith("---"u8) || end == s.Length)
            return -1;
        var inner = next;
        while (next < s.Length)
        {
            var lineStart = next;
            next = Lines.Next(s, lineStart, out end);
            var line = s[lineStart..end].TrimEnd(" \t"u8);
            if (line.SequenceEqual("---"u8) || line.SequenceEqual("..."u8))
            {
                innerStart = inner;
                innerEnd = lineStart;
                return next;
            }
        }
        return -1;
    }

    /// <summary>
    /// Top-level scalar fields (<c>key: value</c>, quoted or not, block scalars <c>|</c> and <c>&gt;</c>, and lists of
    /// scalars joined with ", "). Nested maps are skipped. Not a YAML parser: enough to read name, description and tools.
    /// </summary>
    public static Dictionary<string, string> ParseFields(ReadOnlySpan<byte> inner)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        var lines = new List<string>();
        var p = 0;
        while (p < inner.Length)
        {
            var next = Lines.Next(inner, p, out var end);
            lines.Add(Encoding.UTF8.GetString(inner[p..end]));
            p = next;
        }

        for (var i = 0; i < lines.Count; i++)
        {
            var line = lines[i];
            if (line.Length == 0 || line[0] is ' ' or '\t' or '#' or '-')
                continue;
            var colon = line.IndexOf(':');
            if (colon <= 0 || (colon + 1 < line.Length && line[colon + 1] is not (' ' or '\t')))
                continue;
            var key = line[..colon].Trim().Trim('"', '\'');
            var value = line[(colon + 1)..].Trim();
            var block = new List<string>();
            while (i + 1 < lines.Count && (lines[i + 1].Length == 0 || lines[i + 1][0] is ' ' or '\t' or '-'))
                block.Add(lines[++i]);

            string? text;
            if (value.StartsWith('|') || value.StartsWith('>'))
                text = string.Join(value[0] == '|' ? "\n" : " ", block.Select(l => l.Trim()).Where(l => l.Length > 0));
            else if (value.Length == 0)
            {
                var items = block.Select(l => l.Trim()).Where(l => l.StartsWith('-')).Select(l => Unquote(l[1..].Trim())).ToList();
                text = items.Count > 0 && items.Count == block.Count(l => l.Trim().Length > 0) ? string.Join(", ", items) : null;
            }
            else
                text = Unquote(value) + string.Concat(block.Select(l => " " + l.Trim())).TrimEnd();

            if (text is not null)
                fields.TryAdd(key, text);
        }
        return fields;
    }

    private static string Unquote(string value)
    {
        if (value.Length >= 2 && ((value[0] == '"' && value[^1] == '"') || (value[0] == '\'' && value[^1] == '\'')))
            return value[1..^1];
        var comment = value.IndexOf(" #", StringComparison.Ordinal);
        return comment >= 0 ? value[..comment].TrimEnd() : value;
    }
}
