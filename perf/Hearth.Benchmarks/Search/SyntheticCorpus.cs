using System.Text;

namespace Hearth.Benchmarks.Search;

/// <summary>
/// Deterministic chat-like and skill-like texts for search benchmarks: pseudo-words drawn from a Zipf distribution
/// (as real vocabularies are) mixed with everyday English. Text i is generated from seed i, so nothing is stored and
/// any document can be regenerated.
/// </summary>
public static class SyntheticCorpus
{
    private const int VocabularySize = 40_000;
    private static readonly string[] Syllables =
        ["ka", "ro", "mi", "te", "su", "na", "lo", "vi", "de", "pa", "zu", "fe", "gi", "ho", "ly", "qu", "bre", "sta", "tor", "ven", "lin", "mar", "sol", "tri"];
    private static readonly string[] Common =
        ["the", "and", "with", "about", "today", "remember", "project", "meeting", "dinner", "coffee", "weekend", "code", "bug",
         "deploy", "music", "walk", "dog", "trip", "book", "movie", "friend", "family", "work", "sleep", "rain", "sunny",
         "idea", "plan", "tomorrow", "yesterday", "really", "think", "feel", "want", "need", "love", "hate", "maybe", "later"];
    private static readonly string[] Words = BuildVocabulary();
    private static readonly double[] Cumulative = BuildZipf();

    /// <summary>A chat-turn-like chunk of 40 to 120 words.</summary>
    public static string Chunk(int i) => Text(new Random(i * 7919 + 17), 40, 120);

    /// <summary>A skill-section-like text: a heading line and 60 to 200 words.</summary>
    public static string Section(int i)
    {
        var random = new Random(i * 104729 + 3);
        return $"## {Word(random)} {Word(random)} {Word(random)}\n" + Text(random, 60, 200);
    }

    /// <summary>A 2-5 word query taken from document <paramref name="i"/>'s vocabulary, so it has relevant answers.</summary>
    public static string Query(int i, Func<int, string> document)
    {
        var random = new Random(i * 31 + 5);
        var words = document(i).Split([' ', '\n', '#', '.', ','], StringSplitOptions.RemoveEmptyEntries);
        var count = random.Next(2, 6);
        return string.Join(' ', Enumerable.Range(0, count).Select(_ => words[random.Next(words.Length)]));
    }

    private static string Text(Random random, int min, int max)
    {
        var length = random.Next(min, max + 1);
        var builder = new StringBuilder(length * 7);
        for (var w = 0; w < length; w++)
        {
            if (w > 0) builder.Append(w % 13 == 12 ? ". " : " ");
            builder.Append(random.NextDouble() < 0.35 ? Common[random.Next(Common.Length)] : Word(random));
        }
        return builder.ToString();
    }

    private static string Word(Random random)
    {
        var index = Array.BinarySearch(Cumulative, random.NextDouble());
        return Words[index < 0 ? Math.Min(~index, Words.Length - 1) : index];
    }

    private static string[] BuildVocabulary()
    {
        var random = new Random(42);
        var words = new HashSet<string>();
        while (words.Count < VocabularySize)
        {
            var syllables = random.Next(2, 5);
            var builder = new StringBuilder();
            for (var s = 0; s < syllables; s++) builder.Append(Syllables[random.Next(Syllables.Length)]);
            words.Add(builder.ToString());
        }
        return [.. words];
    }

    private static double[] BuildZipf()
    {
        var weights = Enumerable.Range(1, VocabularySize).Select(rank => 1.0 / rank).ToArray();
        var total = weights.Sum();
        var cumulative = new double[VocabularySize];
        var running = 0.0;
        for (var i = 0; i < VocabularySize; i++) cumulative[i] = running += weights[i] / total;
        return cumulative;
    }
}
