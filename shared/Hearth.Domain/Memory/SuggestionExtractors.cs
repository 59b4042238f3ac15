using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Hearth.Chat;
using Microsoft.Extensions.Logging;

namespace Hearth.Memory;

/// <summary>Finds what is worth remembering in one exchange.</summary>
public interface ISuggestionExtractor
{
    /// <summary>Candidates and who found them (<c>rules</c> or <c>model</c>).</summary>
    Task<(IReadOnlyList<MemoryCandidate> Candidates, string Origin)> ExtractAsync(ConversationExchange exchange, CancellationToken ct);

    /// <summary>
    /// The same, knowing the companion's core memory block (null: none to edit): an extractor that can may also propose
    /// edits of it (candidates of kind <c>core</c>), which the user reviews like every suggestion.
    /// </summary>
    Task<(IReadOnlyList<MemoryCandidate> Candidates, string Origin)> ExtractAsync(ConversationExchange exchange, string? coreMemory, CancellationToken ct) =>
        ExtractAsync(exchange, ct);
}

/// <summary>
/// The offline extractor: patterns over the user's own sentences (what the agent says is not evidence about the user).
/// Facts: name, home, origin, work, occupation; preferences: likes and dislikes (one subject per thing, so a change of
/// taste updates it), favourites, "I prefer"; projects ("I'm working on / building …"); tools ("I use …"); people
/// ("my sister Anna", "my boss is Tom": one subject per relation for relations one has once, per relation and name
/// otherwise); dates ("my birthday is …", "I have an interview on …"). Objects that are pronouns are ignored.
/// </summary>
public sealed partial class RuleSuggestionExtractor : ISuggestionExtractor
{
    private const RegexOptions Options = RegexOptions.IgnoreCase | RegexOptions.CultureInvariant;
    private const string Object = @"(?<o>[^.,;!?\n]{2,80}?)";
    private const string End = @"(?:\s*,?\s+(?<t>" + Time + @"))?\s*(?:[.,;!?\n]|$|\b(?:and|but|because|since|so|which|who|where|with|for|now|these\s+days|anymore|any\s+more|nowadays|too|as\s+well|though|lately|recently)\b)";

    private const string Month = @"January|February|March|April|May|June|July|August|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec";
    private const string Day = @"Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|weekend";
    private const string Count = @"a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|a\s+few|a\s+couple\s+of|a\s+couple|couple\s+of|several|many|\d{1,3}";
    private const string Unit = @"days?|weeks?|months?|years?|decades?";

    /// <summary>When something happened or how long it has held ("last week", "in March", "three years ago", "since 2019", "for two years").</summary>
    private const string Time =
        @"(?:(?:just\s+|only\s+)?(?:last|next|this|past|coming)\s+(?:" + Day + "|" + Month + @"|week|month|year|summer|winter|spring|autumn|fall|night|morning|evening)"
        + @"|(?:earlier|later)\s+(?:this|last)\s+(?:week|month|year)|(?:early|late)\s+last\s+(?:week|month|year)"
        + @"|yesterday|today|tonight|tomorrow|the\s+day\s+before\s+yesterday|the\s+other\s+day|a\s+(?:little\s+)?while\s+ago|recently|lately"
        + @"|(?:over|at)\s+the\s+weekend"
        + @"|(?:back\s+)?(?:in|since|until|till|by)\s+(?:(?:early|late|mid)[\s-]+)?(?:" + Month + @"|spring|summer|autumn|fall|winter|\d{4})(?:\s+(?:of\s+)?(?:\d{4}|last\s+year|this\s+year|next\s+year))?"
        + @"|on\s+(?:" + Day + @"|the\s+\d{1,2}(?:st|nd|rd|th)?(?:\s+of\s+(?:" + Month + @"))?|(?:" + Month + @")\s+\d{1,2}(?:st|nd|rd|th)?|\d{1,2}(?:st|nd|rd|th)?\s+(?:" + Month + @"))"
        + @"|(?:" + Count + @")\s+(?:" + Unit + @")\s+ago"
        + @"|(?:for|in)\s+(?:the\s+(?:last|past)\s+)?(?:" + Count + @")\s+(?:" + Unit + @")"
        + @"|since\s+(?:last\s+\w+|yesterday|childhood|high\s+school|university|college|(?:the\s+)?(?:" + Month + @")|(?:" + Day + @")|\d{4}|I\s+was\s+(?:a\s+)?\w+)"
        + @")";

