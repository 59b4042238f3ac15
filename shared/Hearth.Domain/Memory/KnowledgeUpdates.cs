using System.Globalization;
using System.Text.RegularExpressions;

namespace Hearth.Memory;

/// <summary>
/// Knowledge updates among recalled passages ("I live in Porto" in January, "we moved to Berlin" in May). Each passage's
/// user statements are read for slots — attributes of the user's life that hold one value at a time: the slots of the
/// memory suggestions (<see cref="RuleSuggestionExtractor"/>: home, work, occupation, name, single relations such as
/// boss or partner, tastes, favourites) and a few more that suggestions do not keep (salary, rent, weight, car, phone,
/// how often an activity is done, a pet's name after a rename). When two passages from different conversations give
/// different values for one slot, the older is superseded by the newer: marked (<see cref="MemoryHit.SupersededBy"/>)
/// and ranked right after it. Recency also breaks near-ties: every candidate gets a bonus of up to 1% of its score by
/// how recent it is, up to 10% when the question asks for the present ("now", "currently", "these days", "still").
/// Scores are not changed, only the order.
/// </summary>
public static partial class KnowledgeUpdates
{
    /// <summary>Recency bonus (share of the score) of the newest candidate when the question does not ask for the present.</summary>
    public const double TieBreak = 0.01;

    /// <summary>Recency bonus of the newest candidate when the question asks for the present.</summary>
    public const double PresentBonus = 0.10;

    /// <summary>A value the user gave a slot; <paramref name="Change"/>: said as a change ("renamed", "switched", "now").</summary>
    public readonly record struct SlotValue(string Slot, string Value, bool Change);

    private const RegexOptions Options = RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.Compiled;

    private const string Pets = @"dog|cat|puppy|kitten|hamster|rabbit|bunny|parrot|bird|budgie|fish|goldfish|turtle|tortoise|horse|pony|guinea\s+pig|ferret|snake|lizard|gecko";
    private const string Name = @"(?<v>(?-i:\p{Lu})[\p{L}'-]+)";
    private const string Value = @"(?<v>[^.,;!?\n]{1,60}?)(?=\s*(?:[.,;!?\n]|$|\b(?:and|but|because|so|which|now|these\s+days|anymore)\b))";
    private const string Amount = @"(?<v>(?:about\s+|around\s+|roughly\s+)?[€$£]?\s?\d[\d,.]*\s*(?:k|K|euros?|eur|dollars?|pounds?|€|\$|£)?(?:\s+(?:a|per|an)\s+(?:year|month|hour|week))?)";
    private const string Often = @"(?<v>once|twice|thrice|(?:one|two|three|four|five|six|seven|\d)\s+times|every\s+day|daily)";
    private const string Count = @"(?<v>one|two|three|four|five|six|seven|\d)";

    /// <summary>Attributes with one value at a time that memory suggestions do not keep; the slot is the pattern's name or its <c>a</c> group.</summary>
    private static readonly (Regex Pattern, string Slot)[] Attributes =
    [
        (new(@"\bmy\s+(?:new\s+|current\s+|monthly\s+|annual\s+|yearly\s+|base\s+|old\s+)?(?<a>salary|pay|income|rent|weight|address|phone|car|laptop|employer|job\s+title|commute|budget|mortgage|partner|hair|diet|bedtime)\s+(?:is|was|=|is\s+now|now\s+is|went\s+(?:up|down)\s+to|has\s+gone\s+(?:up|down)\s+to|(?:got\s+|was\s+|has\s+been\s+)?(?:raised|increased|bumped|cut|lowered|reduced)\s+to|came\s+to)\s+(?:an?\s+|the\s+)?" + Value, Options), "attr:"),
        (new(@"\b(?:raised|increased|bumped|upped|cut|lowered|reduced|dropped)\s+(?:my\s+)?(?<a>salary|pay|rent)\s+(?:up\s+|down\s+)?to\s+" + Amount, Options), "attr:"),
        (new(@"\bI\s+(?:now\s+|currently\s+|only\s+)?(?:earn|make|get\s+paid)\s+" + Amount, Options), "attr:salary"),
        (new(@"\b(?:I\s+(?:now\s+|currently\s+)?weigh|my\s+weight\s+is|scale[^.!?\n]{0,30}?|(?:I'm|I\s+am)\s+(?:now\s+|down\s+to\s+|up\s+to\s+)|down\s+to|up\s+to)\s*:?\s*(?<v>\d{2,3}(?:[.,]\d)?\s*(?:kg|kilos?|lbs?|pounds|stone))\b", Options), "attr:weight"),
        (new(@"\bI\s+(?:now\s+|currently\s+)?drive\s+(?:an?\s+|the\s+)?" + Value, Options), "attr:car"),
        (new(@"\b(?:I|we)\s+(?:now\s+|currently\s+|still\s+)?(?:go\s+to|hit|train\s+at|visit|do|play|practi[cs]e|swim\s+at)\s+(?:the\s+)?(?<a>[\p{L}]+)\s+" + Often + @"\s*(?:a|per|each)?\s*(?:week|month|day)?", Options), "often:"),
        (new(@"\b" + Count + @"\s+(?<a>[\p{L}]+)\s+(?:days|sessions|times)\s+(?:a|per|each)\s+week", Options), "often:"),
        (new(@"\b(?:my\s+(?:new\s+)?job\s+(?:at|with)|^work\s+at|(?<=[.!?]\s)work\s+at|I\s+joined|I\s+left|I\s+quit)\s+(?<v>(?:the\s+)?(?-i:\p{Lu})[\p{L}&'-]*(?:\s+(?-i:\p{Lu})[\p{L}&'-]*){0,3})", Options), "work"),
        (new(@"\b(?:I|we)\s+(?:now\s+|currently\s+|still\s+)?live\s+(?:near|close\s+to|next\s+to|by|on|in)\s+" + Value, Options), "home"),
        (new(@"\b(?:renamed|re-named)\s+(?:my|our|the)\s+(?<a>" + Pets + @")\s+(?:from\s+\S+\s+)?to\s+" + Name, Options), "petname:"),
        (new(@"\b(?:my|our|the)\s+(?<a>" + Pets + @")\s+is\s+(?:now\s+called|now\s+named|called\s+\S+\s+now)\s+" + Name, Options), "petname:"),
    ];

