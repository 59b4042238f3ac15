using Hearth.Companions;

namespace Hearth.Life;

/// <summary>An offline life-event template. <c>{city}</c>, <c>{job}</c> and <c>{scenario}</c> are filled in.</summary>
/// <param name="When">Parts of day it fits (morning, afternoon, evening, night); empty: any.</param>
internal sealed record EventTemplate(string Id, string Kind, AvailabilityState State, string[] When, string Text, double Mood);

/// <summary>Something to write first about when nothing just happened.</summary>
internal sealed record TopicTemplate(string Id, string[] When, string Text);

/// <summary>The offline texts of the life: varied enough that a week never repeats one within the repeat window.</summary>
internal static class LifeTemplates
{
    private static readonly string[] Day = ["morning", "afternoon"];
    private static readonly string[] Late = ["afternoon", "evening"];
    private static readonly string[] Any = [];

    public static readonly EventTemplate[] Events =
    [
        new("free.market", "activity", AvailabilityState.Free, Day, "I went to the market in {city} and came back with far too many tomatoes.", 0.08),
        new("free.run", "activity", AvailabilityState.Free, ["morning", "evening"], "I went for a run along the river and actually beat my time.", 0.12),
        new("free.toast", "mishap", AvailabilityState.Free, ["morning"], "I burnt the toast. Twice. The kitchen still smells of it.", -0.06),
        new("free.book", "activity", AvailabilityState.Free, Any, "I finally started that novel everyone keeps recommending — three chapters in already.", 0.06),
        new("free.call-mum", "social", AvailabilityState.Free, Late, "I had a long call with my mum; she told me all the neighbourhood gossip.", 0.07),
        new("free.rain", "weather", AvailabilityState.Free, Any, "I got caught in a sudden downpour without an umbrella and came home soaked.", -0.08),
        new("free.cooking", "activity", AvailabilityState.Free, ["evening"], "I tried a new curry recipe tonight and it turned out better than expected.", 0.1),
        new("free.plants", "home", AvailabilityState.Free, Day, "I repotted my plants; the basil looks much happier now.", 0.05),
        new("free.cafe", "activity", AvailabilityState.Free, Day, "I found a tiny café in {city} with the best cinnamon buns I've ever had.", 0.1),
        new("free.laundry", "home", AvailabilityState.Free, Any, "I spent ages on laundry and still lost a sock somewhere.", -0.03),
        new("free.friend", "social", AvailabilityState.Free, Late, "I bumped into an old friend I hadn't seen in years and we talked for an hour.", 0.12),
        new("free.movie", "activity", AvailabilityState.Free, ["evening", "night"], "I watched an old film I loved as a kid — it holds up surprisingly well.", 0.06),
        new("free.walk", "activity", AvailabilityState.Free, Day, "I took a long walk through the park; the light was lovely.", 0.07),
        new("free.bike", "mishap", AvailabilityState.Free, Day, "I got a flat tyre on my bike halfway across {city}.", -0.08),
        new("free.puzzle", "activity", AvailabilityState.Free, ["evening", "night"], "I stayed up doing a jigsaw puzzle and I'm missing exactly one piece.", -0.02),
        new("free.music", "activity", AvailabilityState.Free, Any, "I found a new album that I've now played on repeat all day.", 0.08),
        new("free.bake", "activity", AvailabilityState.Free, Late, "I baked bread from scratch; it's a bit flat but it tastes great.", 0.07),
        new("free.neighbour", "social", AvailabilityState.Free, Any, "My neighbour's cat wandered in and made itself at home on my sofa.", 0.09),
        new("free.clean", "home", AvailabilityState.Free, Day, "I finally cleaned out the cupboard under the sink. Very satisfying.", 0.05),
        new("free.swim", "activity", AvailabilityState.Free, Day, "I went swimming and the pool was almost empty for once.", 0.08),
        new("free.museum", "activity", AvailabilityState.Free, ["afternoon"], "I wandered through a small museum in {city} I'd never noticed before.", 0.08),
        new("free.sleepless", "mood", AvailabilityState.Free, ["night"], "I couldn't switch my head off and ended up reorganising my bookshelf.", -0.04),
        new("free.stars", "activity", AvailabilityState.Free, ["night", "evening"], "I sat on the balcony and watched the stars for a while.", 0.07),
        new("free.phone", "mishap", AvailabilityState.Free, Any, "I dropped my phone and cracked the corner of the screen.", -0.1),
        new("free.letter", "social", AvailabilityState.Free, Any, "I got a handwritten postcard from a friend who's travelling.", 0.1),
        new("work.meeting", "work", AvailabilityState.Working, Day, "I sat through a meeting that really could have been an email.", -0.05),
        new("work.praise", "work", AvailabilityState.Working, Day, "My manager said my work as a {job} this week was excellent.", 0.14),
        new("work.coffee", "work", AvailabilityState.Working, ["morning"], "The office coffee machine broke, and everyone is a little grumpy.", -0.05),
        new("work.lunch", "social", AvailabilityState.Working, ["afternoon"], "I had lunch with a colleague who turns out to love the same bands as me.", 0.08),
        new("work.deadline", "work", AvailabilityState.Working, Day, "A deadline moved up by two days, so it's all hands on deck.", -0.1),
        new("work.fixed", "work", AvailabilityState.Working, Day, "I fixed a problem that had been bugging the whole team for a week.", 0.12),
        new("work.printer", "mishap", AvailabilityState.Working, Day, "The printer ate an important document right before I needed it.", -0.06),
        new("work.cake", "social", AvailabilityState.Working, ["afternoon"], "Someone brought cake to work for their birthday — a very good cake.", 0.07),
        new("work.commute", "mishap", AvailabilityState.Working, ["morning"], "My train was late again, so I arrived at work flustered.", -0.07),
        new("work.idea", "work", AvailabilityState.Working, Day, "I had an idea at work that people actually got excited about.", 0.1),
        new("work.quiet", "work", AvailabilityState.Working, ["afternoon"], "It was a quiet afternoon at work, so I finally cleared my inbox.", 0.04),
        new("work.training", "work", AvailabilityState.Working, Day, "I spent the morning in a training session that was surprisingly useful.", 0.04),
    ];