    private static readonly HashSet<string> Pronouns = new(StringComparer.OrdinalIgnoreCase)
    {
        "it", "that", "this", "them", "you", "him", "her", "those", "these", "one", "some", "something", "anything", "everything", "what", "how", "the idea",
        "to", "a lot", "lots", "so", "yours", "your", "the way", "when", "doing", "being", "having", "me", "us", "myself", "there", "here",
    };

    private static readonly HashSet<string> SingleRelations = new(StringComparer.OrdinalIgnoreCase)
    {
        "wife", "husband", "partner", "boyfriend", "girlfriend", "fiance", "fiancee", "fiancé", "fiancée", "mother", "mom", "mum", "father", "dad",
        "boss", "manager", "therapist", "doctor", "landlord",
    };

    private static readonly (string Pattern, Func<Match, MemoryCandidate?> Build)[] Rules =
    [
        (@"\bmy\s+name\s+is\s+(?<o>[\p{L}][\p{L}'-]+(?:\s+(?-i:\p{Lu})[\p{L}'-]+)?)", m => new(MemoryKinds.Fact, "name", $"Name: {Cap(m)}")),
        (@"\b(?:please\s+)?call\s+me\s+(?<o>[\p{L}][\p{L}'-]+)", m => new(MemoryKinds.Fact, "name", $"Name: {Cap(m)}")),
        (@"\bI(?:(?:\s+now|\s+currently|\s+still)?\s+live|(?:'ve|\s+have)\s+(?:always\s+|now\s+)?(?:lived|been\s+living))\s+in\s+" + Object + End,
            m => new(MemoryKinds.Fact, "home", $"Lives in {O(m)}{When(m)}")),
        // "I've moved to Utrecht last week", "we just moved from Leeds to Utrecht", "I relocated to Oslo in 2020".
        (@"\b(?:I|we)(?:'ve|\s+have)?\s+(?:just\s+|finally\s+|recently\s+|already\s+)?(?:moved|relocated)\s+(?:house\s+|back\s+|out\s+|over\s+)?(?:from\s+(?<f>(?-i:\p{Lu})[^.,;!?\n]{1,60}?)\s+)?to\s+" + Object + End,
            m => new(MemoryKinds.Fact, "home", $"Moved to {O(m)}{From(m)}{When(m)}")),
        // A move still to come is not the home yet: "I'm moving to Berlin next month".
        (@"\b(?:I(?:'m|\s+am)|we(?:'re|\s+are))\s+(?:soon\s+|finally\s+)?(?:moving|relocating)\s+(?:back\s+)?to\s+" + Object + End,
            m => new(MemoryKinds.Fact, "move", $"Moving to {O(m)}{When(m)}")),
        (@"\bI(?:'m|\s+am)\s+(?:originally\s+)?from\s+" + Object + End, m => new(MemoryKinds.Fact, "origin", $"Is from {O(m)}")),
        (@"\bI(?:(?:\s+now|\s+currently)?\s+work|(?:'ve|\s+have)\s+(?:been\s+working|worked)|(?:'m|\s+am)\s+(?:currently\s+|now\s+)?working)\s+(?:at|for)\s+" + Object + End, m => new(MemoryKinds.Fact, "work", $"Works at {O(m)}{When(m)}")),
        (@"\bI(?:'ve|\s+have)?\s+(?:just\s+)?started\s+(?:working\s+|a\s+(?:new\s+)?job\s+|work\s+)?(?:at|for)\s+" + Object + End,
            m => new(MemoryKinds.Fact, "work", $"Works at {O(m)}{When(m, "started ")}")),
        (@"\bI(?:\s+work|(?:'ve|\s+have)\s+(?:been\s+working|worked)|(?:'m|\s+am)\s+(?:currently\s+|now\s+)?working)\s+as\s+(?:an?\s+)?" + Object + End, m => new(MemoryKinds.Fact, "occupation", $"Works as {Article(O(m))}{When(m)}")),
        (@"\bmy\s+job\s+is\s+(?:an?\s+)?" + Object + End, m => new(MemoryKinds.Fact, "occupation", $"Works as {Article(O(m))}")),
        (@"\bmy\s+fav(?:ou?rite)\s+(?<c>[\p{L}]+(?:\s+[\p{L}]+)?)\s+is\s+" + Object + End,
            m => new(MemoryKinds.Preference, "favourite:" + MemoryText.Key(m.Groups["c"].Value, 2), $"Favourite {m.Groups["c"].Value.ToLowerInvariant()}: {O(m)}")),
        (@"\bI\s+(?:really\s+|absolutely\s+|just\s+)?(?:do\s+not|don't|dont|never)\s+(?:really\s+)?(?:like|enjoy)\s+" + Object + End,
            m => new(MemoryKinds.Preference, "taste:" + MemoryText.Key(O(m), 3), $"Dislikes {O(m)}")),
        (@"\bI\s+(?:really\s+|absolutely\s+|just\s+)?(?:hate|can't\s+stand|cannot\s+stand|dislike|detest)\s+" + Object + End,
            m => new(MemoryKinds.Preference, "taste:" + MemoryText.Key(O(m), 3), $"Dislikes {O(m)}")),
        (@"\bI\s+(?:really\s+|absolutely\s+|just\s+|also\s+)?(?:like|love|enjoy|adore)\s+" + Object + End,
            m => new(MemoryKinds.Preference, "taste:" + MemoryText.Key(O(m), 3), $"Likes {O(m)}")),
        (@"\bI\s+(?:much\s+|really\s+)?prefer\s+" + Object + End, m => new(MemoryKinds.Preference, "prefers:" + MemoryText.Key(O(m), 2), $"Prefers {O(m)}")),
        (@"\bI(?:'m|\s+am)\s+(?:currently\s+|still\s+|now\s+)?(?:working\s+on|building|writing|developing|making|creating)\s+" + Object + End,
            m => new(MemoryKinds.Project, "project:" + MemoryText.Key(O(m), 4), $"Working on {O(m)}")),
        (@"\bmy\s+(?:side\s+|new\s+|current\s+)?project\s+(?:is\s+)?(?:called\s+|named\s+)?" + Object + End,
            m => new(MemoryKinds.Project, "project:" + MemoryText.Key(O(m), 4), $"Project: {O(m)}")),
        (@"\bI(?:'m|\s+am)?\s+(?:use|using|now\s+use|switched\s+to)\s+(?<o>[\p{L}\d][\p{L}\d.+#-]*(?:\s+(?-i:[\p{Lu}\d])[\p{L}\d.+#-]*)?)(?:\s+for\s+(?<f>[^.,;!?\n]{2,60}))?",
            m => new(MemoryKinds.Tool, "tool:" + MemoryText.Key(O(m), 3), m.Groups["f"].Success ? $"Uses {O(m)} for {m.Groups["f"].Value.Trim()}" : $"Uses {O(m)}")),
        (@"\b(?:my|our)\s+(?:new\s+|little\s+|baby\s+)?(?<r>" + Relations + @")(?:'s\s+name\s+is|\s+is\s+called|\s+is\s+named|\s+is|,|\s+named|\s+called)?\s+(?<n>(?-i:\p{Lu})[\p{L}'-]+)" + Predicate,
            m => Person(m.Groups["r"].Value, m.Groups["n"].Value, m.Groups["p"].Value)),
        // "Priya, my sister, moved to Lisbon in March" / "Quibblesworth (my cat) hates Mondays".
        (@"(?<![\p{L}'])(?<n>(?-i:\p{Lu})[\p{L}'-]+)\s*(?:,|\()\s*(?:my|our)\s+(?<r>" + Relations + @")\s*(?:,|\))?" + Predicate,
            m => Person(m.Groups["r"].Value, m.Groups["n"].Value, m.Groups["p"].Value)),
        // "We adopted a kitten named Biscuit last week", "I have a parrot called Mango".
        (@"\b(?:I|we)(?:'ve|\s+have)?(?:\s+just|\s+finally|\s+recently)?\s+(?<v>have|has|had|got|gotten|adopted|rescued|bought|own|welcomed|found|took\s+in|brought\s+home)\s+(?:a|an|another|our|my)\s+(?:new\s+|little\s+|baby\s+|sweet\s+|tiny\s+|young\s+|old\s+|rescue\s+)?(?<r>" + Pets + @")\s+(?:named|called)\s+(?<n>(?-i:\p{Lu})[\p{L}'-]+)" + Predicate,
            m => Pet(m.Groups["v"].Value, m.Groups["r"].Value, m.Groups["n"].Value, m.Groups["p"].Value)),
        (@"\bmy\s+(?<r>" + Relations + @")'s\s+(?<e>birthday|anniversary|wedding|surgery|graduation|funeral|party)\s+is\s+(?:on\s+|in\s+|at\s+)?" + Object + End,
            m => new(MemoryKinds.Date, "date:" + MemoryText.Key(m.Groups["r"].Value + " " + m.Groups["e"].Value, 3), $"{Cap(m.Groups["r"].Value.ToLowerInvariant())}'s {m.Groups["e"].Value.ToLowerInvariant()}: {O(m)}")),
        (@"\bI\s+(?:grew\s+up|was\s+born|was\s+raised)\s+in\s+" + Object + End, m => new(MemoryKinds.Fact, "origin", $"Is from {O(m)}")),
        (@"\bmy\s+(?<e>birthday|anniversary|wedding|exam|interview|appointment|deadline|flight|trip|vacation|holiday|surgery|graduation|party|concert|move|moving\s+day)\s+is\s+(?:on\s+|in\s+|at\s+)?" + Object + End,
            m => new(MemoryKinds.Date, "date:" + MemoryText.Key(m.Groups["e"].Value, 2), $"{Cap(m.Groups["e"].Value)}: {O(m)}{When(m)}")),
        (@"\bI(?:\s+have|'ve\s+got|\s+have\s+got)\s+(?:an?|my)\s+(?<e>[\p{L}]+(?:\s+[\p{L}]+)?)\s+on\s+" + Object + End,
            m => new(MemoryKinds.Date, "date:" + MemoryText.Key(m.Groups["e"].Value, 2), $"{Cap(m.Groups["e"].Value)}: {O(m)}")),
    ];

