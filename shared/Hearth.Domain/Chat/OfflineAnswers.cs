using System.Globalization;
using System.Text.RegularExpressions;
using Hearth.Companions;
using Hearth.Memory;

namespace Hearth.Chat;

/// <summary>
/// Direct answers the offline companion can give from what it knows: its local time and day, the weather where it
/// lives, where it lives, its work, what it is doing (availability, scenario, its day), who it is, and what the user told
/// it (a remembered fact, quoted back in its own words). A question about the user that memory cannot answer gets an
/// honest "you never told me". Null when the message is not such a question (the responder's other intents answer).
/// </summary>
internal static partial class OfflineAnswers
{
    private const RegexOptions Options = RegexOptions.IgnoreCase | RegexOptions.CultureInvariant;

    [GeneratedRegex(@"\bwhat(?:'s| is)?\s+(?:the\s+)?time\b|\bwhat\s+time\s+is\s+it\b|\bhow\s+late\s+is\s+it\b|\btime\s+(?:is\s+it\s+)?(?:there|where\s+you\s+(?:are|live))\b", Options)]
    private static partial Regex TimeQuestion();

    [GeneratedRegex(@"\bwhat\s+day\s+is\s+(?:it|today)\b|\bwhat(?:'s| is)\s+(?:the\s+|today's\s+)?(?:day|date)\b|\bwhat(?:'s| is)\s+today\b|\bwhich\s+day\s+is\s+it\b", Options)]
    private static partial Regex DayQuestion();

    [GeneratedRegex(@"\bweather\b|\btemperature\b|\bhow(?:'s| is)\s+it\s+outside\b|\b(?:is\s+it|it's)\s+(?:still\s+)?(?:raining|sunny|cold|hot|warm|snowing|windy|nice\s+out)\b", Options)]
    private static partial Regex WeatherQuestion();

    [GeneratedRegex(@"\bin\s+(?<city>(?-i:\p{Lu})[\p{L}'-]+(?:\s+(?-i:\p{Lu})[\p{L}'-]+)?)", RegexOptions.CultureInvariant)]
    private static partial Regex NamedCity();

    [GeneratedRegex(@"\bwhere\s+(?:do|d'?you|did)\s*(?:you\s+)?live\b|\bwhere\s+are\s+you\s+(?:from|based|living|staying)\b|\bwhere(?:'s| is)\s+(?:your\s+)?home\b|\bwhich\s+(?:city|town|country)\b.*\byou\b|\bwhere\s+are\s+you\s*\?*\s*$|\bwhere\s+do\s+you\s+stay\b", Options)]
    private static partial Regex WhereQuestion();

    [GeneratedRegex(@"\bwhat\s+do\s+you\s+do\s*(?:for\s+(?:work|a\s+living))?\s*\?*\s*$|\bwhat\s+do\s+you\s+do\s+for\s+(?:work|a\s+living)\b|\bwhat(?:'s| is)\s+your\s+(?:job|work|profession|occupation)\b|\bwhere\s+do\s+you\s+work\b|\bwhat\s+do\s+you\s+work\s+as\b|\bwhat\s+(?:kind|sort)\s+of\s+work\b|\bdo\s+you\s+(?:have\s+a\s+)?(?:job|work)\b|\bwhat(?:'s| is)\s+your\s+line\s+of\s+work\b", Options)]
    private static partial Regex JobQuestion();

    [GeneratedRegex(@"\bwhat(?:'re| are)\s+(?:you|u)\s+(?:doing|up\s+to)\b|\bwyd\b|\bwhat\s+have\s+you\s+been\s+up\s+to\b|\bare\s+you\s+(?:busy|working|at\s+work|free|awake|asleep)\b|\bwhat(?:'s| is)\s+going\s+on\s+(?:with\s+you|in\s+your\s+life)\b", Options)]
    private static partial Regex DoingQuestion();

    [GeneratedRegex(@"\bwho\s+are\s+you\b|\bwhat(?:'s| is)\s+your\s+name\b|\btell\s+me\s+(?:about|more\s+about)\s+yourself\b|\bintroduce\s+yourself\b|\bdescribe\s+yourself\b", Options)]
    private static partial Regex WhoQuestion();

