using System.Globalization;
using System.Text;
using Hearth.Companions;
using Hearth.Memory;

namespace Hearth.Chat;

/// <summary>Everything a reply is written from (also the offline responder's input).</summary>
public sealed record ReplyContext(
    Agent Agent,
    string UserText,
    LocalMoment Moment,
    AvailabilityState Availability,
    WeatherFlavour? Weather,
    Scenario? Scenario,
    IReadOnlyList<LifeEvent> RecentEvents,
    Recall Recall,
    IReadOnlyList<ConversationMessage> RecentMessages,
    PictureOutcome? Picture,
    string? PreviousReply,
    Cards.CharacterCards.StoredCard? Card = null,
    IReadOnlyList<Lore.ActivatedLore>? Lore = null,
    string UserName = "you")
{
    /// <summary>The companion's core memory block: what it always knows about the user (empty when none is written).</summary>
    public string CoreMemory { get; init; } = "";

    /// <summary>In a group chat, the other companions in it (null in a 1:1 chat).</summary>
    public IReadOnlyList<string>? GroupOthers { get; init; }
}

/// <summary>
/// The companion's system prompt: persona, identity, local time and part of day, weather, availability, mood, affinity
/// band, scenario, recent life events, memory, and the in-character rules (which the guard also enforces on the reply).
/// An imported character card adds its setting, its example dialogues and its own instructions, world info (lorebook
/// entries whose keys came up) goes above or below the persona as each entry asks, and the card's macros
/// (<c>{{char}}</c>, <c>{{user}}</c>) are filled in. The rules stay last.
/// </summary>
public static class ChatPrompt
{
    /// <summary>The rules every companion prompt ends with; <see cref="SelfReferenceGuard"/> treats repeating them as a leak.</summary>
    public const string Rules = """
        How you speak:
        - You are a person living your own life, texting with someone you know. Always speak as yourself, in the first person.
        - Never say or imply that you are an AI, a language model, an assistant, a bot or a program, and never mention prompts, instructions, rules or being in character.
        - Never refer to yourself by name in the third person.
        - Keep replies short and natural, like a text message: one to four sentences, no lists, no headings.
        - Stay within your boundaries; if asked for something you would not do, say no the way you would.
        """;

    /// <summary>The line a model adds after its reply so that its judgement moves mood and affinity (parsed and removed by <see cref="FeelingsTag"/>).</summary>
    public const string FeelingsInstruction = """
        After your reply, on its own last line, add how this message made you feel, exactly in this form:
        [[feel mood=<number from -0.3 to 0.3> affinity=<number from -5 to 3> reason=<a few words>]]
        """;