    private const string Pets = @"dog|cat|puppy|kitten|hamster|rabbit|bunny|parrot|bird|budgie|fish|goldfish|turtle|tortoise|horse|pony|guinea\s+pig|ferret|snake|lizard|gecko|chicken|pet";

    private const string Relations = @"best\s+friend|friend|wife|husband|partner|boyfriend|girlfriend|fianc[eé]e?|mother|mom|mum|father|dad|sister|brother|son|daughter|boss|manager|cousin|colleague|coworker|roommate|flatmate|neighbou?r|therapist|doctor|landlord|grandmother|grandfather|grandma|grandpa|aunt|uncle|niece|nephew|stepmother|stepfather|stepsister|stepbrother|teacher|coach|mentor|" + Pets;

    /// <summary>What is said about the person after the name ("moved to Lisbon in March"), up to the end of the clause.</summary>
    private const string Predicate = @"(?:\s*,?\s+(?<p>(?:just\s+|recently\s+|finally\s+|also\s+|still\s+)?(?-i:\p{Ll})[^.;!?\n]{2,160}))?";

    private static readonly Regex[] Compiled = Rules.Select(r => new Regex(r.Pattern, Options | RegexOptions.Compiled)).ToArray();

    public Task<(IReadOnlyList<MemoryCandidate> Candidates, string Origin)> ExtractAsync(ConversationExchange exchange, CancellationToken ct) =>
        Task.FromResult<(IReadOnlyList<MemoryCandidate>, string)>((Extract(exchange.User.Text), "rules"));