    [GeneratedRegex(@"\b(?:do|did)\s+you\s+(?:still\s+)?remember\b|\bremember\s+(?:what|when|where|who|my|the)\b|\b(?:my|mine)\b|\b(?:did|have|do|am|was)\s+i\b|\bi\s+(?:told|said|mentioned)\b", Options)]
    private static partial Regex AboutTheUser();

    [GeneratedRegex(@"^\W*(?:do|did|would|could|can|will|are|have|should)\s+you\b(?!\s+(?:still\s+)?(?:remember|know|recall))", Options)]
    private static partial Regex AsksTheAgent();

    [GeneratedRegex(@"\?\s*$|^\s*(?:what|why|how|when|where|who|which|whose|do|does|did|are|is|can|could|would|will|should|have|has)\b", Options)]
    private static partial Regex Question();

    [GeneratedRegex(@"[\p{L}\p{N}']+", RegexOptions.CultureInvariant)]
    private static partial Regex Words();

    [GeneratedRegex(@"(?<=[.!?…])\s+|\n+", RegexOptions.CultureInvariant)]
    private static partial Regex Sentences();

    /// <summary>The answer, or null when the message is not a question these answer.</summary>
    public static string? Answer(ReplyContext context, Random random)
    {
        var text = context.UserText.Trim();
        if (!Question().IsMatch(text) && !DoingQuestion().IsMatch(text) && !WhoQuestion().IsMatch(text)) return null;
        var agent = context.Agent;
        var here = agent.HomeCity.Length > 0 ? $"here in {agent.HomeCity}" : "here";

        if (TimeQuestion().IsMatch(text) || DayQuestion().IsMatch(text))
        {
            var local = context.Moment.Local;
            var day = local.ToString("dddd", CultureInfo.InvariantCulture);
            var clock = local.ToString("HH:mm", CultureInfo.InvariantCulture);
            var part = context.Moment.PartOfDay;
            return DayQuestion().IsMatch(text) && !TimeQuestion().IsMatch(text)
                ? $"It's {day}, {local.ToString("d MMMM", CultureInfo.InvariantCulture)}, {here} — {clock} in the {PartPhrase(part)}."
                : $"It's {clock} on {day} {(part == "night" ? "night" : part)} {here}.";
        }

        if (WeatherQuestion().IsMatch(text))
        {
            var asked = NamedCity().Match(text) is { Success: true } m ? m.Groups["city"].Value : null;
            var elsewhere = asked is not null && agent.HomeCity.Length > 0 && !agent.HomeCity.Contains(asked, StringComparison.OrdinalIgnoreCase)
                && !asked.Contains(agent.HomeCity, StringComparison.OrdinalIgnoreCase);
            if (context.Weather is not { } weather)
                return "Honestly, I haven't looked outside yet, so I couldn't tell you.";
            return elsewhere
                ? $"No idea what it's like in {asked}, but {here} it's {weather.Summary}."
                : $"It's {weather.Summary} {here} right now.";
        }

        if (WhoQuestion().IsMatch(text))
        {
            var who = $"I'm {agent.Name}";
            if (agent.Occupation.Length > 0 && agent.HomeCity.Length > 0) who += $", {Article(agent.Occupation)} {agent.Occupation} in {agent.HomeCity}";
            else if (agent.Occupation.Length > 0) who += $", {Article(agent.Occupation)} {agent.Occupation}";
            else if (agent.HomeCity.Length > 0) who += $" from {agent.HomeCity}";
            who += ".";
            if (agent.Personality.Length > 0) who += $" People tell me I'm {agent.Personality.TrimEnd('.')}.";
            return who;
        }

        if (JobQuestion().IsMatch(text))
        {
            if (agent.Occupation.Length == 0) return "I'm between jobs at the moment, honestly.";
            var job = $"I'm {Article(agent.Occupation)} {agent.Occupation}{(agent.HomeCity.Length > 0 ? $" in {agent.HomeCity}" : "")}.";
            return context.Availability == AvailabilityState.Working ? job + " I'm at work right now, actually." : job;
        }

        if (WhereQuestion().IsMatch(text))
            return agent.HomeCity.Length > 0 ? $"I live in {agent.HomeCity}." : "I've never settled anywhere long enough to call it home.";

        if (DoingQuestion().IsMatch(text))
        {
            var now = context.Availability switch
            {
                AvailabilityState.Working when agent.Occupation.Length > 0 => $"I'm at work — a {agent.Occupation}'s day doesn't stop.",
                AvailabilityState.Working => "I'm at work right now.",
                AvailabilityState.Asleep => "I was asleep, honestly.",
                _ => $"I'm free right now, {context.Moment.PartOfDay switch { "morning" => "having a slow morning", "afternoon" => "taking the afternoon easy", "evening" => "winding down for the evening", _ => "up late" }}.",
            };
            if (context.RecentEvents.Count > 0) now += $" {Capital(ChatPrompt.When(context.RecentEvents[0].OccurredAt, context.Moment))} {EventSentence(context.RecentEvents[0].Text)}";
            if (context.Scenario is { } scenario) now += $" And {Lower(scenario.Title.TrimEnd('.'))} is taking up a lot of my head lately.";
            return now;
        }

        if (!AsksTheAgent().IsMatch(text) && (AboutTheUser().IsMatch(text) || NamesSomeone(text, agent.Name)))
        {
            var fact = Remembered(context);
            if (fact is not null)
                return Pick(random, $"Of course — you told me {fact}.", $"I do: you told me {fact}.", $"You told me {fact}.");
            return Pick(random, "I don't know — I don't think you've ever told me.", "Honestly, I don't know. You never told me that.", "You never told me that, so I don't know. Tell me?");
        }
        return null;
    }