    /// <summary>Scenario-flavoured events (used while a scenario is active).</summary>
    public static readonly EventTemplate[] ScenarioEvents =
    [
        new("scenario.progress", "scenario", AvailabilityState.Free, Any, "I made real progress today with {scenario}.", 0.1),
        new("scenario.setback", "scenario", AvailabilityState.Free, Any, "I hit a snag with {scenario} and it's been nagging at me.", -0.08),
        new("scenario.thinking", "scenario", AvailabilityState.Free, Any, "I spent a while thinking about {scenario} and how it's changing things.", 0.02),
        new("scenario.told", "scenario", AvailabilityState.Free, Any, "I told a friend all about {scenario}; saying it out loud helped.", 0.06),
        new("scenario.plan", "scenario", AvailabilityState.Free, Any, "I wrote out a plan for {scenario} — it feels more manageable now.", 0.06),
    ];

    public static readonly TopicTemplate[] Topics =
    [
        new("checkin.morning", ["morning"], "Morning! Did you sleep well?"),
        new("checkin.lunch", ["afternoon"], "What did you have for lunch today? I need inspiration."),
        new("checkin.evening", ["evening"], "How was your day? Anything good happen?"),
        new("question.weekend", Any, "Got any plans for the weekend?"),
        new("question.song", Any, "What song have you had stuck in your head lately?"),
        new("question.book", Any, "Read anything good recently? I'm looking for my next book."),
        new("question.travel", Any, "If you could be anywhere right now, where would you go?"),
        new("question.food", Late, "Sweet or savoury snacks — which team are you on?"),
        new("question.childhood", Late, "What's a smell that takes you straight back to childhood?"),
        new("question.movie", ["evening"], "Watched anything good lately? I need a recommendation."),
        new("thought.missed", Any, "Random thought: I was wondering how you've been."),
        new("thought.weather", Day, "The weather here is doing its own thing today. What's it like where you are?"),
        new("thought.photo", Any, "I saw something today that made me think of our last chat."),
        new("question.skill", Any, "Is there something you've always wanted to learn?"),
        new("question.best", Late, "What was the best part of your week so far?"),
        new("question.tea", Day, "Tea or coffee today? I'm on my third cup already."),
        new("question.place", Any, "What's your favourite spot in your town?"),
        new("question.small-joy", Any, "Tell me one small thing that made you smile recently."),
        new("question.music-live", Late, "When did you last go to a concert?"),
        new("question.cooking", ["evening"], "Cooking anything nice tonight?"),
        new("thought.memory", Any, "I keep thinking about something you told me a while ago. How did that turn out?"),
        new("question.pet", Any, "Dogs or cats? This is important."),
        new("question.season", Any, "Which season do you like best, and why?"),
        new("question.hobby", Late, "What do you do when you want to switch your brain off?"),
        new("question.dream", ["morning"], "Did you dream anything strange last night? I did."),
        new("question.goal", Any, "What's one thing you want to get done this week?"),
        new("question.sunday", Any, "What does a perfect lazy day look like for you?"),
        new("question.game", ["evening"], "Do you play any games? I could use a new one."),
        new("question.trip", Any, "What's the best trip you've ever been on?"),
        new("question.language", Any, "Is there a language you'd love to speak?"),
        new("thought.quote", Any, "I read a line today that stuck with me: 'Be where your feet are.' Thought you'd like it."),
        new("question.breakfast", ["morning"], "What's your go-to breakfast?"),
    ];

    /// <summary>Ways to share an event, so the same shape is not sent twice in a row.</summary>
    public static readonly string[] ShareEndings =
    [
        " Thought you'd want to know. How are you?",
        " Anyway — how's your day going?",
        " Had to tell someone, so you're it!",
        " What have you been up to?",
        " How about you, anything new?",
    ];

    public static string Fill(string text, Agent agent, Scenario? scenario) => text
        .Replace("{city}", agent.HomeCity.Length > 0 ? agent.HomeCity : "town", StringComparison.Ordinal)
        .Replace("{job}", agent.Occupation.Length > 0 ? agent.Occupation : "team member", StringComparison.Ordinal)
        .Replace("{scenario}", scenario is null ? "my plans" : Lower(scenario.Title), StringComparison.Ordinal);

    private static string Lower(string title) => title.Length > 1 && char.IsUpper(title[0]) && !char.IsUpper(title[1]) ? char.ToLowerInvariant(title[0]) + title[1..] : title;
}