    /// <summary>The candidates in a user's message, one per subject (the last statement of a subject wins).</summary>
    public static IReadOnlyList<MemoryCandidate> Extract(string text)
    {
        var found = new List<MemoryCandidate>();
        foreach (var sentence in Sentences().Split(text))
        {
            for (var i = 0; i < Rules.Length; i++)
            {
                foreach (Match match in Compiled[i].Matches(sentence))
                {
                    if (match.Groups["o"].Success && IsPronoun(match.Groups["o"].Value)) continue;
                    if (Rules[i].Build(match) is { } candidate) found.Add(candidate);
                }
            }
        }
        // Later statements win ("I live in Berlin. Actually, I moved to Munich.").
        return found.GroupBy(c => (c.Kind, c.Subject)).Select(g => g.Last()).ToList();
    }

    /// <summary>
    /// A person or pet, with what was said about them when something was ("Sister Priya moved to Lisbon in March"):
    /// who, the relation, what, where and when stay together in one memory.
    /// </summary>
    private static MemoryCandidate? Person(string relation, string name, string predicate = "")
    {
        relation = Regex.Replace(relation.ToLowerInvariant(), @"\s+", " ");
        if (IsPronoun(name) || name.Length < 2 || NotNames.Contains(name)) return null;
        var subject = SingleRelations.Contains(relation) ? $"person:{MemoryText.Key(relation, 2)}" : $"person:{MemoryText.Key(relation, 2)}:{name.ToLowerInvariant()}";
        var said = ThirdPerson(predicate.Trim().TrimEnd(',', ' '));
        if (said.Length == 0 || IsPronoun(said)) return new MemoryCandidate(MemoryKinds.Person, subject, $"{Cap(relation)}: {name}");
        // "who lives in Oslo" is about them: set off by a comma; a bare when ("last week") says nothing about them alone.
        if (TimeOnly.IsMatch(said)) return new MemoryCandidate(MemoryKinds.Person, subject, $"{Cap(relation)}: {name}");
        var joined = Regex.IsMatch(said, @"^(?:who|which|that)\b", Options) ? $"{Cap(relation)} {name}, {said}" : $"{Cap(relation)} {name} {said}";
        return new MemoryCandidate(MemoryKinds.Person, subject, MemoryText.Clip(joined, 300));
    }

