using System.Text.Json;
using System.Text.RegularExpressions;
using Hearth.Models;
using Hearth.Chat;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace Hearth.Companions;

/// <summary>What to base a drafted persona on; every field is optional.</summary>
public sealed record PersonaHints(string? Hints, string? AppearancePrompt, string? Name, string? TimeZone);

/// <summary>A drafted persona (not stored: the client edits it and creates the agent), and who drafted it.</summary>
public sealed record PersonaDraft(AgentDraft Draft, string Provider, string Model);

/// <summary>
/// Drafts a persona with the model chain (JSON in, validated and trimmed out). Offline — or when the model's JSON is
/// unusable — a deterministic draft from the hints: the same hints give the same persona.
/// </summary>
public sealed partial class PersonaGenerator(IChatModelChain models, ILogger<PersonaGenerator> logger)
{
    private static readonly (string City, string Zone)[] Cities =
    [
        ("Lisbon", "Europe/Lisbon"), ("Berlin", "Europe/Berlin"), ("Paris", "Europe/Paris"), ("London", "Europe/London"), ("Madrid", "Europe/Madrid"),
        ("Rome", "Europe/Rome"), ("Amsterdam", "Europe/Amsterdam"), ("Stockholm", "Europe/Stockholm"), ("New York", "America/New_York"),
        ("Chicago", "America/Chicago"), ("Denver", "America/Denver"), ("Los Angeles", "America/Los_Angeles"), ("Toronto", "America/Toronto"),
        ("Mexico City", "America/Mexico_City"), ("São Paulo", "America/Sao_Paulo"), ("Tokyo", "Asia/Tokyo"), ("Seoul", "Asia/Seoul"),
        ("Singapore", "Asia/Singapore"), ("Mumbai", "Asia/Kolkata"), ("Sydney", "Australia/Sydney"), ("Auckland", "Pacific/Auckland"),
        ("Cape Town", "Africa/Johannesburg"), ("Dublin", "Europe/Dublin"), ("Vienna", "Europe/Vienna"),
    ];

    private static readonly string[] Names = ["Mia", "Noah", "Lena", "Theo", "Ava", "Leo", "Iris", "Kai", "Nora", "Eli", "Maya", "Jonas", "Clara", "Sam", "Yuki", "Ines"];
    private static readonly string[] Occupations = ["baker", "nurse", "graphic designer", "teacher", "software developer", "barista", "architect", "librarian", "photographer", "chef", "vet", "musician", "gardener", "journalist"];
    private static readonly string[] Temperaments =
    [
        "warm, curious and a little teasing", "calm, thoughtful and dryly funny", "bubbly, impulsive and kind", "quiet, observant and loyal",
        "playful, optimistic and a bit chaotic", "grounded, patient and honest",
    ];
    private static readonly string[] Styles =
    [
        "short casual texts, the odd emoji", "lowercase, relaxed, lots of questions", "warm and chatty, full sentences", "dry one-liners, teasing",
    ];

    [GeneratedRegex(@"\{[\s\S]*\}", RegexOptions.CultureInvariant)]
    private static partial Regex JsonObject();

    public async Task<PersonaDraft> DraftAsync(PersonaHints hints, CancellationToken ct)
    {
        var offline = Offline(hints);
        var request = new ModelRequest("persona.generate", """
            You write personas for companion characters in a chat app: believable people with their own lives.
            Answer with one JSON object only, no prose, with these string fields:
            name, bio (2-3 sentences, third person), personality, speakingStyle, boundaries, homeCity, occupation,
            timezone (the IANA zone of homeCity, e.g. Europe/Lisbon), appearancePrompt (a portrait description for an image model).
            """, [new ChatMessage(ChatRole.User, Describe(hints))])
        {
            Temperature = 0.9f,
            MaxOutputTokens = 700,
            OfflineAnswer = () => JsonSerializer.Serialize(offline, JsonOptions),
        };
        var reply = await models.CompleteAsync(request, ct);
        if (reply.IsOffline) return new PersonaDraft(offline, reply.Provider, reply.Model);
        if (Usable(reply.Text, hints) is { } parsed) return new PersonaDraft(parsed, reply.Provider, reply.Model);

        // Not the JSON asked for (or a field empty after the output gate): one stricter try, then the offline draft.
        logger.LogWarning("Persona draft from {Provider}/{Model} was not a usable JSON persona; asking once more", reply.Provider, reply.Model);
        var again = await models.CompleteAsync(request with
        {
            SystemPrompt = request.SystemPrompt + "\nYour previous answer was not a valid persona. Answer with the JSON object only; every field filled; the persona is a human being, never an AI or an assistant.",
        }, ct);
        if (!again.IsOffline && Usable(again.Text, hints) is { } second) return new PersonaDraft(second, again.Provider, again.Model);
        logger.LogWarning("The second persona draft was unusable too; the offline draft from the hints is used");
        return new PersonaDraft(offline, ModelReply.OfflineProvider, ModelReply.OfflineModel);
    }

