using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Hearth.Chat.Lore;
using Hearth.Companions;
using Hearth.Durable;

namespace Hearth.Chat.Cards;

/// <summary>
/// Character card JSON: reads V1 (fields at the root), V2 (<c>spec: chara_card_v2</c>, fields in <c>data</c>) and V3
/// (<c>spec: chara_card_v3</c>) into a <see cref="CharacterCard"/>, naming the field of every problem
/// (<c>data.name</c>, <c>data.character_book.entries[2].keys</c>); writes V2 (and V3) cards.
/// Fields missing from a card read as empty, as the tools that write cards expect; fields of the wrong type are errors.
/// </summary>
public static class CardJson
{
    /// <summary>The card in <paramref name="json"/>, or the field errors.</summary>
    public static (CharacterCard? Card, List<(string Field, string Error)> Errors) Read(ReadOnlySpan<byte> json)
    {
        try
        {
            return ReadCard(json);
        }
        catch (InvalidOperationException)
        {
            // JsonNode decodes strings when they are read: an escaped lone surrogate ("\udc00") only fails then.
            return (null, [("card", "holds text that is not valid Unicode (a lone surrogate)")]);
        }
    }

    private static (CharacterCard? Card, List<(string Field, string Error)> Errors) ReadCard(ReadOnlySpan<byte> json)
    {
        var errors = new List<(string, string)>();
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { MaxDepth = 64, AllowDuplicateProperties = false });
        }
        catch (JsonException e)
        {
            errors.Add(("card", $"is not valid JSON ({e.Message.Split('.')[0]})"));
            return (null, errors);
        }
        if (root is not JsonObject card)
        {
            errors.Add(("card", "must be a JSON object"));
            return (null, errors);
        }

        if (FirstNul(card, "") is { } nul)
        {
            errors.Add((nul.Length == 0 ? "card" : nul, "must not contain U+0000 (it cannot be stored)"));
            return (null, errors);
        }

        string spec;
        JsonObject data;
        var prefix = "data.";
        var specValue = card["spec"];
        if (specValue is null)
        {
            // V1: the fields are at the root.
            spec = CardLimits.V1;
            data = card;
            prefix = "";
        }
        else
        {
            spec = specValue is JsonValue v && v.TryGetValue<string>(out var s) ? s : "";
            if (spec is not (CardLimits.V2 or CardLimits.V3))
            {
                errors.Add(("spec", $"must be '{CardLimits.V2}' or '{CardLimits.V3}'"));
                return (null, errors);
            }
            if (card["data"] is not JsonObject d)
            {
                errors.Add(("data", "must be an object holding the character"));
                return (null, errors);
            }
            data = d;
        }

        var reader = new Reader(data, prefix, errors);
        var name = reader.Text("name", 80);
        if (name is not null && string.IsNullOrWhiteSpace(name)) errors.Add((prefix + "name", "must not be empty"));
        if (data["name"] is null) errors.Add((prefix + "name", "is required"));
        var description = reader.Text("description");
        var personality = reader.Text("personality");
        var scenario = reader.Text("scenario");
        var first = reader.Text("first_mes");
        var examples = reader.Text("mes_example");
        var creatorNotes = reader.Text("creator_notes");
        var system = reader.Text("system_prompt");
        var postHistory = reader.Text("post_history_instructions");
        var greetings = reader.TextList("alternate_greetings", CardLimits.MaxText);
        var tags = reader.TextList("tags", CardLimits.MaxTag);
        var creator = reader.Text("creator", 200);
        var version = reader.Text("character_version", 200);
        var extensions = new JsonObject();
        HearthTraits? hearth = null;
        if (data["extensions"] is { } ext)
        {
            if (ext is not JsonObject extObject) errors.Add((prefix + "extensions", "must be an object"));
            else
            {
                foreach (var (key, value) in extObject)
                {
                    if (key == "hearth") hearth = ReadHearth(value, prefix + "extensions.hearth", errors);
                    else extensions[key] = value?.DeepClone();
                }
            }
        }
        CardBook? book = null;
        if (data["character_book"] is { } bookNode) book = ReadBook(bookNode, prefix + "character_book", errors);

        if (errors.Count > 0) return (null, errors);
        return (new CharacterCard(spec, name!.Trim(), description ?? "", personality ?? "", scenario ?? "", first ?? "", examples ?? "", creatorNotes ?? "",
            system ?? "", postHistory ?? "", greetings, tags, creator ?? "", version ?? "", extensions, book, hearth), errors);
    }

    /// <summary>The card as V2 (<paramref name="v3"/>: V3) JSON, with the V1 fields mirrored at the root for older readers.</summary>
    public static JsonObject Write(CharacterCard card, bool v3 = false)
    {
        var extensions = (JsonObject)card.Extensions.DeepClone();
        if (card.Hearth is { } hearth) extensions["hearth"] = JsonSerializer.SerializeToNode(hearth, DurableJson.Options);
        var data = new JsonObject
        {
            ["name"] = card.Name,
            ["description"] = card.Description,
            ["personality"] = card.Personality,
            ["scenario"] = card.Scenario,
            ["first_mes"] = card.FirstMessage,
            ["mes_example"] = card.ExampleDialogues,
            ["creator_notes"] = card.CreatorNotes,
            ["system_prompt"] = card.SystemPrompt,
            ["post_history_instructions"] = card.PostHistoryInstructions,
            ["alternate_greetings"] = new JsonArray([.. card.AlternateGreetings.Select(g => (JsonNode?)g)]),
            ["tags"] = new JsonArray([.. card.Tags.Select(t => (JsonNode?)t)]),
            ["creator"] = card.Creator,
            ["character_version"] = card.CharacterVersion,
            ["extensions"] = extensions,
        };
        if (card.Book is { } book) data["character_book"] = WriteBook(book, v3);
        if (v3)
        {
            data["group_only_greetings"] = new JsonArray();
            return new JsonObject { ["spec"] = CardLimits.V3, ["spec_version"] = "3.0", ["data"] = data };
        }
        return new JsonObject
        {
            ["name"] = card.Name, ["description"] = card.Description, ["personality"] = card.Personality, ["scenario"] = card.Scenario,
            ["first_mes"] = card.FirstMessage, ["mes_example"] = card.ExampleDialogues,
            ["spec"] = CardLimits.V2, ["spec_version"] = "2.0", ["data"] = data,
        };
    }

    private static JsonObject WriteBook(CardBook book, bool v3)
    {
        var entries = new JsonArray();
        var id = 0;
        foreach (var e in book.Entries)
        {
            var entry = new JsonObject
            {
                ["keys"] = new JsonArray([.. e.Keys.Select(k => (JsonNode?)k)]),
                ["content"] = e.Content,
                ["extensions"] = JsonSerializer.SerializeToNode(e.Extensions ?? new Dictionary<string, JsonElement>()),
                ["enabled"] = e.Enabled,
                ["insertion_order"] = e.InsertionOrder,
                ["case_sensitive"] = e.CaseSensitive,
                ["name"] = e.Name ?? "",
                ["id"] = id++,
                ["comment"] = e.Comment ?? "",
                ["selective"] = e.Selective,
                ["secondary_keys"] = new JsonArray([.. (e.SecondaryKeys ?? []).Select(k => (JsonNode?)k)]),
                ["constant"] = e.Constant,
                ["position"] = e.Position,
            };
            if (e.Priority is { } priority) entry["priority"] = priority;
            if (v3 || e.UseRegex) entry["use_regex"] = e.UseRegex;
            entries.Add(entry);
        }
        var s = book.Settings;
        return new JsonObject
        {
            ["name"] = s.Name ?? "",
            ["description"] = s.Description ?? "",
            ["scan_depth"] = s.ScanDepth,
            ["token_budget"] = s.TokenBudget,
            ["recursive_scanning"] = s.RecursiveScanning,
            ["extensions"] = JsonSerializer.SerializeToNode(s.Extensions ?? new Dictionary<string, JsonElement>()),
            ["entries"] = entries,
        };
    }

    private static CardBook? ReadBook(JsonNode node, string field, List<(string, string)> errors)
    {
        if (node is not JsonObject book)
        {
            errors.Add((field, "must be an object"));
            return null;
        }
        var r = new Reader(book, field + ".", errors);
        var settings = new LorebookSettings(
            r.Text("name", LoreRules.MaxName),
            r.Text("description", LoreRules.MaxDescription),
            r.Int("scan_depth") ?? LoreRules.DefaultScanDepth,
            r.Int("token_budget") ?? LoreRules.DefaultTokenBudget,
            r.Bool("recursive_scanning") ?? false,
            r.Extensions("extensions"));
        foreach (var (f, e) in LoreRules.Validate(settings)) errors.Add((field + "." + Snake(f), e));
        var entries = new List<LoreEntryDraft>();
        if (book["entries"] is not JsonArray list)
        {
            errors.Add((field + ".entries", "must be an array"));
            return null;
        }
        if (list.Count > LoreRules.MaxEntries) errors.Add((field + ".entries", $"must hold at most {LoreRules.MaxEntries} entries"));
        for (var i = 0; i < list.Count && i < LoreRules.MaxEntries; i++)
        {
            var at = $"{field}.entries[{i}]";
            if (list[i] is not JsonObject entry)
            {
                errors.Add((at, "must be an object"));
                continue;
            }
            var e = new Reader(entry, at + ".", errors);
            var constant = e.Bool("constant") ?? false;
            var position = e.Text("position", 40);
            var draft = new LoreEntryDraft(
                e.TextList("keys", LoreRules.MaxKeyLength),
                e.Text("content", LoreRules.MaxContent) ?? "",
                e.TextList("secondary_keys", LoreRules.MaxKeyLength),
                e.Bool("selective") ?? false,
                constant,
                e.Bool("enabled") ?? true,
                e.Int("insertion_order") ?? 100,
                e.Int("priority"),
                e.Bool("case_sensitive") ?? false,
                position is LoreRules.BeforeChar ? LoreRules.BeforeChar : LoreRules.AfterChar,
                e.Text("name", LoreRules.MaxName),
                e.Text("comment", LoreRules.MaxDescription),
                e.Extensions("extensions"),
                e.Bool("use_regex") ?? false);
            // Cards carry entries without keys (notes, switched-off entries): kept, they never trigger.
            foreach (var (f, error) in LoreRules.Validate(draft))
                if (!(f == "keys" && draft.Keys.Count == 0) && !(f == "secondaryKeys" && draft.Selective))
                    errors.Add(($"{at}.{Snake(f)}", error));
            entries.Add(draft);
        }
        return new CardBook(settings, entries);
    }

    private static HearthTraits? ReadHearth(JsonNode? node, string field, List<(string, string)> errors)
    {
        if (node is not JsonObject hearth)
        {
            errors.Add((field, "must be an object"));
            return null;
        }
        try
        {
            var traits = hearth.Deserialize<HearthTraits>(DurableJson.Options);
            if (traits is null) return null;
            var draft = new AgentDraft("card", traits.Timezone ?? "UTC", null, null, traits.SpeakingStyle, traits.Boundaries, traits.HomeCity,
                traits.Occupation, traits.AppearancePrompt, traits.Availability, traits.MoodBaseline);
            foreach (var (f, e) in AgentRules.Validate(draft)) errors.Add(($"{field}.{f}", e));
            return traits;
        }
        catch (JsonException e)
        {
            errors.Add((field + (e.Path is { Length: > 1 } path ? path[1..] : ""), "has a value of the wrong type"));
            return null;
        }
    }

    /// <summary>The path of the first string (or property name) holding U+0000, which PostgreSQL cannot store; null when there is none.</summary>
    private static string? FirstNul(JsonNode? node, string path)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (key, value) in o)
                {
                    var at = path.Length == 0 ? key : path + "." + key;
                    if (key.Contains('\0', StringComparison.Ordinal)) return path;
                    if (FirstNul(value, at) is { } found) return found;
                }
                return null;
            case JsonArray a:
                for (var i = 0; i < a.Count; i++)
                    if (FirstNul(a[i], $"{path}[{i}]") is { } found) return found;
                return null;
            case JsonValue v when v.TryGetValue<string>(out var text):
                return text.Contains('\0', StringComparison.Ordinal) ? path : null;
            default:
                return null;
        }
    }

    private static string Snake(string camel) => string.Concat(camel.Select((c, i) => char.IsUpper(c) && i > 0 ? "_" + char.ToLowerInvariant(c) : c.ToString()));

    /// <summary>Typed reads of one object's fields, each problem recorded under its full field name.</summary>
    private sealed class Reader(JsonObject data, string prefix, List<(string, string)> errors)
    {
        public string? Text(string name, int max = CardLimits.MaxText)
        {
            var node = data[name];
            if (node is null) return null;
            if (node is not JsonValue v || !v.TryGetValue<string>(out var text))
            {
                errors.Add((prefix + name, "must be a string"));
                return null;
            }
            if (text.Length > max) errors.Add((prefix + name, $"must be at most {max} characters"));
            return text;
        }

        public IReadOnlyList<string> TextList(string name, int maxItem)
        {
            var node = data[name];
            if (node is null) return [];
            if (node is not JsonArray array)
            {
                errors.Add((prefix + name, "must be an array of strings"));
                return [];
            }
            if (array.Count > CardLimits.MaxListItems) errors.Add((prefix + name, $"must hold at most {CardLimits.MaxListItems} items"));
            var list = new List<string>(array.Count);
            for (var i = 0; i < array.Count; i++)
            {
                if (array[i] is JsonValue v && v.TryGetValue<string>(out var s))
                {
                    if (s.Length > maxItem) errors.Add(($"{prefix}{name}[{i}]", $"must be at most {maxItem} characters"));
                    list.Add(s);
                }
                else errors.Add(($"{prefix}{name}[{i}]", "must be a string"));
            }
            return list;
        }

        public bool? Bool(string name)
        {
            var node = data[name];
            if (node is null) return null;
            if (node is JsonValue v && v.TryGetValue<bool>(out var b)) return b;
            errors.Add((prefix + name, "must be true or false"));
            return null;
        }

        public int? Int(string name)
        {
            var node = data[name];
            if (node is null) return null;
            if (node is JsonValue v && v.TryGetValue<double>(out var d) && double.IsFinite(d) && Math.Abs(d) <= 1_000_000)
                return (int)Math.Round(d, MidpointRounding.AwayFromZero);
            if (node is JsonValue sv && sv.TryGetValue<string>(out var s) && int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed)
                && Math.Abs(parsed) <= 1_000_000)
                return parsed;
            errors.Add((prefix + name, "must be a whole number between -1000000 and 1000000"));
            return null;
        }

        public IReadOnlyDictionary<string, JsonElement>? Extensions(string name)
        {
            var node = data[name];
            if (node is null) return null;
            if (node is not JsonObject o)
            {
                errors.Add((prefix + name, "must be an object"));
                return null;
            }
            return o.Deserialize<Dictionary<string, JsonElement>>();
        }
    }
}
