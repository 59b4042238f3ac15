using System.Text.RegularExpressions;

namespace Hearth.Memory.Tests;

/// <summary>Chunking: bounded passages on paragraph/sentence/word boundaries, every word kept in order, overlap between passages.</summary>
public sealed partial class ChunkerTests
{
    [Fact]
    public void Short_text_is_one_passage_and_blank_text_none()
    {
        Assert.Equal(["A short note."], TextChunker.Chunk("  A short note.  "));
        Assert.Empty(TextChunker.Chunk(" \n\n "));
    }

    [Fact]
    public void Paragraphs_pack_up_to_the_target_and_the_next_passage_starts_with_the_last_sentence()
    {
        var paragraphs = Enumerable.Range(1, 6).Select(i => $"Paragraph {i} begins here. It has a second sentence of some length to fill the space {i}.").ToList();
        var text = string.Join("\r\n\r\n", paragraphs);
        var chunks = TextChunker.Chunk(text);
        Assert.True(chunks.Count >= 1);
        Assert.All(chunks, c => Assert.True(c.Length <= TextChunker.MaxChars));
        Assert.Equal(paragraphs[0] + "\n\n" + paragraphs[1], chunks[0][..(paragraphs[0].Length + 2 + paragraphs[1].Length)]);
        var big = string.Join("\n\n", Enumerable.Range(1, 30).Select(i => $"Section {i} says one thing. Then it says another thing about topic {i}."));
        var bigChunks = TextChunker.Chunk(big);
        Assert.True(bigChunks.Count > 2);
        for (var i = 1; i < bigChunks.Count; i++)
        {
            // The next passage opens with whole sentences that end the previous one, at most the overlap long.
            var previous = Normalize(bigChunks[i - 1]);
            var next = Normalize(bigChunks[i]);
            var overlap = Enumerable.Range(1, Math.Min(TextChunker.OverlapChars, next.Length)).Where(n => next[n - 1] == '.').Select(n => next[..n])
                .LastOrDefault(previous.EndsWith);
            Assert.False(string.IsNullOrEmpty(overlap), $"passage {i} does not start with the end of passage {i - 1}");
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void Any_text_is_covered_by_consecutive_overlapping_passages_within_the_size_bound(int seed)
    {
        var random = new Random(seed);
        var words = Enumerable.Range(0, random.Next(50, 3000)).Select(_ =>
            random.Next(40) == 0 ? new string(Enumerable.Range(0, random.Next(900, 2500)).Select(_ => (char)('a' + random.Next(26))).ToArray()) : Vocabulary[random.Next(Vocabulary.Length)] + (random.Next(9) == 0 ? "." : "")).ToList();
        var text = string.Concat(words.Select(w => w + (random.Next(15) == 0 ? "\n\n" : " ")));
        var chunks = TextChunker.Chunk(text);

        Assert.All(chunks, c => Assert.True(c.Length <= TextChunker.MaxChars, $"{c.Length} > {TextChunker.MaxChars}"));
        // Each passage is a piece of the text (whitespace aside); each starts inside the previous one; together they cover it.
        var whole = Normalize(text);
        var (previousStart, previousEnd) = (-1, 0);
        foreach (var chunk in chunks.Select(Normalize))
        {
            var start = whole.IndexOf(chunk, previousStart + 1, StringComparison.Ordinal);
            Assert.True(start >= 0, $"a passage is not a piece of the text after the previous one: [{chunk[..Math.Min(200, chunk.Length)]}]");
            Assert.True(start <= previousEnd + 1, $"gap between passages at {previousEnd}..{start}"); // + 1: the space between two passages without overlap
            (previousStart, previousEnd) = (start, start + chunk.Length);
        }
        Assert.Equal(whole.Length, previousEnd);
    }

    private static string Normalize(string text) => Spaces().Replace(text, " ").Trim();

    private static readonly string[] Vocabulary = ["heron", "reed", "river", "stone", "winter", "orchard", "lantern", "copper", "meadow", "harbour", "a", "the", "of"];

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();
}