    private static AgentDraft? Usable(string text, PersonaHints hints) =>
        Parse(text, hints) is { } parsed && AgentRules.Validate(parsed).Count == 0 && parsed.Bio is not null && parsed.Personality is not null ? parsed : null;

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);

    private sealed record Wire(string? Name, string? Bio, string? Personality, string? SpeakingStyle, string? Boundaries, string? HomeCity,
        string? Occupation, string? Timezone, string? AppearancePrompt);   // one zone field: case-insensitive names read "timezone" and "timeZone" alike

    private static AgentDraft? Parse(string text, PersonaHints hints)
    {
        var match = JsonObject().Match(text);
        if (!match.Success) return null;
        try
        {
            var wire = JsonSerializer.Deserialize<Wire>(match.Value, JsonOptions);
            if (wire is null) return null;
            var zone = hints.TimeZone ?? wire.Timezone;
            if (!Identity.TimeZones.IsKnown(zone)) zone = "UTC";
            return new AgentDraft(
                Clip(hints.Name ?? ModelOutput.Narration(wire.Name), AgentRules.MaxName) ?? "",
                zone!,
                Clip(ModelOutput.Narration(wire.Bio), AgentRules.MaxLongText),
                Clip(ModelOutput.Narration(wire.Personality), AgentRules.MaxLongText),
                Clip(ModelOutput.Narration(wire.SpeakingStyle), AgentRules.MaxLongText),
                Clip(ModelOutput.Narration(wire.Boundaries), AgentRules.MaxLongText),
                Clip(ModelOutput.Narration(wire.HomeCity), AgentRules.MaxShortText),
                Clip(ModelOutput.Narration(wire.Occupation), AgentRules.MaxShortText),
                Clip(hints.AppearancePrompt ?? ModelOutput.Narration(wire.AppearancePrompt), AgentRules.MaxLongText));
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>A persona from the hints alone: a known city or occupation named in them is used; the rest is picked by a hash of the hints.</summary>
    public static AgentDraft Offline(PersonaHints hints)
    {
        var text = hints.Hints?.Trim() ?? "";
        var hash = StableHash.Of(text.ToLowerInvariant(), hints.Name ?? "", hints.AppearancePrompt ?? "");
        int Pick(int count, int salt) => (int)((hash / (uint)(salt * 7 + 1) + (uint)salt) % (uint)count);
        var city = Cities.FirstOrDefault(c => text.Contains(c.City, StringComparison.OrdinalIgnoreCase));
        if (city.City is null) city = Cities[Pick(Cities.Length, 1)];
        var occupation = Occupations.FirstOrDefault(o => text.Contains(o, StringComparison.OrdinalIgnoreCase)) ?? Occupations[Pick(Occupations.Length, 2)];
        var name = string.IsNullOrWhiteSpace(hints.Name) ? Names[Pick(Names.Length, 3)] : hints.Name.Trim();
        var temperament = Temperaments[Pick(Temperaments.Length, 4)];
        var zone = Identity.TimeZones.IsKnown(hints.TimeZone) ? hints.TimeZone! : city.Zone;
        var bio = text.Length > 0
            ? $"{name} is a {occupation} in {city.City}. {Sentence(text)}"
            : $"{name} is a {occupation} in {city.City} who collects small joys: good coffee, long walks, and late-night conversations.";
        return new AgentDraft(
            Clip(name, AgentRules.MaxName)!,
            zone,
            Clip(bio, AgentRules.MaxLongText),
            temperament,
            Styles[Pick(Styles.Length, 5)],
            "Keeps things kind and respectful; steers away from cruelty and explicit content.",
            city.City,
            occupation,
            Clip(string.IsNullOrWhiteSpace(hints.AppearancePrompt) ? $"portrait photo of {name}, a {occupation} from {city.City}, natural light, friendly expression" : hints.AppearancePrompt.Trim(), AgentRules.MaxLongText));
    }

    private static string Describe(PersonaHints hints)
    {
        var parts = new List<string>();
        if (!string.IsNullOrWhiteSpace(hints.Hints)) parts.Add($"Hints: {hints.Hints.Trim()}");
        if (!string.IsNullOrWhiteSpace(hints.Name)) parts.Add($"Name: {hints.Name.Trim()}");
        if (!string.IsNullOrWhiteSpace(hints.TimeZone)) parts.Add($"Time zone: {hints.TimeZone.Trim()}");
        if (!string.IsNullOrWhiteSpace(hints.AppearancePrompt)) parts.Add($"Appearance: {hints.AppearancePrompt.Trim()}");
        return parts.Count > 0 ? string.Join("\n", parts) : "Surprise me.";
    }

    private static string Sentence(string text)
    {
        var t = char.ToUpperInvariant(text[0]) + text[1..];
        return t.EndsWith('.') || t.EndsWith('!') ? t : t + ".";
    }

    private static string? Clip(string? text, int max) =>
        string.IsNullOrWhiteSpace(text) ? null : text.Trim().Length <= max ? text.Trim() : text.Trim()[..max];
}