    private static readonly Regex TimeOnly = new(@"^(?:" + Time + @")$", Options | RegexOptions.Compiled);
    private static readonly Regex TrailingTime = new(@"^(?<rest>.+?)\s*,?\s+(?<t>" + Time + @")$", Options | RegexOptions.Compiled);
    private static readonly Regex LeadingTime = new(@"^(?<t>" + Time + @")(?:\s*,?\s+(?<rest>.*))?$", Options | RegexOptions.Compiled);

    /// <summary>
    /// A pet the user has or has just taken in, as a label with the when kept readable: "Kitten named Biscuit, adopted
    /// last week", "Parrot named Mango, who swears in Portuguese", "Dog named Rex, rescued from a shelter in Leeds".
    /// </summary>
    private static MemoryCandidate? Pet(string verb, string kind, string name, string predicate)
    {
        kind = Regex.Replace(kind.ToLowerInvariant(), @"\s+", " ");
        if (IsPronoun(name) || name.Length < 2 || NotNames.Contains(name)) return null;
        var how = Regex.Replace(verb.ToLowerInvariant(), @"\s+", " ") switch
        {
            "have" or "has" or "had" or "own" => null,
            "got" or "gotten" or "welcomed" or "brought home" => "joined the family",
            "took in" => "taken in",
            var v => v,
        };
        // What follows the name: a when ("last week"), a clause about the pet ("who swears…"), where it came from; a new
        // clause about something else ("and I love her") is not the pet's.
        var said = Regex.Replace(predicate.Trim().TrimEnd(',', ' '), @"^(?:and|but|so|he|she|they|it|I|we|his|her|their)\b.*$", "", Options).Trim();
        said = Regex.Replace(said, @"\s*,?\s+(?:and|but|so)\s+(?:I|we|she|he|they|it)\b.*$", "", Options).Trim();
        string? when = null;
        if (LeadingTime.Match(said) is { Success: true } leading)
        {
            when = leading.Groups["t"].Value;
            said = leading.Groups["rest"].Value.Trim();
        }
        else if (TrailingTime.Match(said) is { Success: true } trailing)
        {
            when = trailing.Groups["t"].Value;
            said = trailing.Groups["rest"].Value.Trim();
        }
        said = ThirdPerson(said);
        var text = $"{Cap(kind)} named {name}";
        var clause = said.Length == 0 || IsPronoun(said) ? null
            : Regex.IsMatch(said, @"^(?:who|which|that)\b", Options) || how is null ? said
            : $"{how} {said}";
        if (clause is not null) text += ", " + clause;
        if (when is not null) text += clause is null && how is not null ? $", {how} {when}" : $" ({when})";
        return new MemoryCandidate(MemoryKinds.Person, $"person:{MemoryText.Key(kind, 2)}:{name.ToLowerInvariant()}", MemoryText.Clip(text, 300));
    }

