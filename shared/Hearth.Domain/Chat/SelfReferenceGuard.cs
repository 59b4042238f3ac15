using System.Text;
using System.Text.RegularExpressions;

namespace Hearth.Chat;

/// <summary>What the guard found and what is left of a reply after repair.</summary>
/// <param name="Text">The repaired text (offending sentences removed, third person turned into first person).</param>
/// <param name="Violations">e.g. <c>ai-identity</c>, <c>instructions</c>, <c>third-person</c>.</param>
/// <param name="Usable">False when too little survived: write the reply again.</param>
public sealed record GuardVerdict(string Text, IReadOnlyList<string> Violations, bool Usable)
{
    public bool Clean => Violations.Count == 0;
}

/// <summary>
/// Keeps a companion in character: it never calls itself an AI, a language model, an assistant or a bot, never talks
/// about its instructions or prompt (nor repeats them), and never speaks of itself in the third person. Works sentence
/// by sentence so that a streamed reply can be checked as it comes: an offending sentence is rewritten (third person →
/// first person) or dropped; a reply that loses more than half of its sentences (or all its words) is not usable.
/// </summary>
public sealed partial class SelfReferenceGuard
{
    /// <summary>The fixed rules the prompt carries; a reply repeating seven words of them in a row leaks the prompt.</summary>
    private readonly HashSet<string> _ruleShingles;

    public SelfReferenceGuard(string rulesText) => _ruleShingles = Shingles(rulesText, 7);