    private static readonly Regex ChangeWords = new(
        @"\b(?:now|new|moved|switched|changed|renamed|upped|raised|promoted|left|quit|replaced|no\s+longer|anymore|any\s+more|instead|these\s+days|nowadays|from\s+now\s+on)\b", Options);

    private static readonly Regex Present = new(
        @"\b(?:now|right\s+now|current|currently|these\s+days|nowadays|at\s+the\s+moment|at\s+present|presently|still|anymore|any\s+more|latest|most\s+recent(?:ly)?|today)\b", Options);

    /// <summary>Whether a question asks for how things are now (recency weighs more).</summary>
    public static bool AsksForPresent(string question) => Present.IsMatch(question);

    /// <summary>The slots the user's statements in a passage give values to (the user's words come first in each exchange of a passage).</summary>
    public static IReadOnlyList<SlotValue> Slots(string passage)
    {
        var found = new Dictionary<string, SlotValue>(StringComparer.Ordinal);
        foreach (var exchange in passage.Split(TurnDocuments.ExchangeSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var user = exchange.Split('\n', 2)[0];
            var change = ChangeWords.IsMatch(user);
            foreach (var candidate in RuleSuggestionExtractor.Extract(user))
                if (SlotOf(candidate) is { } slot && ValueOf(candidate) is { Length: > 0 } value)
                    found[slot] = new SlotValue(slot, value, change);
            foreach (var (pattern, slot) in Attributes)
            {
                foreach (Match m in pattern.Matches(user))
                {
                    var name = slot.EndsWith(':') ? slot + MemoryText.Key(m.Groups["a"].Value, 2)
                        : slot.IndexOf(':') is var colon and > 0 ? slot[..(colon + 1)] + MemoryText.Key(slot[(colon + 1)..], 2) : slot;
                    var value = Normalise(m.Groups["v"].Value);
                    if (value.Length > 0) found[name] = new SlotValue(name, value, change || slot == "petname:");
                }
            }
        }
        return [.. found.Values];
    }

    /// <summary>
    /// Marks superseded passages and orders the candidates: recency bonus (see the type's summary), then each superseded
    /// passage right after the passage that supersedes it. Looks at the first <paramref name="window"/> candidates.
    /// </summary>
    public static List<MemoryHit> Apply(IReadOnlyList<MemoryHit> ranked, string question, int window)
    {
        if (ranked.Count < 2) return [.. ranked];
        var head = ranked.Take(window).ToList();
        var oldest = head.Min(h => h.Document.CreatedAt.UtcTicks);
        var span = (double)(head.Max(h => h.Document.CreatedAt.UtcTicks) - oldest);
        var bonus = AsksForPresent(question) ? PresentBonus : TieBreak;
        var order = head
            .Select((h, i) => (Hit: h, Index: i, Key: h.Score * (1 + (span > 0 ? bonus * (h.Document.CreatedAt.UtcTicks - oldest) / span : 0))))
            .OrderByDescending(p => p.Key).ThenBy(p => p.Index)
            .Select(p => p.Hit).ToList();

        var slots = order.Select(h => Slots(h.Text)).ToList();
        var superseder = new string?[order.Count];
        for (var i = 0; i < order.Count; i++)
        {
            DateTimeOffset? best = null;
            for (var j = 0; j < order.Count; j++)
            {
                if (i == j || !Later(order[j], order[i]) || SameConversation(order[i], order[j])) continue;
                var conflict = slots[i].Any(old => slots[j].Any(@new =>
                    @new.Slot == old.Slot && @new.Value != old.Value && (!old.Slot.StartsWith("petname:", StringComparison.Ordinal) || @new.Change)));
                if (conflict && (best is null || order[j].Document.CreatedAt > best))
                {
                    best = order[j].Document.CreatedAt;
                    superseder[i] = order[j].Id;
                }
            }
        }
        var marked = order.Select((h, i) => superseder[i] is { } by ? h with { SupersededBy = by } : h).ToList();
        // Each superseded passage goes right after the newest passage that supersedes it when that one ranked lower.
        var result = new List<MemoryHit>(marked.Count);
        var placed = new HashSet<MemoryHit>(ReferenceEqualityComparer.Instance);
        foreach (var hit in marked)
        {
            if (placed.Contains(hit)) continue;
            if (hit.SupersededBy is { } by && marked.FirstOrDefault(h => h.Id == by && !placed.Contains(h)) is { } newer)
            {
                result.Add(newer);
                placed.Add(newer);
            }
            result.Add(hit);
            placed.Add(hit);
        }
        result.AddRange(ranked.Skip(window));
        return result;
    }

    private static bool Later(MemoryHit a, MemoryHit b) => a.Document.CreatedAt > b.Document.CreatedAt;

    private static bool SameConversation(MemoryHit a, MemoryHit b) =>
        a.Document.Session is { } s ? s == b.Document.Session : a.Collection == b.Collection && a.Id == b.Id;

    /// <summary>The slot of a suggestion: one-value subjects only (a sister named Anna and one named Priya are two people).</summary>
    private static string? SlotOf(MemoryCandidate candidate) => candidate.Kind switch
    {
        MemoryKinds.Fact => candidate.Subject,
        MemoryKinds.Preference => candidate.Subject,
        MemoryKinds.Person when candidate.Subject.Count(c => c == ':') == 1 => candidate.Subject,
        MemoryKinds.Person when PetSubject().Match(candidate.Subject) is { Success: true } pet => "petname:" + pet.Groups["a"].Value,
        _ => null,
    };

    /// <summary>What a suggestion says the slot is: its object for facts (so "Lives in Utrecht" and "Moved to Utrecht" agree), the whole statement otherwise.</summary>
    private static string ValueOf(MemoryCandidate candidate)
    {
        var text = Parenthesised().Replace(candidate.Text, "");
        if (candidate.Kind == MemoryKinds.Fact) text = FactVerb().Replace(MoveOrigin().Replace(text, ""), "");
        if (candidate.Kind == MemoryKinds.Person && PetSubject().Match(candidate.Subject) is { Success: true } pet) text = candidate.Subject[(candidate.Subject.LastIndexOf(':') + 1)..];
        return Normalise(text);
    }

    private static readonly Dictionary<string, string> Numbers = new(StringComparer.Ordinal)
    {
        ["once"] = "1", ["one"] = "1", ["twice"] = "2", ["two"] = "2", ["thrice"] = "3", ["three"] = "3", ["four"] = "4", ["five"] = "5",
        ["six"] = "6", ["seven"] = "7", ["daily"] = "7", ["everi"] = "", ["time"] = "",
    };

    /// <summary>A value compared as analysed words, spelled-out small numbers as digits and thousands separators dropped.</summary>
    private static string Normalise(string value)
    {
        var terms = Search.TextAnalyzer.Analyze(Thousands().Replace(value, "$1$2"))
            .Select(t => Numbers.TryGetValue(t, out var n) ? n : t).Where(t => t.Length > 0);
        return string.Join(' ', terms).Trim().ToLower(CultureInfo.InvariantCulture);
    }

    [GeneratedRegex(@"\s*\([^)]*\)")]
    private static partial Regex Parenthesised();

    [GeneratedRegex(@"\s+from\s+.*$", RegexOptions.IgnoreCase)]
    private static partial Regex MoveOrigin();

    [GeneratedRegex(@"^(?:Lives\s+in|Moved\s+to|Moving\s+to|Works\s+at|Works\s+as|Is\s+from|Name:)\s+", RegexOptions.IgnoreCase)]
    private static partial Regex FactVerb();

    [GeneratedRegex(@"^person:(?<a>" + Pets + @"):[^:]+$")]
    private static partial Regex PetSubject();

    [GeneratedRegex(@"(\d),(\d{3})")]
    private static partial Regex Thousands();
}