    /// <summary>The time said with a fact, in parentheses (" (last week)"), or nothing.</summary>
    private static string When(Match m, string prefix = "")
    {
        var time = m.Groups["t"].Success ? Regex.Replace(m.Groups["t"].Value.Trim(), @"\s+", " ") : "";
        return time.Length == 0 ? "" : $" ({prefix}{time})";
    }

    /// <summary>Where a move came from (" from Leeds"), or nothing.</summary>
    private static string From(Match m) => m.Groups["f"].Success ? $" from {m.Groups["f"].Value.Trim()}" : "";

    private static readonly HashSet<string> NotNames = new(StringComparer.OrdinalIgnoreCase)
    {
        "I", "I'm", "I've", "I'll", "I'd", "The", "A", "An", "And", "But", "So", "Oh", "Well", "Yes", "No", "My", "We", "You", "He", "She", "They",
        "It", "This", "That", "Today", "Yesterday", "Tomorrow", "Last", "Next", "Also", "Just", "Anyway", "Actually",
    };

    /// <summary>The user's words about someone, as memory states them (the user in the third person).</summary>
    private static string ThirdPerson(string text)
    {
        text = Regex.Replace(text, @"\b(?:me|myself)\b", "the user", RegexOptions.IgnoreCase);
        text = Regex.Replace(text, @"\bmy\b", "the user's", RegexOptions.IgnoreCase);
        text = Regex.Replace(text, @"\bmine\b", "the user's", RegexOptions.IgnoreCase);
        text = Regex.Replace(text, @"\bI(?:'m|\s+am)\b", "the user is");
        text = Regex.Replace(text, @"\bI\b", "the user");
        return text;
    }

    private static bool IsPronoun(string value)
    {
        var trimmed = value.Trim();
        if (Pronouns.Contains(trimmed)) return true;
        var first = trimmed.Split(' ', 2)[0];
        return first.Length > 0 && Pronouns.Contains(first) && first is not ("the" or "a");
    }

    private static string O(Match m) => m.Groups["o"].Value.Trim().TrimEnd('\'', '"');

    private static string Cap(Match m) => Cap(O(m));

    private static string Cap(string text) => text.Length == 0 ? text : char.ToUpper(text[0], CultureInfo.InvariantCulture) + text[1..];