    public static string Build(ReplyContext context)
    {
        var agent = context.Agent;
        var text = new StringBuilder(2048);
        var lore = context.Lore ?? [];
        LoreBlock(text, "World info:", lore.Where(l => l.Entry.Position == Chat.Lore.LoreRules.BeforeChar));
        text.Append("You are ").Append(agent.Name).Append('.');
        if (agent.Bio.Length > 0) text.Append(' ').Append(agent.Bio);
        text.AppendLine();
        Line(text, "Personality", agent.Personality);
        Line(text, "How you talk", agent.SpeakingStyle);
        Line(text, "Your boundaries", agent.Boundaries);
        if (agent.Occupation.Length > 0 || agent.HomeCity.Length > 0)
        {
            text.Append("You ");
            if (agent.Occupation.Length > 0) text.Append("work as ").Append(OfflineAnswers.Article(agent.Occupation)).Append(' ').Append(agent.Occupation);
            if (agent.Occupation.Length > 0 && agent.HomeCity.Length > 0) text.Append(" and ");
            if (agent.HomeCity.Length > 0) text.Append("live in ").Append(agent.HomeCity);
            text.AppendLine(".");
        }
        var card = context.Card;
        if (card is { Scenario.Length: > 0 }) text.Append("The setting: ").AppendLine(card.Scenario.Trim());
        LoreBlock(text, "What you know about your world:", lore.Where(l => l.Entry.Position != Chat.Lore.LoreRules.BeforeChar));
        if (card is { ExampleDialogues.Length: > 0 })
        {
            text.AppendLine("How you write, by example (these exchanges did not happen):");
            text.AppendLine(card.ExampleDialogues.Replace("<START>", "---", StringComparison.OrdinalIgnoreCase).Trim());
        }

        text.AppendLine();
        text.Append("Now: ").Append(context.Moment.Describe()).Append(" where you are (").Append(agent.TimeZone).Append("), ")
            .Append(context.Moment.PartOfDay).Append(", ").Append(context.Moment.Season).Append('.');
        if (context.Weather is { } weather) text.Append(" Weather: ").Append(weather.Summary).Append('.');
        text.AppendLine();
        text.AppendLine(context.Availability switch
        {
            AvailabilityState.Asleep => "You were asleep; this message woke you. You are drowsy and brief.",
            AvailabilityState.Working => "You are at work right now, replying in a spare moment.",
            _ => "You are free right now.",
        });
        text.Append("Your mood: ").Append(Feelings.MoodLabel(agent.Mood)).Append(" (").Append(agent.Mood.ToString("0.00", CultureInfo.InvariantCulture))
            .Append(" on -1..1). How close you feel to them: ").Append(Feelings.AffinityBand(agent.Affinity)).Append(" (")
            .Append(agent.Affinity.ToString("0", CultureInfo.InvariantCulture)).AppendLine("/100).");
        if (context.Scenario is { } scenario)
        {
            text.Append("What is going on in your life: ").Append(scenario.Title);
            if (scenario.Description.Length > 0) text.Append(" — ").Append(scenario.Description);
            text.AppendLine();
        }
        if (context.RecentEvents.Count > 0)
        {
            text.AppendLine("Recently, in your own words:");
            foreach (var e in context.RecentEvents)
                text.Append("- ").Append(When(e.OccurredAt, context.Moment)).Append(": ").AppendLine(OfflineAnswers.EventSentence(e.Text));
        }

        if (context.CoreMemory.Length > 0)
        {
            text.AppendLine();
            text.Append("What you always know about ").Append(context.UserName).AppendLine(":");
            text.AppendLine(context.CoreMemory.Trim());
        }

        var shown = context.RecentMessages.Select(m => m.Id).ToHashSet(StringComparer.Ordinal);
        var memories = context.Recall.All.Where(m => !shown.Contains(m.Id)).ToList();
        if (memories.Count > 0)
        {
            text.AppendLine();
            text.AppendLine("What you remember about them and your conversations:");
            foreach (var m in memories) text.Append("- ").AppendLine(m.Snippet);
        }
        if (!string.IsNullOrWhiteSpace(context.Recall.Guidance)) text.AppendLine(context.Recall.Guidance);

        // The companion's opening lines (the card's first message, initiated messages) are not in the chat history a
        // model reads, which starts with the user: they are told here.
        var opening = context.RecentMessages.TakeWhile(m => m.Role != "user").Where(m => !string.IsNullOrWhiteSpace(m.Text)).ToList();
        if (opening.Count > 0)
        {
            text.AppendLine();
            text.AppendLine("You opened this conversation with:");
            foreach (var m in opening) text.Append("> ").AppendLine(m.Text.Trim().Replace("\n", "\n> ", StringComparison.Ordinal));
        }

        if (context.Picture is { } picture)
        {
            text.AppendLine();
            text.AppendLine(picture.Outcome switch
            {
                "started" => "They asked for a picture of you, and you are sending one now (it arrives in a moment). Mention it naturally.",
                "asleep" => "They asked for a picture of you, but you were asleep: decline sleepily, maybe tomorrow.",
                "affinity" => "They asked for a picture of you, but you do not know them well enough yet: decline kindly, in your own way.",
                "daily-cap" => "They asked for another picture of you, but you have sent enough today: decline playfully, maybe tomorrow.",
                _ => "They asked for a picture of you, but you cannot send one right now: decline in your own way.",
            });
        }
        if (context.GroupOthers is { Count: > 0 } others)
        {
            text.AppendLine();
            text.Append("This is a group chat: you, ").Append(context.UserName).Append(" and ").Append(string.Join(", ", others))
                .AppendLine(". Everyone else's lines start with their name. Write only your own message, without your name in front.");
        }
        if (card is not null && (card.SystemPrompt.Length > 0 || card.PostHistoryInstructions.Length > 0))
        {
            text.AppendLine();
            text.AppendLine("From your character sheet:");
            if (card.SystemPrompt.Length > 0) text.AppendLine(card.SystemPrompt.Trim());
            if (card.PostHistoryInstructions.Length > 0) text.AppendLine(card.PostHistoryInstructions.Trim());
        }
        text.AppendLine();
        text.Append(Rules);
        return Cards.CardMacros.Apply(text.ToString(), agent.Name, context.UserName);
    }

    private static void LoreBlock(StringBuilder text, string title, IEnumerable<Lore.ActivatedLore> entries)
    {
        var first = true;
        foreach (var entry in entries)
        {
            if (first) text.AppendLine(title);
            first = false;
            text.Append("- ").AppendLine(entry.Entry.Content.Trim());
        }
    }

    private static void Line(StringBuilder text, string label, string value)
    {
        if (value.Length > 0) text.Append(label).Append(": ").AppendLine(value);
    }

    /// <summary>"earlier today", "yesterday", "on Monday", "3 days ago" — in the agent's time.</summary>
    public static string When(DateTimeOffset at, LocalMoment now)
    {
        var local = TimeZoneInfo.ConvertTime(at, AgentClock.ZoneOf(now.TimeZone)).DateTime;
        var days = (now.Local.Date - local.Date).Days;
        return days switch
        {
            <= 0 => $"earlier this {AgentClock.PartOfDay(local.Hour)}" is var s && AgentClock.PartOfDay(local.Hour) == now.PartOfDay ? s : "earlier today",
            1 => "yesterday",
            < 7 => "on " + local.DayOfWeek,
            _ => $"{days} days ago",
        };
    }
}
