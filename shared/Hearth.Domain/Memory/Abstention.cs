using System.Text.RegularExpressions;
using Hearth.Search;

namespace Hearth.Memory;

/// <summary>
/// Whether what recall found answers a question, or the reply should say it does not know: it does when one recalled
/// passage is as similar to the question as the model's floor (<see cref="SimilarityFloors"/>), or one passage, fact or
/// recent turn holds at least <c>Memory:RelevanceFloor</c> of the question's content words by itself — unless the question
/// names something (a capitalised word past its first: "Barcelona") that nothing recalled mentions.
/// </summary>
public static partial class Abstention
{
    /// <summary>Whether <paramref name="hits"/> (and facts or recent turns, <paramref name="otherTexts"/>) answer <paramref name="question"/>.</summary>
    public static bool Answers(string question, IReadOnlyList<string> contentTerms, IReadOnlyList<MemoryHit> hits, IReadOnlyList<string> otherTexts,
        double? similarityFloor, double coverageFloor)
    {
        var relevant = hits.Where(h => h.IsRelevant(similarityFloor)).ToList();
        var texts = relevant.Select(h => h.Text).Concat(otherTexts).ToList();
        // A name the question gives (Barcelona, Pixel 8) that nothing recalled holds: what is remembered is about something else.
        var said = new HashSet<string>(texts.SelectMany(TextAnalyzer.Analyze), StringComparer.Ordinal);
        if (Names(question).Any(n => !said.Contains(n))) return false;
        // One passage (or fact, or recent turn) must hold enough of the question by itself: "favourite" in one passage and
        // "fish" in another do not answer "what is my favourite fish dish?".
        return (similarityFloor is { } f && relevant.Any(h => h.Similarity >= f))
            || texts.Any(t => IntentDetector.Covers(contentTerms, [t], coverageFloor));
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
