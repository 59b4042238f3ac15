using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Hearth.Chat;
using Microsoft.Extensions.Logging;

namespace Hearth.Memory;

/// <summary>What a summary says: topics, decisions, action items and a short text; <see cref="Origin"/> is <c>rules</c> or <c>model</c>.</summary>
public sealed record SummaryDraft(IReadOnlyList<string> Topics, IReadOnlyList<string> Decisions, IReadOnlyList<string> ActionItems, string Text, string Origin);

/// <summary>Writes the summary of a run of messages (oldest first).</summary>
public interface ISessionSummaryWriter
{
    Task<SummaryDraft> WriteAsync(IReadOnlyList<ConversationMessage> messages, CancellationToken ct);
}

/// <summary>
/// The offline summary: topics are the words (four letters or more, not common words, not adverbs) the user used and
/// the conversation came back to (the user's words count double), with names and other capitalised words first; decisions are sentences that say one was made ("we decided",
/// "let's go with", "I chose", "we agreed", "settled on"); action items are sentences that commit to doing something
/// ("I need to", "I have to", "remind me to", "todo", "next step", "I'll", "I will", "don't forget"). The text is a few
/// sentences: topics, what the user told (in the third person), decisions, what is still to do, open questions.
/// </summary>
public sealed partial class RuleSummaryWriter : ISessionSummaryWriter
{
    private const int MaxTopics = 6;
    private const int MaxSentences = 8;

    private static readonly HashSet<string> Common = new(StringComparer.OrdinalIgnoreCase)
    {
        "that", "this", "with", "have", "what", "your", "about", "there", "would", "could", "should", "they", "them", "then", "than", "were", "been",
        "will", "just", "like", "really", "know", "think", "want", "some", "more", "also", "into", "from", "when", "where", "which", "while", "here",
        "sure", "yeah", "okay", "thanks", "thank", "good", "great", "nice", "well", "sounds", "maybe", "much", "very", "make", "does", "doing", "done",
        "going", "need", "lets", "let's", "it's", "that's", "i'm", "you're", "don't", "can't", "i'll", "we'll", "i've", "there's", "what's", "right",
        "time", "today", "tomorrow", "things", "thing", "something", "anything", "everything", "other", "only", "even", "still", "back", "over",
        "after", "before", "because", "though", "again", "every", "each", "most", "many", "same", "such", "these", "those", "their", "being",
        "how", "why", "who", "you", "the", "and", "for", "are", "but", "not", "all", "can", "had", "her", "was", "one", "our", "out", "get", "got",
        "help", "tell", "said", "says", "idea", "ideas", "definitely", "probably", "actually", "hello", "hi", "hey", "please", "first", "next",
        "decided", "decide", "remind", "forget", "todo", "step", "steps", "will", "shall", "must", "might", "look", "looks", "feel", "feels",
        "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "january", "february", "march", "april", "june", "july",
        "august", "september", "october", "november", "december", "question", "depends", "guess", "love", "lovely", "haha",
    };

    private static readonly Regex DecisionPattern = new(
        @"\b(we|i)\s+(have\s+|'ve\s+)?(decided|chose|chosen|agreed|settled\s+on|went\s+with|are\s+going\s+with|'re\s+going\s+with|will\s+go\s+with|'ll\s+go\s+with)\b|" +
        @"\blet'?s\s+go\s+with\b|\bdecision\s*:|\bwe'?ll\s+use\b|\bthe\s+plan\s+is\b",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.Compiled);

    private static readonly Regex ActionPattern = new(
        @"\bi\s+(need|have|ought)\s+to\b|\bi\s+must\b|\bremind\s+me\s+to\b|\bto-?\s?do\s*:|\bnext\s+steps?\b|\bi'?ll\b|\bi\s+will\b|\bdon'?t\s+forget\b|" +
        @"\bi\s+should\b|\bi'?m\s+going\s+to\b|\bi\s+plan\s+to\b|\baction\s+item\b|\bwe\s+(need|have)\s+to\b|\bwe'?ll\b",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.Compiled);

    public Task<SummaryDraft> WriteAsync(IReadOnlyList<ConversationMessage> messages, CancellationToken ct) => Task.FromResult(Write(messages));

    public static SummaryDraft Write(IReadOnlyList<ConversationMessage> messages)
    {
        var topics = Topics(messages);
        var userSentences = messages.Where(m => m.Role == "user").SelectMany(m => Sentences(m.Text)).ToList();
        var allSentences = messages.SelectMany(m => Sentences(m.Text)).ToList();
        var decisions = allSentences.Where(s => DecisionPattern.IsMatch(s) && !s.EndsWith('?')).Select(Tidy).Distinct(StringComparer.OrdinalIgnoreCase).Take(MaxSentences).ToList();
        var actions = userSentences.Where(s => ActionPattern.IsMatch(s) && !s.EndsWith('?') && !DecisionPattern.IsMatch(s))
            .Select(Tidy).Distinct(StringComparer.OrdinalIgnoreCase).Take(MaxSentences).ToList();

        return new SummaryDraft(topics, decisions, actions, Prose(messages, topics, decisions, actions), "rules");
    }

