using System.Globalization;
using System.Text.RegularExpressions;

namespace Hearth.Companions;

/// <summary>What a persona's hints say, as far as plain English lets us read it without a model.</summary>
/// <param name="Name">A name the hints give ("named Ada", "Ada, a …", "Ada is a …").</param>
/// <param name="City">Where they live ("from Reykjavik", "lives in São Paulo", "based in Cape Town").</param>
/// <param name="Occupation">Their work ("lighthouse keeper"), without the traits around it; null when the hints name none.</param>
/// <param name="Descriptor">How the hints describe them, traits included ("grumpy retired lighthouse keeper").</param>
/// <param name="Traits">Personality words of the hints ("grumpy", "shy").</param>
/// <param name="Interests">What they love or do ("loves chess", "surfs at dawn"), as clauses that follow "who".</param>
public sealed record PersonaHintFacts(string? Name, string? City, string? Occupation, string? Descriptor, IReadOnlyList<string> Traits, IReadOnlyList<string> Interests);

/// <summary>Reads name, city, occupation, traits and interests out of free-text persona hints (English).</summary>
public static partial class PersonaHintReader
{
    /// <summary>Words that describe character rather than work; they stay out of the occupation and go to the personality.</summary>
    private static readonly HashSet<string> TraitWords = new(StringComparer.OrdinalIgnoreCase)
    {
        "grumpy", "cheerful", "shy", "quiet", "loud", "witty", "sarcastic", "kind", "gentle", "curious", "bubbly", "calm", "anxious", "nervous",
        "optimistic", "pessimistic", "cynical", "playful", "serious", "stern", "warm", "cold", "friendly", "moody", "dreamy", "bold", "brave",
        "clumsy", "lazy", "energetic", "ambitious", "nerdy", "geeky", "goofy", "silly", "funny", "charming", "stubborn", "patient", "impatient",
        "romantic", "thoughtful", "introverted", "extroverted", "outgoing", "reserved", "cranky", "sweet", "sassy", "sunny", "gruff", "loyal",
        "eccentric", "quirky", "chatty", "talkative", "laid-back", "easygoing", "easy-going", "fierce", "tender", "wise", "honest", "blunt",
        "sleepy", "chaotic", "upbeat", "grouchy", "jolly", "cheery", "earnest", "lively", "meticulous", "tidy", "messy", "adventurous", "artsy", "artistic", "sporty", "bookish", "mysterious", "cheeky",
    };

    /// <summary>Words about age or station that belong to the description but are not the job.</summary>
    private static readonly HashSet<string> StationWords = new(StringComparer.OrdinalIgnoreCase)
    {
        "retired", "former", "ex", "young", "old", "elderly", "middle-aged", "aspiring", "struggling", "semi-retired", "part-time", "full-time",
        "freelance", "self-taught", "amateur", "professional", "famous", "unemployed", "new", "veteran", "lonely", "single", "married", "widowed",
    };

    /// <summary>Nouns for a person that are not a job ("a shy woman from Osaka").</summary>
    private static readonly HashSet<string> PersonNouns = new(StringComparer.OrdinalIgnoreCase)
    {
        "person", "man", "woman", "guy", "girl", "boy", "lady", "gentleman", "dude", "gal", "human", "soul", "character", "friend", "companion",
        "grandma", "grandpa", "grandmother", "grandfather", "mom", "mum", "dad", "mother", "father", "student", "kid", "teen", "teenager",
    };

    private static readonly HashSet<string> NotNames = new(StringComparer.OrdinalIgnoreCase)
    {
        "A", "An", "The", "She", "He", "They", "My", "Our", "Someone", "Somebody", "Make", "Create", "Give", "I", "We", "Please", "Like", "Just",
        "January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December",
        "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday", "Christmas", "Easter", "Summer", "Winter",
    };

    [GeneratedRegex(@"\b(?:named|called|name(?:d)?\s+is|goes\s+by)\s+(?<name>\p{Lu}[\p{L}'-]+(?:\s+\p{Lu}[\p{L}'-]+)?)", RegexOptions.CultureInvariant)]
    private static partial Regex NamedPattern();

    [GeneratedRegex(@"^\s*(?<name>\p{Lu}[\p{L}'-]+)\s*(?:,|\s+is\s+an?\b|\s+the\b|\s*[-–—:])", RegexOptions.CultureInvariant)]
    private static partial Regex LeadingName();

    [GeneratedRegex(@"\b(?:from|in|lives\s+in|living\s+in|based\s+in|born\s+in|who\s+lives\s+in|moved\s+to|near)\s+(?<city>\p{Lu}[\p{L}'.-]+(?:[\s-]+(?:de|do|da|del|la|le|am|upon|on)?\s*\p{Lu}[\p{L}'.-]+)*)", RegexOptions.CultureInvariant)]
    private static partial Regex CityPattern();

