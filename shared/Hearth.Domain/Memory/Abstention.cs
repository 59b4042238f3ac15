using System.Text.RegularExpressions;
using Hearth.Search;

namespace Hearth.Memory;

/// <summary>
/// Whether what recall found answers a question, or the reply should say it does not know: it does when one recalled
/// passage is as similar to the question as the model's floor (<see cref="SimilarityFloors"/>), or one passage, fact or
/// recent turn holds at least <c>Memory:RelevanceFloor</c> of the question's content words by itself — unless the question
/// names something (a capitalised word past its first: "Barcelona") that nothing recalled mentions, or restricts its
/// subject with a detail ("my commute by bike") that nothing recalled mentions while its subject is there, and no
/// passage is as close as <see cref="DetailSimilarity"/>; and when the question asks for a value of a closed class
/// (a colour, an amount, an age: <see cref="ExpectedAnswer"/>), only passages that hold such a value count.
/// </summary>
public static partial class Abstention
{
    /// <summary>Whether <paramref name="hits"/> (and facts or recent turns, <paramref name="otherTexts"/>) answer <paramref name="question"/>.</summary>
    public static bool Answers(string question, IReadOnlyList<string> contentTerms, IReadOnlyList<MemoryHit> hits, IReadOnlyList<string> otherTexts,
        double? similarityFloor, double coverageFloor)
    {
        var relevant = hits.Where(h => h.IsRelevant(similarityFloor)).ToList();
        // "What colour is my laptop?" is not answered by "my laptop is getting slow", however close: the value asked for
        // must be there. Only for classes whose values can be listed; an open one ("what breed": "beagle") is left to the rest.
        if (ExpectedAnswer(question) is { } expected)
        {
            relevant = relevant.Where(h => expected.IsMatch(h.Text)).ToList();
            otherTexts = otherTexts.Where(t => expected.IsMatch(t)).ToList();
        }
        var texts = relevant.Select(h => h.Text).Concat(otherTexts).ToList();
        // A name the question gives (Barcelona, Pixel 8) that nothing recalled holds: what is remembered is about something else.
        var said = new HashSet<string>(texts.SelectMany(TextAnalyzer.Analyze), StringComparer.Ordinal);
        if (Names(question).Any(n => !said.Contains(n))) return false;
        var best = relevant.Select(h => h.Similarity ?? 0).DefaultIfEmpty(0).Max();
        // A detail the question restricts its subject with ("my commute by bike") that nothing recalled mentions, while
        // the subject is there ("my commute to the office"): what is remembered is about another case, unless a passage
        // is close enough in meaning to be a paraphrase.
        var details = Details(question);
        if (details.Count > 0 && details.Any(d => !said.Contains(d)) && contentTerms.Any(said.Contains) && !(best >= DetailSimilarity))
            return false;
        // One passage (or fact, or recent turn) must hold enough of the question by itself: "favourite" in one passage and
        // "fish" in another do not answer "what is my favourite fish dish?".
        return (similarityFloor is { } f && relevant.Any(h => h.Similarity >= f))
            || texts.Any(t => IntentDetector.Covers(contentTerms, [t], coverageFloor));
    }

    /// <summary>
    /// What an answer to <paramref name="question"/> must contain when it asks for a value of a closed class: a colour
    /// word for "what colour", a number or sum for "how much" (not "how much time/longer/more"), a number for "how old" or
    /// "what age"; null for any other question.
    /// </summary>
    public static Regex? ExpectedAnswer(string question) =>
        AsksColour().IsMatch(question) ? ColourValue()
        : AsksAmount().IsMatch(question) || AsksAge().IsMatch(question) ? NumberValue()
        : null;