    /// <summary>An event of the agent's day as a sentence in its own voice ("I went to the market.").</summary>
    public static string EventSentence(string text)
    {
        var t = text.Trim().TrimEnd('.', '!', ' ');
        if (t.Length == 0) return "";
        var first = t.Split(' ', 2)[0];
        var own = first is "I" or "I'm" or "I've" or "I'd" or "I'll" or "My" || first.StartsWith("I’", StringComparison.Ordinal);
        var sentence = own ? t : "I " + Lower(t);
        return sentence + ".";
    }

    /// <summary>
    /// The fact memory holds that answers the question: every word the question is about (beyond the question words) must be
    /// in it, synonyms allowed ("pet" finds "cat", "lives" finds "moved"). Rendered in the second person ("your sister Priya
    /// moved to Lisbon in March"). Sources: structured memories, the user's own earlier messages (never the agent's).
    /// </summary>
    internal static string? Remembered(ReplyContext context)
    {
        var terms = Terms(context.UserText).Where(t => !t.Equals(context.Agent.Name, StringComparison.OrdinalIgnoreCase)).ToList();
        if (terms.Count == 0) return null;
        var candidates = new List<string>();
        candidates.AddRange(context.Recall.Warm.Where(m => m.Kind != MemoryKinds.Self).Select(m => m.Snippet));
        candidates.AddRange(context.Recall.Hot.Select(m => UserPart(m.Snippet)));
        // An indexed exchange is the user's words on its first line, then the reply; a window holds several, blank-line separated.
        candidates.AddRange(context.Recall.Cold.SelectMany(m => m.Snippet.Split(TurnDocuments.ExchangeSeparator)).Select(block => block.Split('\n')[0]));
        candidates.AddRange(context.RecentMessages.Where(m => m.Role == "user").Select(m => m.Text));
        var current = context.UserText.Trim();
        foreach (var candidate in candidates)
        {
            foreach (var sentence in Sentences().Split(candidate).Select(s => s.Trim()).Where(s => s.Length > 2))
            {
                if (string.Equals(sentence, current, StringComparison.OrdinalIgnoreCase) || Question().IsMatch(sentence)) continue;
                var words = Terms(sentence).SelectMany(Related).ToHashSet(StringComparer.OrdinalIgnoreCase);
                if (terms.All(t => Related(t).Any(words.Contains))) return SecondPerson(sentence);
            }
        }
        return null;
    }

    private static string UserPart(string snippet)
    {
        var arrow = snippet.IndexOf(" → ", StringComparison.Ordinal);
        return arrow >= 0 ? snippet[..arrow] : snippet;
    }