    [GeneratedRegex(@"\b(?:an?)\s+(?<phrase>[\p{L}\d' -]+?)(?=\s+(?:from|in|who|that|with|living|based|and|but|near|at|on|of|working|whose|named|called)\b|[,.;!?]|$)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex NounPhrase();

    [GeneratedRegex(@"^(?<phrase>[\p{Ll}][\p{L}' -]*?)(?=\s+(?:from|in|who|that|with|living|based|and|but|near|at|on|working|whose)\b|[,.;!?]|$)", RegexOptions.CultureInvariant)]
    private static partial Regex LeadingPhrase();

    [GeneratedRegex(@"\b(?:who|that)\s+(?<clause>[^,.;!?]+)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex WhoClause();

    [GeneratedRegex(@"\b(?:works?|working)\s+as\s+an?\s+(?<job>[\p{L} -]+?)(?=\s+(?:from|in|who|that|with|and|at|on)\b|[,.;!?]|$)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex WorksAs();

    /// <summary>Reads the hints; every part may be null or empty.</summary>
    public static PersonaHintFacts Read(string? hints)
    {
        var text = (hints ?? "").Trim();
        if (text.Length == 0) return new PersonaHintFacts(null, null, null, null, [], []);

        var name = NamedPattern().Match(text) is { Success: true } named ? named.Groups["name"].Value
            : LeadingName().Match(text) is { Success: true } leading && !NotNames.Contains(leading.Groups["name"].Value) && !TraitWords.Contains(leading.Groups["name"].Value)
                ? leading.Groups["name"].Value : null;

        string? city = null;
        foreach (Match m in CityPattern().Matches(text))
        {
            var candidate = TrimTrailingLowercase(m.Groups["city"].Value);
            if (candidate == name || NotNames.Contains(candidate)) continue;
            city = candidate;
            break;
        }

        var traits = new List<string>();
        string? descriptor = null, occupation = null;
        var phrase = NounPhrase().Match(text);
        // No article: "shy ceramicist based in …" describes them with its first words.
        if (!phrase.Success && LeadingPhrase().Match(text) is { Success: true } leadingPhrase
            && leadingPhrase.Groups["phrase"].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length <= 4)
            phrase = leadingPhrase;
        if (phrase.Success)
        {
            var words = phrase.Groups["phrase"].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToList();
            descriptor = string.Join(' ', words).ToLowerInvariant();
            var job = words.SkipWhile(w => TraitWords.Contains(w) || StationWords.Contains(w) || IsAge(w)).Select(w => w.ToLowerInvariant()).ToList();
            traits.AddRange(words.Where(TraitWords.Contains).Select(w => w.ToLowerInvariant()));
            if (job.Count > 0 && !(job.Count == 1 && PersonNouns.Contains(job[0]))) occupation = string.Join(' ', job);
        }
        if (WorksAs().Match(text) is { Success: true } works) occupation = works.Groups["job"].Value.Trim().ToLowerInvariant();
        foreach (var word in Regex.Split(text, @"[^\p{L}-]+").Where(TraitWords.Contains))
            if (!traits.Contains(word, StringComparer.OrdinalIgnoreCase)) traits.Add(word.ToLowerInvariant());

        var interests = WhoClause().Matches(text).Select(m => m.Groups["clause"].Value.Trim())
            .Where(c => c.Length > 0 && !c.StartsWith("lives in", StringComparison.OrdinalIgnoreCase) && !c.StartsWith("works as", StringComparison.OrdinalIgnoreCase))
            .ToList();
        if (interests.Count == 0)
        {
            // "… and loves chess", "…; likes jazz": a verb of liking anywhere.
            foreach (Match m in Regex.Matches(text, @"\b(?:loves?|likes?|enjoys?|adores?|collects?|plays?|paints?|surfs?|bakes?|knits?|writes?|reads?)\s+[^,.;!?]+", RegexOptions.IgnoreCase))
                interests.Add(m.Value.Trim());
        }
        return new PersonaHintFacts(name, city, occupation, descriptor, traits, interests);
    }

    /// <summary>"a" or "an" before <paramref name="word"/> (by sound, for the common cases).</summary>
    public static string Article(string word)
    {
        var w = word.TrimStart().ToLowerInvariant();
        if (w.Length == 0) return "a";
        if (w.StartsWith("hour", StringComparison.Ordinal) || w.StartsWith("honest", StringComparison.Ordinal) || w.StartsWith("heir", StringComparison.Ordinal)) return "an";
        if (w.StartsWith("uni", StringComparison.Ordinal) || w.StartsWith("use", StringComparison.Ordinal) || w.StartsWith("usu", StringComparison.Ordinal)
            || w.StartsWith("eu", StringComparison.Ordinal) || w.StartsWith("one", StringComparison.Ordinal) || w.StartsWith("ur", StringComparison.Ordinal)) return "a";
        return "aeiou".Contains(w[0]) ? "an" : "a";
    }

    /// <summary>The IANA zone of a city when the zone database names it ("Reykjavik" → Atlantic/Reykjavik); null otherwise.</summary>
    public static string? ZoneOf(string city)
    {
        var key = city.Trim().Replace(' ', '_');
        foreach (var zone in TimeZoneInfo.GetSystemTimeZones())
        {
            var id = zone.Id;
            var last = id[(id.LastIndexOf('/') + 1)..];
            if (id.Contains('/') && string.Equals(RemoveDiacritics(last), RemoveDiacritics(key), StringComparison.OrdinalIgnoreCase)) return id;
        }
        return null;
    }

    private static bool IsAge(string word) => Regex.IsMatch(word, @"^\d+(?:-year-old)?$|^\w+-year-old$", RegexOptions.IgnoreCase);

    private static string TrimTrailingLowercase(string city)
    {
        var parts = city.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToList();
        while (parts.Count > 1 && !char.IsUpper(parts[^1][0])) parts.RemoveAt(parts.Count - 1);
        return string.Join(' ', parts).TrimEnd('.');
    }

    private static string RemoveDiacritics(string text)
    {
        var decomposed = text.Normalize(System.Text.NormalizationForm.FormD);
        return new string(decomposed.Where(c => CharUnicodeInfo.GetUnicodeCategory(c) != UnicodeCategory.NonSpacingMark).ToArray());
    }
}
