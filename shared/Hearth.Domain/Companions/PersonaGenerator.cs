using System.Text.Json;
using System.Text.RegularExpressions;
using Hearth.Models;
using Hearth.Chat;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace Hearth.Companions;

/// <summary>What to base a drafted persona on; every field is optional.</summary>
public sealed record PersonaHints(string? Hints, string? AppearancePrompt, string? Name, string? TimeZone);

/// <summary>
/// A drafted persona (not stored: the client edits it and creates the agent), and who drafted it. <paramref name="Problems"/>
/// says what was wrong with a configured model's drafts when the draft had to come from the hints instead.
/// </summary>
public sealed record PersonaDraft(AgentDraft Draft, string Provider, string Model, IReadOnlyList<string>? Problems = null);

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

    /// <summary>Cities the zone database does not name, with the zone they keep (those it names are found by <see cref="PersonaHintReader.ZoneOf"/>).</summary>
    private static readonly Dictionary<string, string> MoreCities = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Osaka"] = "Asia/Tokyo", ["Kyoto"] = "Asia/Tokyo", ["Barcelona"] = "Europe/Madrid", ["Porto"] = "Europe/Lisbon", ["Munich"] = "Europe/Berlin",
        ["Hamburg"] = "Europe/Berlin", ["Milan"] = "Europe/Rome", ["Naples"] = "Europe/Rome", ["Lyon"] = "Europe/Paris", ["Marseille"] = "Europe/Paris",
        ["Edinburgh"] = "Europe/London", ["Manchester"] = "Europe/London", ["Glasgow"] = "Europe/London", ["San Francisco"] = "America/Los_Angeles",
        ["Seattle"] = "America/Los_Angeles", ["Portland"] = "America/Los_Angeles", ["Boston"] = "America/New_York", ["Miami"] = "America/New_York",
        ["Atlanta"] = "America/New_York", ["Austin"] = "America/Chicago", ["Houston"] = "America/Chicago", ["New Orleans"] = "America/Chicago",
        ["Montreal"] = "America/Toronto", ["Rio de Janeiro"] = "America/Sao_Paulo", ["Delhi"] = "Asia/Kolkata", ["New Delhi"] = "Asia/Kolkata",
        ["Bangalore"] = "Asia/Kolkata", ["Beijing"] = "Asia/Shanghai", ["Hong Kong"] = "Asia/Hong_Kong", ["Krakow"] = "Europe/Warsaw",
        ["Kraków"] = "Europe/Warsaw", ["Florence"] = "Europe/Rome", ["Venice"] = "Europe/Rome", ["Seville"] = "Europe/Madrid", ["Valencia"] = "Europe/Madrid",
        ["Gothenburg"] = "Europe/Stockholm", ["Rotterdam"] = "Europe/Amsterdam", ["Antwerp"] = "Europe/Brussels", ["Geneva"] = "Europe/Zurich",
        ["Marrakesh"] = "Africa/Casablanca", ["Marrakech"] = "Africa/Casablanca", ["Kyiv"] = "Europe/Kyiv",
    };

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
        var problems = new List<string>();
        if (Validate(reply.Text, hints, problems) is { } parsed) return new PersonaDraft(parsed, reply.Provider, reply.Model);

        // Not the JSON asked for (or a field empty after the output gate): one stricter try naming what was wrong, then
        // the draft from the hints — labelled offline and carrying the model's problems, never passed off as the model's.
        logger.LogWarning("Persona draft from {Provider}/{Model} was not usable ({Problems}); asking once more", reply.Provider, reply.Model, string.Join("; ", problems));
        var again = await models.CompleteAsync(request with
        {
            SystemPrompt = request.SystemPrompt + "\nYour previous answer was not a valid persona (" + string.Join("; ", problems)
                + "). Answer with the JSON object only; every field filled; the persona is a human being, never an AI or an assistant.",
        }, ct);
        if (again.IsOffline) return new PersonaDraft(offline, again.Provider, again.Model, Label(reply, problems));
        var secondProblems = new List<string>();
        if (Validate(again.Text, hints, secondProblems) is { } second) return new PersonaDraft(second, again.Provider, again.Model);
        logger.LogWarning("The second persona draft was unusable too ({Problems}); the draft from the hints is used", string.Join("; ", secondProblems));
        return new PersonaDraft(offline, ModelReply.OfflineProvider, ModelReply.OfflineModel, [.. Label(reply, problems), .. Label(again, secondProblems)]);
    }

    private static List<string> Label(ModelReply reply, List<string> problems) => problems.Select(p => $"{reply.Provider}/{reply.Model}: {p}").ToList();

    /// <summary>The model's draft when it is a valid persona; otherwise null, with what is wrong added to <paramref name="problems"/>.</summary>
    private static AgentDraft? Validate(string text, PersonaHints hints, List<string> problems)
    {
        var parsed = Parse(text, hints, problems);
        if (parsed is null) return null;
        foreach (var (field, error) in AgentRules.Validate(parsed)) problems.Add($"{field} {error}");
        if (parsed.Bio is null) problems.Add("bio is missing (or only spoke of being an AI)");
        if (parsed.Personality is null) problems.Add("personality is missing");
        return problems.Count == 0 ? parsed : null;
    }

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);

    private sealed record Wire(string? Name, string? Bio, string? Personality, string? SpeakingStyle, string? Boundaries, string? HomeCity,
        string? Occupation, string? Timezone, string? AppearancePrompt);   // one zone field: case-insensitive names read "timezone" and "timeZone" alike

    private static AgentDraft? Parse(string text, PersonaHints hints, List<string> problems)
    {
        var match = JsonObject().Match(text);
        if (!match.Success)
        {
            problems.Add("the answer holds no JSON object");
            return null;
        }
        try
        {
            var wire = JsonSerializer.Deserialize<Wire>(match.Value, JsonOptions);
            if (wire is null)
            {
                problems.Add("the JSON is null");
                return null;
            }
            if (wire.Timezone is { } asked && !Identity.TimeZones.IsKnown(asked) && hints.TimeZone is null) problems.Add($"timezone '{asked}' is not an IANA zone");
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
        catch (JsonException e)
        {
            problems.Add($"the JSON does not read as a persona ({e.Message.Split('.')[0]})");
            return null;
        }
    }

    /// <summary>
    /// A persona from the hints alone: the name, city, occupation, traits and interests the hints give are kept (read by
    /// <see cref="PersonaHintReader"/>); only what they leave open is picked by a hash of the hints, so the same hints give
    /// the same persona.
    /// </summary>
    public static AgentDraft Offline(PersonaHints hints)
    {
        var text = hints.Hints?.Trim() ?? "";
        var facts = PersonaHintReader.Read(text);
        var hash = StableHash.Of(text.ToLowerInvariant(), hints.Name ?? "", hints.AppearancePrompt ?? "");
        int Pick(int count, int salt) => (int)((hash / (uint)(salt * 7 + 1) + (uint)salt) % (uint)count);

        var known = Cities.FirstOrDefault(c => facts.City is { } named ? string.Equals(c.City, named, StringComparison.OrdinalIgnoreCase)
            : text.Contains(c.City, StringComparison.OrdinalIgnoreCase));
        var city = facts.City ?? known.City ?? Cities[Pick(Cities.Length, 1)].City;
        var cityZone = known.Zone ?? MoreCities.GetValueOrDefault(city) ?? PersonaHintReader.ZoneOf(city) ?? (facts.City is null ? Cities[Pick(Cities.Length, 1)].Zone : null);
        var zone = Identity.TimeZones.IsKnown(hints.TimeZone) ? hints.TimeZone! : cityZone ?? "UTC";

        var occupation = facts.Occupation
            ?? Occupations.FirstOrDefault(o => text.Contains(o, StringComparison.OrdinalIgnoreCase))
            ?? (facts.Descriptor is null ? Occupations[Pick(Occupations.Length, 2)] : null);
        var name = !string.IsNullOrWhiteSpace(hints.Name) ? hints.Name.Trim() : facts.Name ?? Names[Pick(Names.Length, 3)];
        var who = facts.Descriptor ?? occupation ?? "person";
        var interests = facts.Interests.Count > 0 ? " who " + string.Join(" and ", facts.Interests) : "";
        var bio = text.Length > 0
            ? $"{name} is {PersonaHintReader.Article(who)} {who} in {city}{interests}."
            : $"{name} is {PersonaHintReader.Article(who)} {who} in {city} who collects small joys: good coffee, long walks, and late-night conversations.";
        var personality = facts.Traits.Count > 0
            ? string.Join(", ", facts.Traits.Take(facts.Traits.Count - 1)) + (facts.Traits.Count > 1 ? " and " : "") + facts.Traits[^1]
            : Temperaments[Pick(Temperaments.Length, 4)];
        var look = string.IsNullOrWhiteSpace(hints.AppearancePrompt)
            ? $"portrait photo of {name}, {PersonaHintReader.Article(who)} {who} from {city}, natural light, friendly expression"
            : hints.AppearancePrompt.Trim();
        return new AgentDraft(
            Clip(name, AgentRules.MaxName)!,
            zone,
            Clip(bio, AgentRules.MaxLongText),
            Clip(personality, AgentRules.MaxLongText),
            Styles[Pick(Styles.Length, 5)],
            "Keeps things kind and respectful; steers away from cruelty and explicit content.",
            Clip(city, AgentRules.MaxShortText),
            Clip(occupation, AgentRules.MaxShortText),
            Clip(look, AgentRules.MaxLongText));
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

    private static string? Clip(string? text, int max) =>
        string.IsNullOrWhiteSpace(text) ? null : text.Trim().Length <= max ? text.Trim() : text.Trim()[..max];
}
