using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Hearth.Proof.Tests.Fuzz;

/// <summary>
/// Seeded mutations of a JSON request body: keys dropped, duplicated or added; values of the wrong type, null, huge,
/// negative, NaN-like, very long, deeply nested, with surrogates or NULs; arrays where objects go; truncated text,
/// trailing garbage, invalid UTF-8 and the empty body. Values are spliced in as raw text, so JSON no serializer would
/// write (a lone <c>\ud800</c>, <c>1e309</c>, <c>NaN</c>) reaches the host too.
/// </summary>
public sealed class JsonMutator(Random random)
{
    /// <summary>Field names the API uses, so added keys hit real binding, not just the ignored-unknown-key path.</summary>
    private static readonly string[] Keys =
    [
        "name", "text", "timezone", "prompt", "title", "description", "bio", "displayName", "reason", "kind", "files", "path",
        "content", "limit", "clientMessageId", "tags", "agent", "agentId", "query", "mode", "homeCity", "occupation", "appearance",
        "personality", "status", "availability", "id", "sessionId", "count", "size", "style", "enabled", "settings", "data", "",
    ];

    private static readonly string[] Values =
    [
        "null", "true", "false", "0", "-1", "-0", "1.5", "2147483648", "-2147483649", "9223372036854775808", "-9223372036854775809",
        "99999999999999999999999999999999999999", "1e309", "-1e309", "1e-400", "NaN", "Infinity", "-Infinity", "\"NaN\"", "\"Infinity\"",
        "\"\"", "\" \"", "\"\\t\\n\"", "\"\\u0000\"", "\"a\\u0000b\"", "\"\\ud800\"", "\"\\udc00x\"", "\"\\ud83d\\ude00\"", "\"\\u202eevil\"",
        "\"e\\u0301\\ufeff𝔘𝔫𝔦𝔠𝔬𝔡𝔢🔥\"", "\"-1\"", "\"2026-13-45T99:99:99Z\"", "\"00000000-0000-0000-0000-000000000000\"", "\"' OR '1'='1\"",
        "[]", "{}", "[null]", "[1,\"a\",null,{}]", "{\"a\":{\"b\":[]}}", "[[[]]]", "\"x\"",
    ];

    private const string Structural = "{}[]\":,\\ 0an-.e";

    private static readonly string[] Garbage = ["}", "]", ",", "x", " {}", "\"", "\\", "\u0000", "{\"a\":1}", "//", "/*", "\uFEFF"];

    /// <summary>A mutated body from <paramref name="sample"/> (or <c>{}</c>); <paramref name="log"/> records each step.</summary>
    public byte[] Mutate(string? sample, List<string> log)
    {
        var root = JsonNode.Parse(sample ?? "{}") ?? new JsonObject();
        var raw = new List<string>();
        var steps = random.Next(1, 3);
        for (var i = 0; i < steps; i++)
        {
            var step = MutateTree(ref root, raw);
            log.Add(step);
        }
        var text = root.ToJsonString();
        // Last first: a later value may hold an earlier marker (a duplicated key copies its old value).
        for (var i = raw.Count - 1; i >= 0; i--) text = text.Replace($"\"{Marker(i)}\"", raw[i], StringComparison.Ordinal);

        var bytes = Encoding.UTF8.GetBytes(text);
        return random.Next(4) == 0 ? MutateText(bytes, log) : bytes;
    }

    private static string Marker(int i) => $"__fuzz_raw_{i}__";

