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
/// The offline summary: topics are the words (four letters or more, not common words) said most often — at least
/// twice — with names and other capitalised words first; decisions are sentences that say one was made ("we decided",
/// "let's go with", "I chose", "we agreed", "settled on"); action items are sentences that commit to doing something
/// ("I need to", "I have to", "remind me to", "todo", "next step", "I'll", "I will", "don't forget").
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

        var text = new StringBuilder();
        text.Append(topics.Count > 0 ? $"Talked about {Join(topics)}." : "A short conversation.");
        if (decisions.Count > 0) text.Append(" Decided: ").Append(string.Join(" ", decisions.Select(EndSentence)));
        if (actions.Count > 0) text.Append(" To do: ").Append(string.Join(" ", actions.Select(EndSentence)));
        return new SummaryDraft(topics, decisions, actions, text.ToString(), "rules");
    }

    private static List<string> Topics(IReadOnlyList<ConversationMessage> messages)
    {
        var counts = new Dictionary<string, (int Count, int Capitalised, string Form)>(StringComparer.OrdinalIgnoreCase);
        foreach (var message in messages)
        {
            foreach (var sentence in Sentences(message.Text))
            {
                var words = Words().Matches(sentence).Select(m => m.Value).ToList();
                for (var i = 0; i < words.Count; i++)
                {
                    var word = words[i].Trim('\'', '-');
                    if (word.Length < 4 || Common.Contains(word) || word.All(char.IsDigit)) continue;
                    var capitalised = i > 0 && char.IsUpper(word[0]) ? 1 : 0;
                    var current = counts.TryGetValue(word, out var known) ? known : (Count: 0, Capitalised: 0, Form: capitalised == 1 ? word : word.ToLowerInvariant());
                    counts[word] = (current.Count + 1, current.Capitalised + capitalised, current.Form);
                }
            }
        }
        return counts.Where(p => p.Value.Count >= 2)
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
