using System.Text;
using System.Text.RegularExpressions;

namespace Hearth.Memory;

/// <summary>
/// Splits a document into passages for the index: paragraphs (blank-line separated) are packed together up to
/// <see cref="TargetChars"/>; a paragraph longer than that is split into sentences, and a sentence longer than that at
/// word boundaries (a word longer than that is cut). Each passage after the first starts with the end of the previous
/// one — its last whole sentences, or last words, up to <see cref="OverlapChars"/> — so a fact that straddles a
/// boundary is whole in one passage. No passage is longer than <see cref="MaxChars"/>.
/// </summary>
public static partial class TextChunker
{
    public const int TargetChars = 800;
    public const int OverlapChars = 150;
    public const int MaxChars = TargetChars + OverlapChars + 2;

    /// <summary>The passages of a text (none for blank text).</summary>
    public static IReadOnlyList<string> Chunk(string text)
    {
        var units = Units(text.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n'));
        var chunks = new List<string>();
        var current = new StringBuilder();
        foreach (var (unit, separator) in units)
        {
            if (current.Length > 0 && current.Length + separator.Length + unit.Length > TargetChars)
            {
                var previous = current.ToString();
                var tail = Tail(previous);
                // A passage short enough to be carried whole into the next one is not a passage of its own.
                if (tail.Length < previous.Replace("\n\n", " ", StringComparison.Ordinal).Length)
                {
                    chunks.Add(previous);
                    current.Clear().Append(tail);
                }
            }
            if (current.Length > 0) current.Append(separator);
            current.Append(unit);
        }
        if (current.Length > 0) chunks.Add(current.ToString());
        return chunks;
    }

    /// <summary>
    /// Paragraph-, sentence- or word-sized pieces no longer than the target, each with what separates it from the piece
    /// before: a blank line (a new paragraph), a space, or nothing (the rest of a word cut at the target).
    /// </summary>
    private static List<(string Text, string Separator)> Units(string text)
    {
        var units = new List<(string, string)>();
        foreach (var paragraph in Paragraphs().Split(text))
        {
            var trimmed = paragraph.Trim();
            if (trimmed.Length == 0) continue;
            if (trimmed.Length <= TargetChars)
            {
                units.Add((trimmed, "\n\n"));
                continue;
            }
            var separator = "\n\n";
            foreach (var sentence in SplitSentences(trimmed))
            {
                foreach (var (piece, continues) in sentence.Length <= TargetChars ? [(sentence, false)] : Words(sentence, TargetChars))
                {
                    units.Add((piece, continues ? "" : separator));
                    separator = " ";
                }
            }
        }
        return units;
    }

    /// <summary>The end of a passage carried into the next: whole sentences, else whole words, within the overlap.</summary>
    private static string Tail(string chunk)
    {
        var sentences = SplitSentences(chunk.Replace("\n\n", " ", StringComparison.Ordinal));
        var tail = "";
        for (var i = sentences.Count - 1; i >= 0; i--)
        {
            var candidate = tail.Length == 0 ? sentences[i] : sentences[i] + " " + tail;
            if (candidate.Length > OverlapChars) break;
            tail = candidate;
        }
        if (tail.Length > 0) return tail;
        var words = chunk.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        var taken = new List<string>();
        var length = 0;
        for (var i = words.Length - 1; i >= 0 && length + words[i].Length + 1 <= OverlapChars; i--)
        {
            taken.Insert(0, words[i]);
            length += words[i].Length + 1;
        }
        return string.Join(' ', taken);
    }

    private static List<string> SplitSentences(string text) =>
        SentenceBreaks().Split(text).Select(s => s.Trim()).Where(s => s.Length > 0).ToList();

    /// <summary>A long sentence in pieces of whole words up to the limit; a longer word is cut (its later pieces continue it).</summary>
    private static IEnumerable<(string Piece, bool Continues)> Words(string sentence, int limit)
    {
        var current = new StringBuilder();
        var continues = false;
        foreach (var word in sentence.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
        {
            for (var start = 0; start < word.Length; start += limit)
            {
                var part = word.Substring(start, Math.Min(limit, word.Length - start));
                if (current.Length > 0 && (start > 0 || current.Length + 1 + part.Length > limit))
                {
                    yield return (current.ToString(), continues);
                    current.Clear();
                    continues = start > 0;
                }
                if (current.Length > 0) current.Append(' ');
                current.Append(part);
            }
        }
        if (current.Length > 0) yield return (current.ToString(), continues);
    }

    [GeneratedRegex(@"\n[ \t]*\n\s*")]
    private static partial Regex Paragraphs();

    [GeneratedRegex(@"(?<=[.!?…][""'”’)\]]*)\s+")]
    private static partial Regex SentenceBreaks();
}
