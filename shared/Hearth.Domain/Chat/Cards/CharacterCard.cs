using System.Text.Json.Nodes;
using Hearth.Chat.Lore;
using Hearth.Companions;

namespace Hearth.Chat.Cards;

/// <summary>
/// A character card as Hearth keeps it, whatever spec it came in (V1, V2 <c>chara_card_v2</c>, V3 <c>chara_card_v3</c>).
/// <see cref="Hearth"/> holds what only Hearth knows (time zone, city, work, availability…), carried in the card's
/// <c>extensions.hearth</c> so that an export imports back to the same companion; <see cref="Extensions"/> holds every
/// other extension verbatim.
/// </summary>
public sealed record CharacterCard(
    string Spec,
    string Name,
    string Description,
    string Personality,
    string Scenario,
    string FirstMessage,
    string ExampleDialogues,
    string CreatorNotes,
    string SystemPrompt,
    string PostHistoryInstructions,
    IReadOnlyList<string> AlternateGreetings,
    IReadOnlyList<string> Tags,
    string Creator,
    string CharacterVersion,
    JsonObject Extensions,
    CardBook? Book,
    HearthTraits? Hearth);

/// <summary>A card's embedded character book: the book's settings and its entries.</summary>
public sealed record CardBook(LorebookSettings Settings, IReadOnlyList<LoreEntryDraft> Entries);

/// <summary>The companion's own fields a card carries in <c>extensions.hearth</c>.</summary>
public sealed record HearthTraits(
    string? Timezone = null,
    string? HomeCity = null,
    string? Occupation = null,
    string? SpeakingStyle = null,
    string? Boundaries = null,
    string? AppearancePrompt = null,
    WeeklyAvailability? Availability = null,
    double? MoodBaseline = null);

/// <summary>Limits of cards.</summary>
public static class CardLimits
{
    /// <summary>Longest text field of a card (description, personality, scenario, first message, examples…).</summary>
    public const int MaxText = 32_000;
    public const int MaxListItems = 100;
    public const int MaxTag = 100;
    public const string V1 = "chara_card_v1";
    public const string V2 = "chara_card_v2";
    public const string V3 = "chara_card_v3";
}