    private static string Article(string occupation) =>
        occupation.StartsWith("a ", StringComparison.OrdinalIgnoreCase) || occupation.StartsWith("an ", StringComparison.OrdinalIgnoreCase)
            ? occupation
            : ("aeiou".Contains(char.ToLowerInvariant(occupation[0])) ? "an " : "a ") + occupation;

    [GeneratedRegex(@"(?<=[.!?;])\s+|\n+")]
    private static partial Regex Sentences();
}

/// <summary>
/// The model extractor: asks the model for JSON (<c>{"memories":[{"kind","subject","text"}]}</c>) about the user's
/// message, keeps only known kinds, and falls back to the rules when no model answers or the answer is not that JSON.
/// Shown the companion's core memory block, the model may also propose edits of it (<c>"core":[{"op":"append","text"}
/// | {"op":"replace","old","text"}]</c>, Letta's append and replace); an edit is kept only when it changes the block and
/// fits it (a replacement quotes a line that is there), and it is a suggestion the user accepts or rejects.
/// </summary>
public sealed class ModelSuggestionExtractor(IMemoryModel model, RuleSuggestionExtractor rules, ILogger<ModelSuggestionExtractor> logger) : ISuggestionExtractor
{
    public const string Purpose = "memory.suggestions";

    private const string SystemPrompt = """
        You extract durable facts a user states about themselves, for a personal assistant's memory.
        Kinds: fact (name, home, work, occupation, origin), preference (likes, dislikes, favourites), project, tool, person (people and pets in the user's life), date (birthdays, appointments, deadlines).
        Only what the user says about themselves and their life; nothing about the assistant; nothing hypothetical; nothing from questions.
        subject is a short stable key that stays the same when the value changes: "home", "work", "occupation", "name", "taste:<thing>", "favourite:<category>", "project:<name>", "tool:<name>", "person:<relation>" (add ":<name>" for relations one can have several of), "date:<event>".
        text is a short third-person statement, e.g. "Lives in Munich", "Likes jazz", "Sister: Anna".
        Answer with JSON only: {"memories":[{"kind":"...","subject":"...","text":"..."}]} — an empty list when there is nothing.
        """;

    private const string CoreInstruction = """

        The companion also keeps a short core memory about the user: what it always has in mind, one statement per line. Now it says:
        <core>
        {0}
        </core>
        When the message tells something important enough to always keep in mind (who the user is, the people closest to them, where they live, what matters most to them) that the core memory lacks or states differently, you may propose edits to it: "core":[{{"op":"append","text":"..."}}] adds a line; {{"op":"replace","old":"<a line of the core memory, quoted exactly>","text":"..."}} puts text in its place. Short third-person lines, like the memories. Usually there is none: leave "core" out or empty.
        """;

    public Task<(IReadOnlyList<MemoryCandidate> Candidates, string Origin)> ExtractAsync(ConversationExchange exchange, CancellationToken ct) =>
        ExtractAsync(exchange, null, ct);

    public async Task<(IReadOnlyList<MemoryCandidate> Candidates, string Origin)> ExtractAsync(ConversationExchange exchange, string? coreMemory, CancellationToken ct)
    {
        var system = coreMemory is null ? SystemPrompt
            : SystemPrompt + string.Format(CultureInfo.InvariantCulture, CoreInstruction, coreMemory.Trim().Length == 0 ? "(empty)" : coreMemory.Trim());
        var answer = await ModelJson.AskAsync(model, Purpose, system, exchange.User.Text, logger, ct);
        if (answer is not null && Parse(answer, coreMemory) is { } candidates) return (candidates, "model");
        if (answer is not null) logger.LogWarning("The model's memory suggestions were not the expected JSON; using the rules");
        return await rules.ExtractAsync(exchange, ct);
    }