    private string MutateTree(ref JsonNode root, List<string> raw)
    {
        var containers = new List<JsonNode>();
        Collect(root, containers);
        var target = containers[random.Next(containers.Count)];
        switch (random.Next(8))
        {
            case 0:
            {
                RawValue(raw, out var shown);
                root = JsonValue.Create(Marker(raw.Count - 1))!;
                return $"root := {shown}";
            }
            case 1:
                root = new JsonArray(root.DeepClone());
                return "root wrapped in an array";
            case 2 when target is JsonObject o && o.Count > 0:
            {
                var key = o.ElementAt(random.Next(o.Count)).Key;
                o.Remove(key);
                return $"drop '{key}'";
            }
            case 3 when target is JsonObject o && o.Count > 0:
            {
                var key = o.ElementAt(random.Next(o.Count)).Key;
                // Duplicate key: the same key again, raw, after the original (System.Text.Json objects refuse duplicates).
                var value = RawValue(raw, out var shown);
                raw[^1] = $"{value},\"{Escape(key)}\":{o[key]?.ToJsonString() ?? "null"}";
                o[key] = JsonValue.Create(Marker(raw.Count - 1));
                return $"duplicate '{key}' (first {shown})";
            }
            case 4 when target is JsonArray a:
            {
                RawValue(raw, out var shown);
                a.Add(JsonValue.Create(Marker(raw.Count - 1)));
                return $"array append {shown}";
            }
            case 5 when target is JsonObject o && o.Count > 0:
            {
                var key = o.ElementAt(random.Next(o.Count)).Key;
                o[key] = random.Next(2) == 0 ? new JsonArray(o[key]?.DeepClone()) : new JsonObject { ["value"] = o[key]?.DeepClone() };
                return $"'{key}' wrapped";
            }
            default:
            {
                if (target is not JsonObject o) o = root as JsonObject ?? new JsonObject();
                var key = o.Count > 0 && random.Next(2) == 0 ? o.ElementAt(random.Next(o.Count)).Key : Keys[random.Next(Keys.Length)];
                RawValue(raw, out var shown);
                o[key] = JsonValue.Create(Marker(raw.Count - 1));
                if (root is not JsonObject && !ReferenceEquals(o, target)) root = o;
                return $"'{key}' := {shown}";
            }
        }
    }

    /// <summary>Adds a raw JSON value to <paramref name="raw"/> and returns it, with a short form for the log.</summary>
    private string RawValue(List<string> raw, out string shown)
    {
        string value;
        switch (random.Next(6))
        {
            case 0:
                var length = random.Next(4) == 0 ? 200_000 : random.Next(200, 5000);
                var unit = random.Next(3) switch { 0 => "a", 1 => "é", _ => "🔥" };
                value = "\"" + string.Concat(Enumerable.Repeat(unit, length / unit.Length)) + "\"";
                shown = $"string of {length / unit.Length} '{unit}'";
                break;
            case 1:
                var depth = random.Next(3) switch { 0 => random.Next(2, 64), 1 => 65, _ => random.Next(100, 5000) };
                value = random.Next(2) == 0
                    ? new string('[', depth) + new string(']', depth)
                    : string.Concat(Enumerable.Repeat("{\"a\":", depth)) + "1" + new string('}', depth);
                shown = $"nesting {depth} deep";
                break;
            default:
                value = Values[random.Next(Values.Length)];
                shown = value;
                break;
        }
        raw.Add(value);
        return value;
    }

    private byte[] MutateText(byte[] bytes, List<string> log)
    {
        var cut = random.Next(bytes.Length + 1);
        switch (random.Next(5))
        {
            case 0:
                log.Add($"truncated to {cut} bytes");
                return bytes[..cut];
            case 1:
                var garbage = Garbage[random.Next(Garbage.Length)];
                log.Add($"trailing '{garbage}'");
                return [.. bytes, .. Encoding.UTF8.GetBytes(garbage)];
            case 2:
                log.Add("empty body");
                return [];
            case 3:
                byte[] invalid = random.Next(3) switch { 0 => [0xFF], 1 => [0xC3], _ => [0xED, 0xA0, 0x80] };
                log.Add($"invalid UTF-8 {Convert.ToHexString(invalid)} at {cut}");
                return [.. bytes[..cut], .. invalid, .. bytes[cut..]];
            default:
                if (bytes.Length == 0) goto case 2;
                var at = Math.Min(cut, bytes.Length - 1);
                var was = bytes[at];
                bytes[at] = (byte)Structural[random.Next(Structural.Length)];
                log.Add($"byte {at} '{(char)was}' -> '{(char)bytes[at]}'");
                return bytes;
        }
    }

    private static void Collect(JsonNode node, List<JsonNode> into)
    {
        if (node is JsonObject o)
        {
            into.Add(o);
            foreach (var (_, child) in o) if (child is not null) Collect(child, into);
        }
        else if (node is JsonArray a)
        {
            into.Add(a);
            foreach (var child in a) if (child is not null) Collect(child, into);
        }
        if (into.Count == 0) into.Add(node);
    }

    private static string Escape(string key) => JsonEncodedText.Encode(key).ToString();
}
