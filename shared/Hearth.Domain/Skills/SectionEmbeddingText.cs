using System.Text;
using Hearth.Search;

namespace Hearth.Skills;

/// <summary>
/// What the embedder sees of a skill section: the file's path, the section's heading path ("Deploy > Rollback") and its
/// body. A markdown section that is only its heading line ("## Testing") takes its sub-sections' text instead, so its
/// vector says what is under it; with nothing under it, it stays out of vector search (BM25 still finds its title), as
/// does a section with no words (a script's preamble that is only its shebang line).
/// BM25 keeps indexing the section's own text.
/// </summary>
public static class SectionEmbeddingText
{
    private const int MaxLength = 2000;

    /// <summary>The documents with <see cref="SearchDocument.EmbeddingText"/> set; sections of one file must come in file order.</summary>
    public static List<SearchDocument> Apply(IReadOnlyList<SearchDocument> documents)
    {
        var result = new List<SearchDocument>(documents.Count);
        foreach (var file in documents.Select((d, i) => (d, i)).GroupBy(p => FileOf(p.d)))
        {
            var sections = file.Select(p => Parse(p.d)).ToList();
            var path = new List<(int Level, string Title)>();
            for (var i = 0; i < sections.Count; i++)
            {
                var (document, level, title, body) = sections[i];
                if (level > 0)
                {
                    path.RemoveAll(h => h.Level >= level);
                    path.Add((level, title));
                }
                if (level > 0 && string.IsNullOrWhiteSpace(body))
                {
                    // A heading alone: its children (deeper headings until one of its level or higher) speak for it.
                    var children = new StringBuilder();
                    for (var j = i + 1; j < sections.Count && (sections[j].Level == 0 || sections[j].Level > level) && children.Length < MaxLength; j++)
                        children.Append(sections[j].Title).Append('\n').Append(sections[j].Body.Trim()).Append('\n');
                    body = children.ToString();
                }
                // A preamble that is only a shebang ("#!/bin/bash") says nothing: it would be near every query about its file.
                if (!HasWords(body)) body = "";
                var heading = path.Count > 0 ? string.Join(" > ", path.Select(h => h.Title)) : title;
                var text = string.IsNullOrWhiteSpace(body) ? "" : $"{document.Source}\n{heading}\n{body.Trim()}";
                result.Add(document with { EmbeddingText = text.Length > MaxLength ? text[..MaxLength] : text });
            }
        }
        return result;
    }

    private static bool HasWords(string body) =>
        body.Split('\n').Any(line => !line.TrimStart().StartsWith("#!", StringComparison.Ordinal) && line.Any(char.IsLetterOrDigit));

    private static string FileOf(SearchDocument d) => d.Tags.FirstOrDefault(t => t.StartsWith("file=", StringComparison.Ordinal)) ?? d.Source ?? d.Id;

    /// <summary>The section's markdown heading level (0 when it does not start with one), title and body after the heading line.</summary>
    private static (SearchDocument Document, int Level, string Title, string Body) Parse(SearchDocument document)
    {
        var title = document.Tags.FirstOrDefault(t => t.StartsWith("title=", StringComparison.Ordinal))?[6..] ?? "";
        var text = document.Text.StartsWith(title + "\n", StringComparison.Ordinal) ? document.Text[(title.Length + 1)..] : document.Text;
        var trimmed = text.TrimStart('\uFEFF', '\r', '\n');
        var level = 0;
        while (level < trimmed.Length && level < 7 && trimmed[level] == '#') level++;
        if (level is 0 or 7 || level >= trimmed.Length || trimmed[level] != ' ') return (document, 0, title, text);
        var newline = trimmed.IndexOf('\n');
        return (document, level, title, newline < 0 ? "" : trimmed[(newline + 1)..]);
    }
}