    [GeneratedRegex(@"\b(what|which)\s+(colou?rs?|shades?)\b|\bthe\s+colou?rs?\s+of\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex AsksColour();

    [GeneratedRegex(@"\bhow\s+much\b(?!\s+(time|longer|more|less|later|earlier|ago|further|farther|better|worse|do\s+(i|you)\s+(like|love|enjoy|hate|care)))", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex AsksAmount();

    [GeneratedRegex(@"\bhow\s+old\b|\b(what|which)\s+age\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex AsksAge();

    [GeneratedRegex(@"\b(red|reds|orange|yellow|green|blue|purple|violet|pink|brown|black|white|grey|gray|silver|gold|golden|beige|navy|teal|turquoise|" +
        @"cream|maroon|burgundy|lilac|lavender|ivory|tan|khaki|magenta|cyan|indigo|crimson|scarlet|olive|mint|coral|peach|charcoal|bronze|copper|" +
        @"amber|emerald|aqua|mauve|ochre|rust|sand|graphite|champagne|rose|blonde?|auburn|ginger)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ColourValue();

    [GeneratedRegex(@"\p{Nd}|[€$£¥₹]|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|" +
        @"eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|thousand|million|billion|dozen|half|couple|grand)\b" +
        @"|\bfree\b|\bnothing\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex NumberValue();

    /// <summary>Cosine from which a passage counts as a paraphrase of a question whose detail it does not mention.</summary>
    public const double DetailSimilarity = 0.62;

    private static readonly HashSet<string> Markers = new(
        ["by", "with", "at", "on", "in", "for", "from", "about", "of", "my", "our", "the", "his", "her", "their", "your"], StringComparer.OrdinalIgnoreCase);

    private static readonly HashSet<string> KindWords = new(["kind", "kinds", "type", "types", "sort", "sorts", "style", "genre"], StringComparer.OrdinalIgnoreCase);

    // Words after a marker that do not restrict: quantities and times ("my two nieces", "my current salary").
    private static readonly HashSet<string> NotDetails = new(
        new[] { "two", "three", "four", "five", "both", "few", "several", "current", "latest", "new", "old", "previous", "recent", "next", "favourite",
                "favorite", "own", "usual", "best", "other", "same" }.SelectMany(TextAnalyzer.Analyze), StringComparer.Ordinal);

    /// <summary>
    /// The details a question restricts its subject with: up to two content words after a preposition, an article or
    /// a possessive ("by bike", "with the pizza", "my laptop"), question words, quantities and times left out.
    /// </summary>
    public static IReadOnlyList<string> Details(string question)
    {
        var words = Word().Matches(question).Select(m => m.Value).ToList();
        var details = new List<string>();
        for (var i = 0; i < words.Count - 1; i++)
        {
            if (!Markers.Contains(words[i])) continue;
            // "what kind of holidays": the kind asked for, not a restriction.
            if (i > 0 && words[i].Equals("of", StringComparison.OrdinalIgnoreCase) && KindWords.Contains(words[i - 1])) continue;
            var taken = 0;
            for (var j = i + 1; j < words.Count && taken < 2 && !Markers.Contains(words[j]); j++)
            {
                var terms = TextAnalyzer.Analyze(words[j]).Where(t => !IntentDetector.IsQuestionTerm(t) && !NotDetails.Contains(t) && !t.All(char.IsDigit)).ToList();
                if (terms.Count == 0) break;
                details.AddRange(terms);
                taken++;
            }
        }
        return details.Distinct(StringComparer.Ordinal).ToList();
    }

    /// <summary>The analysed terms of the capitalised words of a question that are not its first word ("I" and "I'm" aside).</summary>
    public static IReadOnlyList<string> Names(string question)
    {
        var words = Word().Matches(question).Select(m => m.Value).ToList();
        return words.Skip(1).Where(w => char.IsUpper(w[0]) && w is not ("I" or "I'm" or "I've" or "I'd" or "I'll"))
            .SelectMany(TextAnalyzer.Analyze).Where(t => !IntentDetector.IsQuestionTerm(t)).Distinct(StringComparer.Ordinal).ToList();
    }

    [GeneratedRegex(@"[\p{L}\p{N}]+(?:['’][\p{L}]+)?")]
    private static partial Regex Word();
}