    /// <summary>
    /// A few real sentences: what it was about, what the user told (in the third person), what was decided, what is
    /// still to do, and the user's open questions. Never a bare list of words.
    /// </summary>
    private static string Prose(IReadOnlyList<ConversationMessage> messages, IReadOnlyList<string> topics, IReadOnlyList<string> decisions, IReadOnlyList<string> actions)
    {
        var user = messages.Where(m => m.Role == "user").SelectMany(m => Sentences(m.Text)).Select(s => s.Trim()).ToList();
        var told = user.Where(s => !s.EndsWith('?') && !DecisionPattern.IsMatch(s) && !ActionPattern.IsMatch(s) && Informative(s))
            .Select(s => ThirdPerson(Tidy(s))).Distinct(StringComparer.OrdinalIgnoreCase).Take(3).ToList();
        var asked = user.Where(s => s.EndsWith('?') && FirstPerson().IsMatch(s))
            .Select(s => ThirdPerson(s.TrimEnd('?', ' '))).Distinct(StringComparer.OrdinalIgnoreCase).Take(2).ToList();

        var text = new List<string>();
        if (topics.Count > 0) text.Add($"The conversation was about {Join(topics)}.");
        if (told.Count > 0) text.Add($"The user mentioned that {Join(told)}.");
        foreach (var decision in decisions.Take(3)) text.Add(EndSentence(Capitalise(ThirdPerson(decision))));
        if (actions.Count > 0) text.Add($"Still to do: {Join(actions.Take(3).Select(ThirdPerson).ToList())}.");
        if (asked.Count > 0) text.Add($"Open {(asked.Count == 1 ? "question" : "questions")}: {string.Join("; ", asked.Select(q => q + "?"))}");
        return text.Count > 0 ? string.Join(" ", text) : "A short exchange of greetings; nothing was decided.";
    }

    /// <summary>A statement worth retelling: it is about the user (I, my, we) or names someone or something, and says something.</summary>
    private static bool Informative(string sentence) =>
        Words().Matches(sentence).Count >= 4 && (FirstPerson().IsMatch(sentence) || Words().Matches(sentence).Skip(1).Any(w => char.IsUpper(w.Value[0]) && w.Value != "I"));

    /// <summary>The user's words in the third person ("I'm moving to Lisbon" → "they're moving to Lisbon").</summary>
    private static string ThirdPerson(string sentence)
    {
        var s = sentence;
        foreach (var (pattern, replacement) in ThirdPersonRules) s = Regex.Replace(s, pattern, replacement, RegexOptions.CultureInvariant);
        return s;
    }

    private static readonly (string Pattern, string Replacement)[] ThirdPersonRules =
    [
        (@"\b(?:I|i)'m\b", "they're"), (@"\b(?:I|i)\s+am\b", "they are"), (@"\b(?:I|i)\s+was\b", "they were"), (@"\b(?:I|i)'ve\b", "they've"),
        (@"\b(?:I|i)'ll\b", "they'll"), (@"\b(?:I|i)'d\b", "they'd"), (@"\bI\b", "they"), (@"\b[Mm]yself\b", "themselves"), (@"\b[Mm]y\b", "their"),
        (@"\b[Mm]ine\b", "theirs"), (@"\b[Mm]e\b", "them"), (@"\b[Ww]e're\b", "they're"), (@"\b[Ww]e've\b", "they've"), (@"\b[Ww]e'll\b", "they'll"),
        (@"\b[Ww]e\b", "they"), (@"\b[Oo]ur\b", "their"), (@"\b[Uu]s\b", "them"), (@"\b[Yy]our\b", "the companion's"), (@"\b[Yy]ou\b", "the companion"),
        (@"\bthey\s+(has|does|is|was|goes)\b", "they $1"),
    ];

    private static string Capitalise(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];

