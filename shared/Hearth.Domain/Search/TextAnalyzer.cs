using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace Hearth.Search;

/// <summary>
/// Turns text into index terms, the same way for documents and queries: split on anything that is not a letter or
/// digit (each CJK ideograph, kana or hangul syllable is a term of its own, as Lucene's standard tokenizer does),
/// lower-case, fold diacritics (café → cafe), drop Lucene's 33 English stop words, then Porter-stem. Terms longer
/// than 64 characters are dropped (hashes, base64 noise).
/// </summary>
public static class TextAnalyzer
{
    /// <summary>Longest term kept.</summary>
    public const int MaxTermLength = 64;

    /// <summary>Most distinct words whose stems are remembered; past it words are stemmed each time.</summary>
    private const int StemCacheLimit = 200_000;

    // Word → term (stem, or "" for a stop word). Looked up by span, so a known word costs no allocation at all.
    private static readonly ConcurrentDictionary<string, string> Terms = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> TermsBySpan =
        Terms.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>Lucene's <c>EnglishAnalyzer.ENGLISH_STOP_WORDS_SET</c>.</summary>
    public static readonly IReadOnlySet<string> StopWords = new HashSet<string>(StringComparer.Ordinal)
    {
        "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into", "is", "it", "no", "not", "of",
        "on", "or", "such", "that", "the", "their", "then", "there", "these", "they", "this", "to", "was", "will", "with",
    };

    /// <summary>The analysed terms of the text, in order, duplicates kept.</summary>
    public static List<string> Analyze(string text)
    {
        var terms = new List<string>();
        Analyze(text, terms.Add);
        return terms;
    }

    /// <summary>Calls <paramref name="emit"/> with each analysed term, in order.</summary>
    public static void Analyze(ReadOnlySpan<char> text, Action<string> emit)
    {
        Span<char> buffer = stackalloc char[MaxTermLength];
        var length = 0;
        var tooLong = false;
        var ascii = true;
        for (var i = 0; i <= text.Length; i++)
        {
            var c = i < text.Length ? text[i] : ' ';
            if (char.IsHighSurrogate(c) && i + 1 < text.Length)
            {
                // Letters outside the BMP stay in their word; emoji and other symbols separate words.
                if (Rune.TryCreate(c, text[i + 1], out var rune) && Rune.IsLetterOrDigit(rune))
                {
                    if (length + 2 <= MaxTermLength) { buffer[length++] = c; buffer[length++] = text[i + 1]; } else tooLong = true;
                    ascii = false;
                    i++;
                    continue;
                }
                i++;
                Flush(buffer, ref length, ref tooLong, ref ascii, emit);
                continue;
            }
            if (IsIdeographic(c))
            {
                Flush(buffer, ref length, ref tooLong, ref ascii, emit);
                emit(c.ToString());
                continue;
            }
            if (c is '\'' or '\u2019' && length > 0 && i + 1 < text.Length && char.IsLetter(text[i + 1]))
            {
                if (IsPossessive(text, i)) i++; // anna's → anna
                else continue;                  // don't → dont, o'clock → oclock
            }
            else if (char.IsLetterOrDigit(c))
            {
                if (length < MaxTermLength) buffer[length++] = char.ToLowerInvariant(c); else tooLong = true;
                if (c > 127) ascii = false;
                continue;
            }
            Flush(buffer, ref length, ref tooLong, ref ascii, emit);
        }
    }

    private static bool IsPossessive(ReadOnlySpan<char> text, int i) =>
        i + 1 < text.Length && text[i + 1] is 's' or 'S' && (i + 2 >= text.Length || !char.IsLetterOrDigit(text[i + 2]));

    private static void Flush(Span<char> buffer, ref int length, ref bool tooLong, ref bool ascii, Action<string> emit)
    {
        if (length > 0 && !tooLong)
        {
            var word = buffer[..length];
            if (!TermsBySpan.TryGetValue(word, out var term))
            {
                var folded = ascii ? new string(word) : Fold(word);
                term = folded.Length == 0 || StopWords.Contains(folded) ? "" : PorterStemmer.Stem(folded);
                if (Terms.Count < StemCacheLimit) TermsBySpan.TryAdd(word, term);
            }
            if (term.Length > 0) emit(term);
        }
        length = 0;
        tooLong = false;
        ascii = true;
    }

    private static string Fold(ReadOnlySpan<char> term)
    {
        var decomposed = new string(term).Normalize(NormalizationForm.FormD);
        var builder = new StringBuilder(decomposed.Length);
        foreach (var c in decomposed)
            if (CharUnicodeInfo.GetUnicodeCategory(c) != UnicodeCategory.NonSpacingMark)
                builder.Append(c);
        return builder.ToString().Normalize(NormalizationForm.FormC);
    }

    // CJK Unified Ideographs (+ Extension A), compatibility ideographs, Hiragana, Katakana, Hangul syllables.
    private static bool IsIdeographic(char c) =>
        c is >= '\u4E00' and <= '\u9FFF' or >= '\u3400' and <= '\u4DBF' or >= '\uF900' and <= '\uFAFF'
            or >= '\u3040' and <= '\u30FF' or >= '\uAC00' and <= '\uD7AF';
}
