using System.Text.RegularExpressions;
using Hearth.Search;

namespace Hearth.Memory;

/// <summary>What a message asks of memory, as <see cref="IntentDetector"/> reads it.</summary>
public enum MemoryIntent
{
    /// <summary>A statement or small talk: memory adds what is relevant, and says nothing when nothing is.</summary>
    None,
    /// <summary>A question about something else; when nothing relevant is remembered the reply must say it does not know.</summary>
    Question,
    /// <summary>"Who are you?": the self-description.</summary>
    Self,
    /// <summary>"Why did we choose …?": decisions.</summary>
    Decisions,
    /// <summary>"What's next?": open action items and project states.</summary>
    NextSteps,
    /// <summary>"Where was I?": the last session summary.</summary>
    WhereWasI,
}

/// <summary>
/// Rule-based intent detection for recall, checked in this order on the lower-cased message (documented in docs/memory.md):
/// self ("who/what are you", "tell me about yourself", "what's your name", "what can you do", "are you a bot"),
/// where-was-i ("where was I / were we", "what were we doing / talking about / working on", "where did we leave off",
/// "catch me up"), decisions ("why did we/I choose / pick / decide / go with", "what did we decide", "why … instead of"),
/// next steps ("what's next", "next step(s)", "to-do / todo", "action items", "what should I do/work on", "what's left",
/// "what do I need/have to do"), then any other question (a question mark, or a leading question word, or "do you
/// remember / know").
/// </summary>
public static partial class IntentDetector
{
    private const RegexOptions Options = RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.Compiled;

    private static readonly Regex Self = new(
        @"\b(who|what)\s+(are|r)\s+(you|u)\b|\btell\s+me\s+(about|more\s+about)\s+yourself\b|\bdescribe\s+yourself\b|" +
        @"\bwhat('?s|\s+is)\s+your\s+name\b|\bwhat\s+can\s+you\s+do\b|\bare\s+you\s+(an?\s+)?(ai|bot|robot|human|real|person|machine|assistant)\b|" +
        @"\bintroduce\s+yourself\b|\bwho\s+am\s+i\s+(talking|speaking|chatting)\s+(to|with)\b", Options);

    private static readonly Regex WhereWasI = new(
        @"\bwhere\s+(was\s+i|were\s+we|did\s+(we|i)\s+(leave|stop)\s+off)\b|\bwhat\s+were\s+we\s+(doing|talking\s+about|working\s+on|discussing|up\s+to)\b|" +
        @"\bcatch\s+me\s+up\b|\bremind\s+me\s+what\s+we\b|\bwhat\s+did\s+we\s+(talk\s+about|discuss)\s+last\b|\bpick\s+up\s+where\b", Options);

    private static readonly Regex Decisions = new(
        @"\bwhy\s+(did|do|have|had)\s+(we|i|you)\s+(choose|chose|pick|picked|decide|decided|go\s+with|went\s+with|select|opt|settle)\b|" +
        @"\bwhy\s+(are|were)\s+(we|i)\s+(using|going\s+with)\b|\bwhat\s+(did|have)\s+(we|i)\s+decided?\b|\bwhy\s+was\s+.{1,60}\s+(chosen|picked|decided)\b|" +
        @"\b(our|the|that)\s+decision\s+(to|about|on)\b|\bwhy\s+.{1,60}\binstead\s+of\b|\breason\s+(we|i)\s+(chose|picked|went\s+with|decided)\b", Options);

    private static readonly Regex NextSteps = new(
        @"\bwhat('?s|\s+is|\s+comes)\s+next\b|\bnext\s+steps?\b|\bto-?\s?dos?\b|\baction\s+items?\b|\bwhat\s+should\s+(i|we)\s+(do|work\s+on|tackle)\b|" +
        @"\bwhat('?s|\s+is)\s+left\b|\bwhat\s+(do|did)\s+(i|we)\s+(need|have)\s+to\s+do\b|\bwhat('?s|\s+is)\s+(on\s+)?my\s+(list|plate)\b|\bopen\s+tasks?\b", Options);

    private static readonly Regex Question = new(
        @"\?\s*$|^\s*(what|who|whom|whose|when|where|which|why|how|do|did|does|is|are|was|were|can|could|would|will|have|has|had|should|shall)\b|" +
        @"\b(do|did)\s+you\s+(remember|know|recall)\b|\bdid\s+i\s+(ever\s+)?(tell|mention|say)\b", Options);