    [GeneratedRegex(@"\b(?:I|I'm|I've|I'll|I'd|my|me|we|our|us)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex FirstPerson();

    private static List<string> Topics(IReadOnlyList<ConversationMessage> messages)
    {
        // The user's words count double and a topic must be one the user used: a companion's stock phrases ("it
        // depends", "good question") are never what a conversation was about. Adverbs (-ly) are not topics.
        var counts = new Dictionary<string, (int Count, int Capitalised, bool ByUser, string Form)>(StringComparer.OrdinalIgnoreCase);
        foreach (var message in messages)
        {
            var byUser = message.Role == "user";
            foreach (var sentence in Sentences(message.Text))
            {
                var words = Words().Matches(sentence).Select(m => m.Value).ToList();
                for (var i = 0; i < words.Count; i++)
                {
                    var word = words[i].Trim('\'', '-');
                    if (word.Length < 4 || Common.Contains(word) || word.All(char.IsDigit)) continue;
                    var capitalised = i > 0 && char.IsUpper(word[0]) ? 1 : 0;
                    if (capitalised == 0 && word.EndsWith("ly", StringComparison.OrdinalIgnoreCase) && !word.Equals("family", StringComparison.OrdinalIgnoreCase)) continue;
                    var current = counts.TryGetValue(word, out var known) ? known : (Count: 0, Capitalised: 0, ByUser: false, Form: capitalised == 1 ? word : word.ToLowerInvariant());
                    counts[word] = (current.Count + (byUser ? 2 : 1), current.Capitalised + capitalised, current.ByUser || byUser, current.Form);
                }
            }
        }
        return counts.Where(p => p.Value.ByUser && (p.Value.Count >= 3 || (p.Value.Capitalised > 0 && p.Value.Count >= 2)))
            .OrderByDescending(p => p.Value.Capitalised > 0)
            .ThenByDescending(p => p.Value.Count)
            .ThenBy(p => p.Key, StringComparer.OrdinalIgnoreCase)
            .Take(MaxTopics)
            .Select(p => p.Value.Form)
            .ToList();
    }

    private static IEnumerable<string> Sentences(string text) =>
        SentenceBreaks().Split(text).Select(s => s.Trim()).Where(s => s.Length > 3);

    private static string Tidy(string sentence) => MemoryText.Clip(sentence.Trim().TrimEnd('.', '!', ';'), 200);

    private static string EndSentence(string sentence) => sentence.EndsWith('…') ? sentence : sentence + ".";

    private static string Join(IReadOnlyList<string> items) =>
        items.Count == 1 ? items[0] : string.Join(", ", items.Take(items.Count - 1)) + " and " + items[^1];

    [GeneratedRegex(@"(?<=[.!?])\s+|\n+")]
    private static partial Regex SentenceBreaks();

    [GeneratedRegex(@"[\p{L}][\p{L}'\-]*")]
    private static partial Regex Words();
}

/// <summary>
/// The model summary: asks for JSON (<c>{"topics":[],"decisions":[],"actionItems":[],"summary":""}</c>) and falls back
/// to the rules when no model answers or the answer is not that JSON.
/// </summary>
public sealed class ModelSummaryWriter(IMemoryModel model, RuleSummaryWriter rules, ILogger<ModelSummaryWriter> logger) : ISessionSummaryWriter
{
    public const string Purpose = "memory.summary";

    private const string SystemPrompt = """
        You summarise a conversation between a user and an assistant for the assistant's long-term memory.
        Answer with JSON only: {"topics":["..."],"decisions":["..."],"actionItems":["..."],"summary":"..."}.
        topics: up to 6 short noun phrases. decisions: what was decided and why, one sentence each. actionItems: what the user (or the assistant) committed to do next, one sentence each.
        summary: at most 4 sentences, third person ("The user ..."). Use only what the conversation says.
        """;

    public async Task<SummaryDraft> WriteAsync(IReadOnlyList<ConversationMessage> messages, CancellationToken ct)
    {
        var transcript = new StringBuilder();
        foreach (var message in messages)
            transcript.Append(message.Role == "user" ? "User: " : "Assistant: ").AppendLine(message.Text);
        var answer = await ModelJson.AskAsync(model, Purpose, SystemPrompt, transcript.ToString(), logger, ct);
        if (answer is not null && Parse(answer) is { } draft) return draft;
        if (answer is not null) logger.LogWarning("The model's session summary was not the expected JSON; using the rules");
        return await rules.WriteAsync(messages, ct);
    }

    /// <summary>The draft in a model answer, or null when it is not the expected JSON.</summary>
    public static SummaryDraft? Parse(string answer)
    {
        var json = ModelJson.Extract(answer);
        if (json is null) return null;
        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || ModelJson.String(root, "summary") is not { Length: > 0 } summary) return null;
            return new SummaryDraft(
                ModelJson.Strings(root, "topics").Take(10).Select(t => MemoryText.Clip(t, 80)).ToList(),
                ModelJson.Strings(root, "decisions").Take(20).Select(t => MemoryText.Clip(t, 300)).ToList(),
                ModelJson.Strings(root, "actionItems").Take(20).Select(t => MemoryText.Clip(t, 300)).ToList(),
                MemoryText.Clip(summary, 2000),
                "model");
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
