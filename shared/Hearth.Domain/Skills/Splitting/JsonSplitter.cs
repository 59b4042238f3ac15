using System.Text.Json;

namespace Hearth.Skills.Splitting;

/// <summary>
/// JSON (plugin.json, hooks.json, settings, MCP configs): a section per top-level key; inside <c>hooks</c> a section
/// per hook event and per matcher group; inside <c>mcpServers</c> a section per server. The raw bytes are kept: a
/// member's section runs from the start of its line (or its key, when something precedes it on the line) to the next
/// member, so whitespace and commas stay in the tiling. Comments and trailing commas are tolerated. Anything that is
/// not a JSON object is one section.
/// </summary>
internal static class JsonSplitter
{
    /// <summary>Hook event names recognised as top-level keys of a hooks file that has no <c>hooks</c> wrapper.</summary>
    internal static readonly HashSet<string> HookEvents = new(StringComparer.Ordinal)
    {
        "PreToolUse", "PostToolUse", "PostToolUseFailure", "Notification", "UserPromptSubmit", "Stop", "SubagentStart",
        "SubagentStop", "PreCompact", "SessionStart", "SessionEnd", "PermissionRequest",
    };

    private static readonly JsonReaderOptions Options = new()
    {
        CommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    private record struct Start(int Offset, SectionKind Kind, string? Title, int Parent);

    /// <summary>Adds the sections of a JSON object to <paramref name="b"/>; false (nothing added) when the file is not a JSON object with members.</summary>
    public static bool Split(ReadOnlySpan<byte> s, SectionBuilder b, List<string> warnings)
    {
        var starts = new List<Start>();
        var bom = s.StartsWith("\uFEFF"u8) ? 3 : 0;
        try
        {
            var reader = new Utf8JsonReader(s[bom..], Options);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                // Not an object: one section, but still read to the end so invalid JSON gets its warning.
                reader.Skip();
                if (reader.Read())
                    throw new JsonException($"Unexpected content after the top-level value at byte {bom + reader.TokenStartIndex}.");
                return false;
            }
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString()!;
                var key = Add(s, starts, bom + (int)reader.TokenStartIndex, SectionKind.JsonKey, name, -1);
                reader.Read();
                if (name == "hooks" && reader.TokenType == JsonTokenType.StartObject)
                    ReadHookEvents(s, ref reader, starts, bom, key);
                else if (HookEvents.Contains(name) && reader.TokenType == JsonTokenType.StartArray)
                {
                    starts[key] = starts[key] with { Kind = SectionKind.Hook };
                    ReadMatcherGroups(s, ref reader, starts, bom, key);
                }
                else if (name == "mcpServers" && reader.TokenType == JsonTokenType.StartObject)
                    ReadMembers(s, ref reader, starts, bom, key, SectionKind.JsonKey);
                else
                    reader.Skip();
            }
            if (reader.TokenType != JsonTokenType.EndObject)
                throw new JsonException("The top-level object is not closed.");
            var close = bom + (int)reader.TokenStartIndex;
            if (reader.Read())
                throw new JsonException($"Unexpected content after the top-level object at byte {bom + reader.TokenStartIndex}.");
            if (starts.Count == 0)
                return false;
            Add(s, starts, close, SectionKind.Epilogue, null, -1);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            warnings.Add($"Not valid JSON ({ex.Message}); kept as one section.");
            return false;
        }

        var index = new int[starts.Count];
        for (var i = 0; i < starts.Count; i++)
        {
            var st = starts[i];
            index[i] = b.Add(st.Offset, st.Kind, st.Title, st.Parent < 0 ? null : index[st.Parent]);
        }
        return true;
    }

    /// <summary>The names of the top-level members, or null when the file is not a JSON object (used by detection).</summary>
    public static List<string>? TopLevelKeys(ReadOnlySpan<byte> s)
    {
        var bom = s.StartsWith("\uFEFF"u8) ? 3 : 0;
        try
        {
            var reader = new Utf8JsonReader(s[bom..], Options);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                return null;
            var keys = new List<string>();
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                keys.Add(reader.GetString()!);
                reader.Read();
                reader.Skip();
            }
            return reader.TokenType == JsonTokenType.EndObject ? keys : null;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            return null;
        }
    }

    private static void ReadHookEvents(ReadOnlySpan<byte> s, ref Utf8JsonReader reader, List<Start> starts, int bom, int parent)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var hookEvent = Add(s, starts, bom + (int)reader.TokenStartIndex, SectionKind.Hook, reader.GetString()!, parent);
            reader.Read();
            if (reader.TokenType == JsonTokenType.StartArray)
                ReadMatcherGroups(s, ref reader, starts, bom, hookEvent);
            else
                reader.Skip();
        }
    }

    /// <summary>Each object in a hook event's array is a matcher group: a section titled by its matcher ("*" when it has none).</summary>
    private static void ReadMatcherGroups(ReadOnlySpan<byte> s, ref Utf8JsonReader reader, List<Start> starts, int bom, int parent)
    {
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                reader.Skip();
                continue;
            }
            var group = Add(s, starts, bom + (int)reader.TokenStartIndex, SectionKind.Hook, "*", parent);
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isMatcher = reader.ValueTextEquals("matcher"u8);
                reader.Read();
                if (isMatcher && reader.TokenType == JsonTokenType.String && reader.GetString() is { Length: > 0 } matcher)
                    starts[group] = starts[group] with { Title = matcher };
                else
                    reader.Skip();
            }
        }
    }

    private static void ReadMembers(ReadOnlySpan<byte> s, ref Utf8JsonReader reader, List<Start> starts, int bom, int parent, SectionKind kind)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            Add(s, starts, bom + (int)reader.TokenStartIndex, kind, reader.GetString()!, parent);
            reader.Read();
            reader.Skip();
        }
    }

    /// <summary>A member's section starts at its line when only indentation precedes the token there, else at the token.</summary>
    private static int Add(ReadOnlySpan<byte> s, List<Start> starts, int token, SectionKind kind, string? title, int parent)
    {
        var offset = Lines.OnlyIndentBefore(s, token, out var lineStart) ? lineStart : token;
        if (starts.Count > 0 && offset <= starts[^1].Offset)
            offset = token;
        starts.Add(new Start(offset, kind, title, parent));
        return starts.Count - 1;
    }
}