    /// <summary>Words that say what the question is about (question words, pronouns and fillers removed), lower case and stemmed.</summary>
    private static List<string> Terms(string text) =>
        Words().Matches(text).Select(m => Stem(m.Value.ToLowerInvariant().Replace("’", "'", StringComparison.Ordinal)))
            .Where(w => w.Length >= 3 && !Filler.Contains(w)).Distinct().ToList();

    private static string Stem(string word)
    {
        if (word.EndsWith("'s", StringComparison.Ordinal)) word = word[..^2];
        if (word.Length > 4 && word.EndsWith("ies", StringComparison.Ordinal)) return word[..^3] + "y";
        if (word.Length > 4 && word.EndsWith('s') && !word.EndsWith("ss", StringComparison.Ordinal)) return word[..^1];
        return word;
    }

    private static readonly HashSet<string> Filler = new(StringComparer.Ordinal)
    {
        "what", "whats", "what's", "where", "where's", "when", "who", "who's", "whose", "which", "why", "how", "does", "did", "do", "doe", "is", "are", "was", "were",
        "the", "and", "you", "your", "you're", "yours", "my", "mine", "me", "i'm", "i've", "i'd", "remember", "recall", "know", "tell", "told", "say", "said", "mention",
        "mentioned", "again", "now", "still", "ever", "these", "day", "days", "currently", "lately", "name", "called", "call", "there", "that", "this", "can", "could",
        "would", "will", "should", "have", "has", "had", "about", "with", "for", "from", "again", "please", "just", "think", "thing", "any", "anything", "something",
        "real", "really", "exactly", "get", "got", "the", "use", "used", "one", "kind", "sort", "our", "we", "us", "again", "it", "its", "it's", "was", "being", "been",
        "hey", "okay", "hmm", "well", "so", "then", "than", "much", "many", "long", "very", "also", "too", "not", "no", "yes", "who'", "whom", "doing",
    };

    /// <summary>Words that answer for one another in a question and a fact.</summary>
    private static readonly string[][] Synonyms =
    [
        ["pet", "cat", "dog", "kitten", "puppy", "hamster", "rabbit", "bunny", "parrot", "bird", "fish", "turtle", "tortoise", "guinea", "kitty", "horse"],
        ["live", "lived", "living", "move", "moved", "home", "based", "stay", "stayed", "reside"],
        ["work", "worked", "working", "job", "occupation", "profession", "employed"],
        ["mum", "mom", "mother", "mama", "mommy"],
        ["dad", "father", "papa", "daddy"],
        ["grandmother", "grandma", "granny", "nana"],
        ["grandfather", "grandpa", "granddad", "grandad"],
        ["partner", "wife", "husband", "boyfriend", "girlfriend", "fiance", "fiancee", "spouse"],
        ["birthday", "born"],
        ["like", "love", "enjoy", "favourite", "favorite", "adore", "prefer"],
    ];

    private static IEnumerable<string> Related(string word)
    {
        yield return word;
        foreach (var group in Synonyms)
            if (group.Contains(word))
                foreach (var other in group) if (other != word) yield return other;
    }

    /// <summary>A capitalised word inside a sentence (not its first word, not "I", not the agent): someone or somewhere the user named.</summary>
    private static bool NamesSomeone(string text, string agentName)
    {
        foreach (var sentence in Sentences().Split(text))
        {
            var words = Words().Matches(sentence).Select(m => m.Value).ToList();
            for (var i = 1; i < words.Count; i++)
                if (char.IsUpper(words[i][0]) && words[i] != "I" && !words[i].StartsWith("I'", StringComparison.Ordinal) && !words[i].StartsWith("I’", StringComparison.Ordinal)
                    && !agentName.Contains(words[i], StringComparison.OrdinalIgnoreCase))
                    return true;
        }
        return false;
    }

    private static readonly HashSet<string> Relations = new(StringComparer.OrdinalIgnoreCase)
    {
        "sister", "brother", "mum", "mom", "mother", "dad", "father", "wife", "husband", "partner", "boyfriend", "girlfriend", "son", "daughter", "friend",
        "best", "boss", "manager", "cousin", "colleague", "coworker", "roommate", "flatmate", "neighbour", "neighbor", "dog", "cat", "grandmother", "grandfather",
        "grandma", "grandpa", "aunt", "uncle", "pet", "kitten", "puppy", "favourite", "favorite", "birthday", "name", "project", "anniversary",
    };