    /// <summary>The intent of one message.</summary>
    public static MemoryIntent Detect(string text)
    {
        if (string.IsNullOrWhiteSpace(text)) return MemoryIntent.None;
        if (Self.IsMatch(text)) return MemoryIntent.Self;
        if (WhereWasI.IsMatch(text)) return MemoryIntent.WhereWasI;
        if (Decisions.IsMatch(text)) return MemoryIntent.Decisions;
        if (NextSteps.IsMatch(text)) return MemoryIntent.NextSteps;
        return Question.IsMatch(text) ? MemoryIntent.Question : MemoryIntent.None;
    }

    /// <summary>The name given to the chat in <see cref="Recall.Intent"/>.</summary>
    public static string Name(MemoryIntent intent) => intent switch
    {
        MemoryIntent.Self => "self",
        MemoryIntent.Decisions => "decisions",
        MemoryIntent.NextSteps => "next-steps",
        MemoryIntent.WhereWasI => "where-was-i",
        MemoryIntent.Question => "question",
        _ => "none",
    };

    // Words that shape a question rather than say what it is about (interrogatives, pronouns, the act of remembering,
    // generic verbs, quantity and time modifiers); left out when measuring relevance and when embedding the question.
    private static readonly HashSet<string> QuestionWords = new(
        ["what", "who", "whom", "whose", "when", "where", "which", "why", "how", "do", "did", "does", "done", "doing", "is", "was", "were", "am", "been",
         "can", "could", "would", "should", "shall", "have", "has", "had", "having", "i", "me", "my", "mine", "myself", "you", "your", "yours",
         "we", "us", "our", "remember", "recall", "know", "tell", "told", "say", "said", "mention", "mentioned", "suggest", "suggested",
         "recommend", "recommended", "ever", "again", "about", "please", "anything", "something", "thing", "things", "from", "any", "some",
         "there", "all", "one", "get", "gets", "got", "go", "goes", "going", "went", "gone", "make", "made", "come", "came", "take", "took", "so", "just", "also",
         "before", "earlier", "kind", "kinds", "type", "sort", "name", "names", "called", "many", "much", "long", "often", "far", "first", "last",
         "ago", "total", "together", "exactly", "usually", "currently", "now", "still", "since", "time", "times", "year", "years", "month",
         "months", "week", "weeks", "day", "days", "today", "yesterday", "tomorrow", "recently", "lately", "this", "that", "these", "those"],
        StringComparer.Ordinal);

    private static readonly HashSet<string> QuestionTerms = new(QuestionWords.SelectMany(TextAnalyzer.Analyze), StringComparer.Ordinal);

    /// <summary>Whether an analysed term only shapes a question ("what", "remember", "now").</summary>
    public static bool IsQuestionTerm(string term) => QuestionTerms.Contains(term);

    /// <summary>The analysed terms of a question that say what it is about (question words and stop words left out), distinct.</summary>
    public static IReadOnlyList<string> ContentTerms(string text) =>
        TextAnalyzer.Analyze(text).Where(t => !QuestionTerms.Contains(t)).Distinct(StringComparer.Ordinal).ToList();

    /// <summary>
    /// The words of a question that say what it is about, in order (question words and stop words dropped), or the text
    /// itself when nothing is left. The hashing embedder weighs every word alike, so "what did I" would otherwise count
    /// as much as the subject of the question.
    /// </summary>
    public static string ContentText(string text)
    {
        var kept = Words().Matches(text).Select(m => m.Value)
            .Where(w => TextAnalyzer.Analyze(w) is { Count: > 0 } terms && terms.Any(t => !QuestionTerms.Contains(t)))
            .ToList();
        return kept.Count == 0 ? text : string.Join(' ', kept);
    }

    [GeneratedRegex(@"[\p{L}\p{N}]+(?:['’][\p{L}]+)?")]
    private static partial Regex Words();

    /// <summary>
    /// Whether passages answer to a question: together they hold at least <paramref name="floor"/> of its content
    /// words (and at least one). A question with no content words is never covered.
    /// </summary>
    public static bool Covers(IReadOnlyList<string> contentTerms, IEnumerable<string> texts, double floor)
    {
        if (contentTerms.Count == 0) return false;
        var found = new HashSet<string>(StringComparer.Ordinal);
        foreach (var text in texts)
        {
            foreach (var term in TextAnalyzer.Analyze(text))
                if (contentTerms.Contains(term)) found.Add(term);
            if (found.Count == contentTerms.Count) break;
        }
        return found.Count > 0 && (double)found.Count / contentTerms.Count >= floor;
    }

    /// <summary>Share of <paramref name="contentTerms"/> found in <paramref name="text"/> (0 when there are none).</summary>
    public static double Coverage(IReadOnlyList<string> contentTerms, string text)
    {
        if (contentTerms.Count == 0) return 0;
        var terms = new HashSet<string>(TextAnalyzer.Analyze(text), StringComparer.Ordinal);
        return (double)contentTerms.Count(terms.Contains) / contentTerms.Count;
    }
}
