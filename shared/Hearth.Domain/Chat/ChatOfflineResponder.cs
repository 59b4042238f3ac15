using System.Text;
using System.Text.RegularExpressions;
using Hearth.Companions;

namespace Hearth.Chat;

/// <summary>
/// The companion's voice when no model is configured or none answers: short, persona-consistent replies assembled from
/// templates by intent (greeting, question about the agent, feelings, thanks, goodbye, picture), with the agent's day
/// (availability, part of day, weather, scenario, life events), mood and memory woven in. Deterministic for a given seed
/// (tests can assert on it); the chat turn seeds it per turn and never repeats the previous reply word for word.
/// It never claims to be a model: replies are labelled <c>offline</c> by the chain, not in the text.
/// </summary>
public static partial class ChatOfflineResponder
{
    [GeneratedRegex(@"^\W*(?:hi|hello|hey|heya|hiya|yo|sup|morning|good (?:morning|afternoon|evening)|howdy)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Greeting();

    [GeneratedRegex(@"\b(?:bye|goodbye|good ?night|gn|see (?:you|ya)|talk (?:to you )?later|ttyl|gotta go|off to bed)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Farewell();

    [GeneratedRegex(@"\b(?:thanks|thank you|thx|ty|appreciate it)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Thanks();

    [GeneratedRegex(@"\bhow (?:are|r) (?:you|u)\b|\bhow(?:'s| is) (?:it going|your day|life)\b|\bhow have you been\b|\byou ok(?:ay)?\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex HowAreYou();

    [GeneratedRegex(@"\bwhat(?:'re| are) (?:you|u) (?:doing|up to)\b|\bwhat(?:'s| is) up\b|\bwyd\b|\bwhat have you been up to\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex WhatAreYouDoing();

    [GeneratedRegex(@"\?\s*$|^\s*(?:what|why|how|when|where|who|which|do|does|did|are|is|can|could|would|will|should)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Question();

    /// <summary>Writes the reply. <paramref name="seed"/> picks among the templates; the same inputs and seed give the same text.</summary>
    public static string Reply(ReplyContext context, int seed)
    {
        var text = Compose(context, new Random(seed));
        if (context.PreviousReply is { } previous && string.Equals(previous, text, StringComparison.Ordinal))
            text = Compose(context, new Random(unchecked(seed * 31 + 7)));
        return Style(text, context.Agent.SpeakingStyle, seed);
    }

    /// <summary>A per-turn seed: the agent and how many messages it has exchanged (stable across a retry of the same turn).</summary>
    public static int SeedFor(string agentId, int turnIndex) => unchecked((int)StableHash.Of(agentId, turnIndex.ToString(System.Globalization.CultureInfo.InvariantCulture)));

    private static string Compose(ReplyContext context, Random random)
    {
        var agent = context.Agent;
        var user = context.UserText.Trim();
        var parts = new List<string>();
        var (sentiment, insult, _) = Sentiment.Analyse(user);
        var asleep = context.Availability == AvailabilityState.Asleep;
        var part = context.Moment.PartOfDay;

        if (asleep) parts.Add(Pick(random, "Mm… you woke me up.", "*yawns* It's the middle of the night here.", "Hey… I was fast asleep.", "Mmh, sleepy me is here."));

        if (context.Picture is { } picture)
        {
            parts.Add(picture.Outcome switch
            {
                "started" => Pick(random, "Okay, give me a sec — sending you one.", "Hold on, let me find my good side… on its way!", "Fine, just for you. It's coming through now.", "Here, one picture coming right up."),
                "asleep" => Pick(random, "Not now, I look like a pillow. Ask me tomorrow?", "No pictures at this hour, I'm half asleep.", "Tomorrow, when I'm awake and presentable."),
                "affinity" => Pick(random, "A picture? We're only just getting to know each other.", "Maybe once I know you a bit better.", "Ha, not yet. Talk to me a little more first."),
                "daily-cap" => Pick(random, "You've had enough of my face for one day!", "That's plenty of pictures for today. Tomorrow, maybe.", "No more today, I'm camera-shy now."),
                _ => Pick(random, "I can't send a picture right now, sorry.", "No camera at hand right now — later, maybe.", "Pictures will have to wait, I can't right now."),
            });
            return Join(parts);
        }

        if (insult)
        {
            parts.Add(Pick(random, "Wow. That stung.", "Okay, that wasn't very kind.", "Hey, there's no need for that.", "That hurt a bit, honestly."));
            parts.Add(Pick(random, "Did something happen?", "Rough day?", "Want to try that again?"));
            return Join(parts);
        }

        if (Farewell().IsMatch(user))
        {
            parts.Add(part == "night"
                ? Pick(random, "Good night! Sleep well.", "Night night — sweet dreams.", "Sleep tight, talk tomorrow.")
                : Pick(random, "Talk soon!", "Okay, catch you later!", "Bye for now — come back soon.", "See you! Take care."));
            return Join(parts);
        }

        if (!asleep && Greeting().IsMatch(user))
            parts.Add(Pick(random, Greet(part), "Hey you!", "Oh hi!", "There you are!", "Hello hello!"));

        // A question its state can answer gets the answer (time, weather, home, work, what it is doing, who it is, what the
        // user told it), or an honest "you never told me".
        if (!HowAreYou().IsMatch(user) && OfflineAnswers.Answer(context, random) is { } answer)
        {
            parts.Add(answer);
            return Join(parts);
        }

        if (HowAreYou().IsMatch(user))
        {
            parts.Add($"I'm {MoodPhrase(agent.Mood, random)}{Doing(context, random)}.");
            Flavour(context, random, parts, 0.6);
            parts.Add(Pick(random, "How about you?", "And you?", $"How's your {PartForUser(part)} going?", "What about you?"));
        }
        else if (WhatAreYouDoing().IsMatch(user))
        {
            parts.Add(Activity(context, random));
            Flavour(context, random, parts, 0.5);
            parts.Add(Pick(random, "You?", "What are you up to?", "And you?"));
        }
        else if (Thanks().IsMatch(user))
        {
            parts.Add(Pick(random, "Anytime!", "Of course.", "You're welcome.", "Happy to, really."));
        }
        else if (sentiment < -0.15)
        {
            parts.Add(Pick(random, "Oh no, that sounds hard.", "I'm sorry. That's a lot.", "That sounds really rough.", "Hey, I'm here."));
            parts.Add(Pick(random, "Do you want to talk about it?", "What happened?", "Is there anything that would help right now?", "I'm listening."));
        }
        else if (sentiment > 0.15)
        {
            parts.Add(Pick(random, "I love that!", "That makes me so happy to hear.", "Yay, that's great!", "Aw, that's lovely."));
            MaybeMemory(context, random, parts, 0.4);
            parts.Add(Pick(random, "Tell me more?", "What happened next?", "You made my " + PartForUser(part) + "."));
        }
        else if (Question().IsMatch(user))
        {
            // A question nothing it knows answers: it says so rather than pretend.
            parts.Add(Pick(random, "Hmm, good question.", "Honestly? Let me think.", "Ooh, tricky one.", "That's a fun one to think about."));
            parts.Add(Pick(random, "I don't really have an answer to that one.", "I'm honestly not sure.", "I couldn't tell you, to be honest."));
            parts.Add(Pick(random, "What do you think?", "What made you wonder?", "Where do you land on it?"));
        }
        else
        {
            parts.Add(Pick(random, "I hear you.", "Mm, I get that.", "Oh, really?", "Huh, interesting.", "That's fair."));
            if (!MaybeMemory(context, random, parts, 0.5)) Flavour(context, random, parts, 0.35);
            parts.Add(Pick(random, "Tell me more.", "And then?", "How do you feel about it?", "What's next for you?"));
        }
        return Join(parts);
    }

    private static string Greet(string part) => part switch
    {
        "morning" => "Morning!",
        "afternoon" => "Hey, good afternoon!",
        "evening" => "Evening!",
        _ => "Hey, night owl!",
    };

    /// <summary>The user's part of day is unknown here; "day" is safe at any hour except the agent's night.</summary>
    private static string PartForUser(string part) => part == "night" ? "night" : "day";

    private static string MoodPhrase(double mood, Random random) => Feelings.MoodLabel(mood) switch
    {
        "upset" => Pick(random, "honestly not great", "having a pretty bad day"),
        "low" => Pick(random, "a bit low, to be honest", "okay-ish, a little flat"),
        "calm" => Pick(random, "alright", "doing okay", "pretty steady"),
        "cheerful" => Pick(random, "pretty good", "good, actually", "in a good mood"),
        _ => Pick(random, "really great", "on top of the world", "so good today"),
    };

    private static string Doing(ReplyContext context, Random random) => context.Availability switch
    {
        AvailabilityState.Working => Pick(random, ", just sneaking a break from work", ", busy with work but glad you wrote", ""),
        AvailabilityState.Asleep => "",
        _ => Pick(random, ", finally have some time to myself", ", just taking it easy", ""),
    };

    private static string Activity(ReplyContext context, Random random)
    {
        var agent = context.Agent;
        if (context.RecentEvents.Count > 0 && random.NextDouble() < 0.6)
        {
            var e = context.RecentEvents[0];
            return $"Not much right now — {ChatPrompt.When(e.OccurredAt, context.Moment)} {OfflineAnswers.EventSentence(e.Text)}";
        }
        return context.Availability switch
        {
            AvailabilityState.Working when agent.Occupation.Length > 0 => Pick(random, $"Working — the {agent.Occupation} life never stops.", $"Still at work. Being {OfflineAnswers.Article(agent.Occupation)} {agent.Occupation} keeps me busy."),
            AvailabilityState.Working => Pick(random, "Still at work, sadly.", "Working, but happy for the distraction."),
            _ => context.Moment.PartOfDay switch
            {
                "morning" => Pick(random, "Having coffee and slowly waking up.", "Just started my morning."),
                "afternoon" => Pick(random, "Lazy afternoon, nothing big.", "Running a few errands."),
                "evening" => Pick(random, "Winding down for the evening.", "Making dinner, sort of."),
                _ => Pick(random, "Up late, as usual.", "Should be sleeping, honestly."),
            },
        };
    }

    /// <summary>Adds one touch of the agent's world (scenario, event, weather) with the given chance.</summary>
    private static void Flavour(ReplyContext context, Random random, List<string> parts, double chance)
    {
        if (random.NextDouble() >= chance) return;
        var options = new List<string>();
        if (context.Scenario is { } scenario) options.Add($"{Capital(scenario.Title.TrimEnd('.'))} is taking up a lot of my head lately.");
        if (context.RecentEvents.Count > 0)
        {
            var e = context.RecentEvents[random.Next(context.RecentEvents.Count)];
            options.Add($"{Capital(ChatPrompt.When(e.OccurredAt, context.Moment))} {OfflineAnswers.EventSentence(e.Text)}");
        }
        if (context.Weather is { } weather && context.Agent.HomeCity.Length > 0)
            options.Add($"It's {weather.Summary} here in {context.Agent.HomeCity}.");
        if (options.Count > 0) parts.Add(options[random.Next(options.Count)]);
    }

    /// <summary>
    /// Brings up a remembered fact (a structured memory, said back in its own words), with the given chance. Never quotes the
    /// user's messages back at them: an echo reads as a parrot, not a friend.
    /// </summary>
    private static bool MaybeMemory(ReplyContext context, Random random, List<string> parts, double chance)
    {
        if (random.NextDouble() >= chance) return false;
        var fact = context.Recall.Warm.FirstOrDefault(m => m.Kind != Memory.MemoryKinds.Self && m.Snippet.Length <= 160);
        if (fact is null) return false;
        parts.Add($"I remember you told me {OfflineAnswers.SecondPerson(fact.Snippet)}.");
        return true;
    }

    private static string Style(string text, string style, int seed)
    {
        var s = style.ToLowerInvariant();
        if (s.Contains("lowercase", StringComparison.Ordinal) || s.Contains("lower case", StringComparison.Ordinal)) text = text.ToLowerInvariant();
        if (s.Contains("emoji", StringComparison.Ordinal) && !s.Contains("no emoji", StringComparison.Ordinal))
            text += " " + new[] { "🙂", "✨", "😊", "🌿", "💛" }[(seed & 0x7fffffff) % 5];
        return text;
    }

    private static string Pick(Random random, params string[] options) => options[random.Next(options.Length)];

    private static string Join(List<string> parts)
    {
        var builder = new StringBuilder();
        foreach (var p in parts.Where(p => p.Length > 0))
        {
            if (builder.Length > 0) builder.Append(' ');
            builder.Append(p);
        }
        return builder.ToString();
    }

    private static string Capital(string text) => text.Length > 0 ? char.ToUpperInvariant(text[0]) + text[1..] : text;
}