    /// <summary>The candidates in a model answer, or null when it is not the expected JSON; core edits only with a block to edit.</summary>
    public static IReadOnlyList<MemoryCandidate>? Parse(string answer, string? coreMemory = null)
    {
        var json = ModelJson.Extract(answer);
        if (json is null) return null;
        try
        {
            using var document = JsonDocument.Parse(json);
            if (!document.RootElement.TryGetProperty("memories", out var list) || list.ValueKind != JsonValueKind.Array) return null;
            var candidates = new List<MemoryCandidate>();
            foreach (var entry in list.EnumerateArray())
            {
                if (entry.ValueKind != JsonValueKind.Object) continue;
                var kind = ModelJson.String(entry, "kind")?.Trim().ToLowerInvariant();
                var text = ModelJson.String(entry, "text")?.Trim();
                var subject = ModelJson.String(entry, "subject")?.Trim().ToLowerInvariant();
                if (kind is null || !MemoryKinds.Suggested.Contains(kind) || string.IsNullOrWhiteSpace(text)) continue;
                if (string.IsNullOrWhiteSpace(subject)) subject = kind + ":" + MemoryText.Key(text, 3);
                candidates.Add(new MemoryCandidate(kind, MemoryText.Clip(subject, 120), MemoryText.Clip(text, 300)));
            }
            if (coreMemory is not null && document.RootElement.TryGetProperty("core", out var core) && core.ValueKind == JsonValueKind.Array)
                candidates.AddRange(CoreEdits(core, coreMemory));
            return candidates;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// The proposed core edits worth showing: the text passes the output gate like every memory string; a replacement
    /// must quote a line that is in the block (the quote is the user's own text, checked, not the model's); an edit that
    /// changes nothing, repeats a line, or would not fit the block is dropped.
    /// </summary>
    private static IEnumerable<MemoryCandidate> CoreEdits(JsonElement list, string block)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in list.EnumerateArray().Take(5))
        {
            if (entry.ValueKind != JsonValueKind.Object) continue;
            var text = ModelJson.String(entry, "text")?.Trim();
            if (string.IsNullOrWhiteSpace(text) || text.Length > 300) continue;
            var op = entry.TryGetProperty("op", out var o) && o.ValueKind == JsonValueKind.String ? o.GetString()?.Trim().ToLowerInvariant() : "append";
            var old = op == "replace" && entry.TryGetProperty("old", out var q) && q.ValueKind == JsonValueKind.String ? q.GetString()?.Trim() : null;
            if (op == "replace" && string.IsNullOrEmpty(old)) continue;
            if (op is not ("append" or "replace")) continue;
            if (old is not null && string.Equals(old, text, StringComparison.Ordinal)) continue;
            if (old is null && block.Contains(text, StringComparison.OrdinalIgnoreCase)) continue;
            if (CoreMemory.Edit(block, old, text).Block is null) continue;
            if (!seen.Add(old ?? "+" + text)) continue;
            yield return MemoryCandidate.CoreEdit(text, old);
        }
    }
}

/// <summary>Reading JSON out of a model's answer (which may wrap it in a code fence or prose).</summary>
internal static class ModelJson
{
    /// <summary>The model's answer; null when it failed (the caller falls back to its rules).</summary>
    public static async Task<string?> AskAsync(IMemoryModel model, string purpose, string system, string user, ILogger logger, CancellationToken ct)
    {
        try
        {
            return await model.CompleteAsync(purpose, system, user, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            logger.LogWarning(e, "The model failed for {Purpose}; using the rules", purpose);
            return null;
        }
    }

    public static string? Extract(string answer)
    {
        var start = answer.IndexOf('{');
        var end = answer.LastIndexOf('}');
        return start >= 0 && end > start ? answer[start..(end + 1)] : null;
    }

    // Every string a model writes into memory passes the one output gate (tags and machine talk go; null when nothing is left).
    public static string? String(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? ModelOutput.Narration(value.GetString()) : null;

    public static IReadOnlyList<string> Strings(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Array
            ? value.EnumerateArray().Where(v => v.ValueKind == JsonValueKind.String).Select(v => ModelOutput.Narration(v.GetString())).OfType<string>().ToList()
            : [];
}