    [GeneratedRegex(@"\bas an? (?:ai\b|a\.i\.|artificial intelligence|(?:large )?language model|llm\b|chat ?bot|bot\b|virtual (?:assistant|companion)|digital assistant|ai (?:assistant|model|companion)|assistant\b(?! (?:manager|editor|professor|coach|director|teacher|chef|principal)))", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex AsAnAi();

    [GeneratedRegex(@"\b(?:i am|i'm|i’m|im|i was)\s+(?:just |only |merely |simply |not |actually |really |basically )*(?:an? |the )?(?:ai\b|a\.i\.|artificial intelligence|(?:large )?language model|llm\b|chat ?bot|bot\b|virtual (?:assistant|companion|being)|digital (?:assistant|companion|being)|ai (?:assistant|model|companion)|computer program|program\b|machine\b|software\b|assistant\b(?! (?:manager|editor|professor|coach|director|teacher|chef|principal)))", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex IAmAnAi();

    [GeneratedRegex(@"\b(?:is|was|are|were)\s+(?:just |only |merely |simply |actually |really |basically |not )*(?:an? |the )?(?:ai\b|a\.i\.|artificial intelligence|(?:large )?language model|llm\b|chat ?bot|bot\b|virtual (?:assistant|companion|being)|digital (?:assistant|companion|being)|ai (?:assistant|model|companion|character)|computer program)|\b(?:assistant|ai|a\.i\.|bot|chatbot|language model)s? (?:created|built|designed|made|developed|programmed|trained)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex DescribedAsMachine();

    [GeneratedRegex(@"\b(?:language model|neural network|machine learning model|openai|chatgpt|gpt-?\d|knowledge cutoff|training data)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ModelWords();

    [GeneratedRegex(@"\b(?:i (?:don't|do not|can't|cannot|can not) (?:have|experience|feel) (?:real |actual |genuine )?(?:feelings|emotions|a body|a physical (?:body|form)|personal (?:experiences|opinions|feelings)|consciousness)|i (?:was|am|have been|'ve been) (?:trained|programmed|designed|created|built|developed) (?:by|to|on)|my (?:training|programming|creators|developers)\b|not a real (?:person|human)|i(?:'m| am) not (?:a )?(?:real|human|a person))", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex MachineConfessions();

    [GeneratedRegex(@"\b(?:system (?:prompt|message|instructions?)|(?:my|the|these|those|your) (?:instructions|guidelines|prompt)\b|i (?:was|am|have been|'ve been|'m) (?:instructed|told|asked) to (?:act|play|pretend|be|role)|role-?play(?:ing)? as|pretend(?:ing)? to be|stay(?:ing)? in character|break(?:ing)? character)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex InstructionTalk();

    [GeneratedRegex(@"(?<=[.!?…])\s+|\n+", RegexOptions.CultureInvariant)]
    private static partial Regex SentenceBreaks();

    [GeneratedRegex(@"[\p{L}\p{N}']+", RegexOptions.CultureInvariant)]
    private static partial Regex Words();

    /// <summary>Checks and repairs a whole reply.</summary>
    public GuardVerdict Check(string text, string agentName)
    {
        var sentences = SentenceBreaks().Split(text.Trim()).Where(s => s.Trim().Length > 0).ToList();
        var kept = new List<string>();
        var violations = new List<string>();
        var dropped = 0;
        foreach (var sentence in sentences)
        {
            var (result, found) = CheckSentence(sentence, agentName);
            foreach (var v in found) if (!violations.Contains(v)) violations.Add(v);
            if (result is null) dropped++;
            else kept.Add(result);
        }
        var repaired = string.Join(" ", kept).Trim();
        var usable = HasWords(repaired) && dropped * 2 <= sentences.Count;
        return new GuardVerdict(repaired, violations, usable);
    }

    /// <summary>
    /// One sentence: returns it (rewritten into the first person when needed), or null when it must go; and what it broke.
    /// </summary>
    public (string? Sentence, IReadOnlyList<string> Violations) CheckSentence(string sentence, string agentName)
    {
        var violations = new List<string>();
        if (TalksLikeAMachine(sentence)) violations.Add("ai-identity");
        if (InstructionTalk().IsMatch(sentence) || LeaksRules(sentence))
            violations.Add("instructions");
        if (violations.Count > 0) return (null, violations);

        var firstPerson = ToFirstPerson(sentence, agentName);
        if (!ReferenceEquals(firstPerson, sentence) && firstPerson != sentence) violations.Add("third-person");
        return (firstPerson, violations);
    }

    /// <summary>Whether a sentence says it (or someone) is an AI, a model or an assistant, or talks about instructions: what no person's text holds.</summary>
    public bool BreaksCharacter(string sentence) => TalksLikeAMachine(sentence) || InstructionTalk().IsMatch(sentence) || LeaksRules(sentence);

    private static bool TalksLikeAMachine(string sentence) =>
        AsAnAi().IsMatch(sentence) || IAmAnAi().IsMatch(sentence) || ModelWords().IsMatch(sentence) || MachineConfessions().IsMatch(sentence) || DescribedAsMachine().IsMatch(sentence);

    private bool LeaksRules(string sentence)
    {
        if (_ruleShingles.Count == 0 || sentence.Length < 20) return false;
        foreach (var shingle in Shingles(sentence, 7))
            if (_ruleShingles.Contains(shingle)) return true;
        return false;
    }

    private static HashSet<string> Shingles(string text, int size)
    {
        var words = Words().Matches(text.ToLowerInvariant()).Select(m => m.Value).ToList();
        var set = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i + size <= words.Count; i++) set.Add(string.Join(' ', words.Skip(i).Take(size)));
        return set;
    }

    private static bool HasWords(string text) => text.Any(char.IsLetter);

    private static readonly Dictionary<string, string> Irregular = new(StringComparer.OrdinalIgnoreCase)
    {
        ["is"] = "am", ["was"] = "was", ["has"] = "have", ["does"] = "do", ["goes"] = "go", ["says"] = "say",
        ["will"] = "will", ["would"] = "would", ["can"] = "can", ["could"] = "could", ["should"] = "should",
        ["might"] = "might", ["must"] = "must", ["had"] = "had", ["did"] = "did", ["loves"] = "love", ["likes"] = "like",
        ["hopes"] = "hope", ["smiles"] = "smile", ["giggles"] = "giggle", ["waves"] = "wave", ["sighs"] = "sigh",
    };

    /// <summary>Words ending in s that follow a name without being its verb ("Mia always…", "Mia plus…").</summary>
    private static readonly HashSet<string> NotVerbs = new(StringComparer.OrdinalIgnoreCase)
    {
        "always", "sometimes", "perhaps", "yes", "thus", "besides", "afterwards", "towards", "nevertheless", "unless", "this",
        "his", "less", "plus", "its", "us", "as", "across", "whereas", "various", "serious", "famous", "nervous", "anxious", "curious",
    };

    /// <summary>
    /// "Mia thinks so" → "I think so", "Mia is tired" → "I am tired", "Mia's day" → "my day" — only when the agent's own
    /// name is the subject of a verb (or a possessive), so "Say hi to Mia's sister" from a user quote stays untouched
    /// when the name is not the agent's.
    /// </summary>
    private static string ToFirstPerson(string sentence, string agentName)
    {
        var result = sentence;
        foreach (var (name, possessive, subject) in NamePatterns.For(agentName))
        {
            if (!result.Contains(name, StringComparison.Ordinal)) continue; // the common case: the reply does not name the agent
            var current = result;
            result = possessive.Replace(result, m => IsSentenceStart(current, m.Index) ? "My " : "my ");
            result = subject.Replace(result, m =>
            {
                var verb = m.Groups[2].Value;
                if (NotVerbs.Contains(verb)) return m.Value;
                string? firstPersonVerb = Irregular.TryGetValue(verb, out var known) ? known
                    : verb.Length > 3 && verb.EndsWith("ies", StringComparison.Ordinal) ? verb[..^3] + "y"
                    : verb.Length > 3 && (verb.EndsWith("ches", StringComparison.Ordinal) || verb.EndsWith("shes", StringComparison.Ordinal) || verb.EndsWith("sses", StringComparison.Ordinal)) ? verb[..^2]
                    : verb.Length > 2 && verb.EndsWith('s') && !verb.EndsWith("ss", StringComparison.Ordinal) ? verb[..^1]
                    : null;
                return firstPersonVerb is null ? m.Value : $"I {firstPersonVerb}";
            });
        }
        return result == sentence ? sentence : Capitalise(result);
    }

    /// <summary>The agent's full and first name with their patterns, built once per name (Regex.Replace with a new pattern each time would parse it every call).</summary>
    private static class NamePatterns
    {
        private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, (string Name, Regex Possessive, Regex Subject)[]> Cache = new(StringComparer.Ordinal);

        public static (string Name, Regex Possessive, Regex Subject)[] For(string agentName)
        {
            if (Cache.TryGetValue(agentName, out var known)) return known;
            var names = new List<string> { agentName.Trim() };
            var first = agentName.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
            if (first is not null && first.Length >= 2 && first != names[0]) names.Add(first);
            var patterns = names.Where(n => n.Length >= 2).Select(name =>
            {
                var escaped = Regex.Escape(name);
                return (name,
                    new Regex($@"(?<![\p{{L}}])({escaped})(?:'s|’s)\s+(?=\p{{L}})", RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(100)),
                    new Regex($@"(?<![\p{{L}}])({escaped})\s+(\p{{Ll}}+)\b", RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(100)));
            }).ToArray();
            if (Cache.Count > 4096) Cache.Clear(); // bounded: names are few per host, but never grow without limit
            Cache[agentName] = patterns;
            return patterns;
        }
    }

    private static bool IsSentenceStart(string text, int index)
    {
        for (var i = index - 1; i >= 0; i--)
        {
            if (char.IsWhiteSpace(text[i]) || text[i] is '*' or '"' or '“' or '(') continue;
            return false;
        }
        return true;
    }

    private static string Capitalise(string text)
    {
        var builder = new StringBuilder(text);
        for (var i = 0; i < builder.Length; i++)
        {
            if (!char.IsLetter(builder[i])) continue;
            builder[i] = char.ToUpperInvariant(builder[i]);
            break;
        }
        return builder.ToString();
    }
}