    private static readonly (Regex Pattern, string Replacement)[] Pronouns =
    [
        (new Regex(@"\bI\s+am\b", RegexOptions.CultureInvariant), "you are"),
        (new Regex(@"\bI'm\b|\bI’m\b", RegexOptions.CultureInvariant), "you're"),
        (new Regex(@"\bI've\b|\bI’ve\b", RegexOptions.CultureInvariant), "you've"),
        (new Regex(@"\bI'd\b|\bI’d\b", RegexOptions.CultureInvariant), "you'd"),
        (new Regex(@"\bI'll\b|\bI’ll\b", RegexOptions.CultureInvariant), "you'll"),
        (new Regex(@"\bI\s+was\b", RegexOptions.CultureInvariant), "you were"),
        (new Regex(@"\bI\b", RegexOptions.CultureInvariant), "you"),
        (new Regex(@"\b[Mm]y\b", RegexOptions.CultureInvariant), "your"),
        (new Regex(@"\b[Mm]ine\b", RegexOptions.CultureInvariant), "yours"),
        (new Regex(@"\b[Mm]yself\b", RegexOptions.CultureInvariant), "yourself"),
        (new Regex(@"\bme\b", RegexOptions.CultureInvariant), "you"),
    ];

    private static readonly Dictionary<string, string> ThirdPersonVerbs = new(StringComparer.Ordinal)
    {
        ["Lives"] = "live", ["Works"] = "work", ["Likes"] = "like", ["Loves"] = "love", ["Dislikes"] = "dislike", ["Prefers"] = "prefer", ["Uses"] = "use",
        ["Is"] = "are", ["Has"] = "have", ["Enjoys"] = "enjoy", ["Hates"] = "hate", ["Owns"] = "own", ["Plays"] = "play", ["Studies"] = "study", ["Speaks"] = "speak", ["Moved"] = "moved",
    };

    /// <summary>A remembered fact as the companion says it back: "Cat: Quibblesworth" → "your cat is Quibblesworth", "My sister…" → "your sister…".</summary>
    internal static string SecondPerson(string fact)
    {
        var t = fact.Trim().TrimEnd('.', '!', ';', ' ');
        var colon = t.IndexOf(": ", StringComparison.Ordinal);
        if (colon > 0 && t[..colon].Split(' ').Length <= 3) return $"your {t[..colon].ToLowerInvariant()} is {t[(colon + 2)..]}";
        var first = t.Split(' ', 2);
        if (ThirdPersonVerbs.TryGetValue(first[0], out var verb)) return "you " + verb + (first.Length > 1 ? " " + first[1] : "");
        if (first[0] is "Working" or "Moving") return "you're " + t[0..1].ToLowerInvariant() + t[1..];
        if (first[0].StartsWith("Their", StringComparison.Ordinal)) t = "your" + t[5..];
        foreach (var (pattern, replacement) in Pronouns) t = pattern.Replace(t, replacement);
        var lead = t.Split(' ', 2)[0];
        if (Relations.Contains(lead)) return "your " + char.ToLowerInvariant(t[0]) + t[1..];
        return lead is "You" or "Your" ? char.ToLowerInvariant(t[0]) + t[1..] : t;
    }

    private static string PartPhrase(string part) => part == "night" ? "night" : part;

    /// <summary>"a florist", "an architect".</summary>
    public static string Article(string noun) => noun.Length > 0 && "aeiouAEIOU".Contains(noun[0]) ? "an" : "a";

    private static string Pick(Random random, params string[] options) => options[random.Next(options.Length)];

    private static string Lower(string text) =>
        text.Length > 1 && char.IsUpper(text[0]) && char.IsLower(text[1]) ? char.ToLowerInvariant(text[0]) + text[1..] : text;

    private static string Capital(string text) => text.Length > 0 ? char.ToUpperInvariant(text[0]) + text[1..] : text;
}
