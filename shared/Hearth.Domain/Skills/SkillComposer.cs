using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Hearth.Skills.Splitting;

namespace Hearth.Skills;

/// <summary>What to compose: a skill named <see cref="Name"/> from these sections, in this order.</summary>
/// <param name="Name">Lower-case letters, digits and single hyphens, at most 64 characters (the Agent Skills rule); unique among the owner's files.</param>
/// <param name="SectionIds">1 to 200 section ids of the caller's current files, each at most once.</param>
/// <param name="Description">One line, at most 1,024 characters; generated from the sources when absent.</param>
/// <param name="Title">The composed file's <c># Title</c>; from the name when absent.</param>
/// <param name="Path">Where to store it; <c>skills/&lt;name&gt;/SKILL.md</c> when absent. Must not exist yet.</param>
/// <param name="IncludeChildren">Take each section with its descendants (default) or alone.</param>
/// <param name="DryRun">Build and validate, but do not store.</param>
public sealed record ComposeRequest(
    string Name,
    IReadOnlyList<string> SectionIds,
    string? Description = null,
    string? Title = null,
    string? Path = null,
    bool IncludeChildren = true,
    bool DryRun = false);

/// <summary>A section a composed skill was built from (also listed in its frontmatter's <c>sources</c>).</summary>
public sealed record ComposeSource(string SectionId, string FileId, string Path, int Version, string Key, string Title, string Sha256);

/// <summary>The composed skill: its bytes, what they were built from, and the stored file (null for a dry run).</summary>
public sealed record ComposeResult(string Path, string Name, string Description, byte[] Content, string Sha256, int Sections, IReadOnlyList<ComposeSource> Sources, StoredFile? Stored);

/// <summary>
/// Composes a new skill file from sections of the owner's library: generated YAML frontmatter (name, description,
/// sources), a <c># Title</c>, then each section (with its descendants unless asked otherwise) in the order given.
/// Markdown headings are shifted so the shallowest heading of each section becomes <c>##</c> under the title, keeping
/// their relative depth; sections of scripts and JSON files come as fenced code under a <c>##</c> heading of their
/// title. The result is validated (a skill, one <c>#</c> title, headings within h1-h6, splits and recomposes exactly,
/// unique path and name) and stored as a new file, version 1, like any other.
/// </summary>
public sealed partial class SkillComposer(SkillLibrary library)
{
    public const int MaxSections = 200;
    public const int MaxDescription = 1024;

    public async Task<ComposeResult> ComposeAsync(string owner, ComposeRequest request, CancellationToken ct)
    {
        var name = (request.Name ?? "").Trim();
        if (name.Length is 0 or > 64 || !NamePattern().IsMatch(name))
            throw new SkillRequestException("name", "must be 1-64 lower-case letters, digits and single hyphens (e.g. pdf-tools)");
        var ids = request.SectionIds ?? [];
        if (ids.Count == 0) throw new SkillRequestException("sectionIds", "name at least one section");
        if (ids.Count > MaxSections) throw new SkillRequestException("sectionIds", $"at most {MaxSections} sections");
        if (ids.Distinct(StringComparer.Ordinal).Count() != ids.Count) throw new SkillRequestException("sectionIds", "a section is listed twice");
        var path = SkillPath.Normalize(string.IsNullOrWhiteSpace(request.Path) ? $"skills/{name}/SKILL.md" : request.Path);
        var title = OneLine(string.IsNullOrWhiteSpace(request.Title) ? TitleOf(name) : request.Title, 120);

        var pieces = new List<(SectionRead Read, FileSections File, RawFile Raw)>();
        var files = new Dictionary<string, (FileSections, RawFile)>(StringComparer.Ordinal);
        foreach (var id in ids)
        {
            var read = await library.GetSectionAsync(owner, id, withChildren: false, ct)
                ?? throw new SkillRequestException("sectionIds", $"section {id} was not found");
            if (read.Section.Kind == "frontmatter")
                throw new SkillRequestException("sectionIds", $"section {id} is the frontmatter of {read.Section.Path}; the composed skill gets its own");
            if (!files.TryGetValue(read.Section.FileId, out var file))
            {
                var sections = await library.SectionsAsync(owner, read.Section.FileId, read.Section.Version, ct);
                var raw = await library.RawAsync(owner, read.Section.FileId, read.Section.Version, ct);
                if (sections is null || raw is null) throw new SkillRequestException("sectionIds", $"section {id} was not found");
                files[read.Section.FileId] = file = (sections, raw);
            }
            pieces.Add((read, file.Item1, file.Item2));
        }
        if (request.IncludeChildren)
        {
            foreach (var (read, _, _) in pieces)
            {
                var ancestor = pieces.FirstOrDefault(p => p.Read.Section.FileId == read.Section.FileId && p.Read.Section.Order < read.Section.Order
                                                          && read.Section.Order < p.Read.Section.SubtreeEnd);
                if (ancestor.Read is not null)
                    throw new SkillRequestException("sectionIds", $"section {read.Section.Id} ('{read.Section.Title}') is already included with its ancestor {ancestor.Read.Section.Id}; list the ancestor alone or set includeChildren to false");
            }
        }

        var sources = pieces.Select(p => new ComposeSource(p.Read.Section.Id, p.Read.Section.FileId, p.Read.Section.Path, p.Read.Section.Version,
            p.Read.Section.Key, p.Read.Section.Title, p.Read.Section.Sha256)).ToList();
        var description = string.IsNullOrWhiteSpace(request.Description) ? Describe(sources) : OneLine(request.Description, int.MaxValue);
        if (description.Length > MaxDescription) throw new SkillRequestException("description", $"at most {MaxDescription} characters");

        var content = new MemoryStream();
        Write(content, Frontmatter(name, description, sources));
        Write(content, $"# {title}\n");
        foreach (var (read, file, raw) in pieces)
        {
            content.WriteByte((byte)'\n');
            var piece = Piece(read, file, raw, request.IncludeChildren);
            content.Write(piece);
            if (piece.Length == 0 || piece[^1] is not ((byte)'\n' or (byte)'\r')) content.WriteByte((byte)'\n');
        }
        var bytes = content.ToArray();

        var split = SkillSplitter.Split(path, bytes);
        if (split.Type != SkillFileType.Skill)
            throw new SkillRequestException("path", $"'{path}' would be stored as a {split.Type.ToName()}; compose writes skills (e.g. skills/{name}/SKILL.md)");
        if (split.Sections.Count(s => s.HeadingLevel == 1) != 1)
            throw new SkillRequestException("sectionIds", "the sections would add a second top-level (#) heading; choose sections whose headings can sit under the title");
        if (!SkillRecomposer.Recompose(split).AsSpan().SequenceEqual(bytes))
            throw new InvalidOperationException("The composed skill does not recompose to its own bytes.");
        if (await library.FindByNameAsync(owner, name, ct) is { } named)
            throw new SkillConflictException($"A file named '{name}' already exists ({named.Path}); choose another name.");
        if (await library.FindByPathAsync(owner, path, ct) is not null)
            throw new SkillConflictException($"'{path}' already exists in the library; choose another path or name.");

        var stored = request.DryRun ? null : await library.StoreAsync(owner, split, "compose", ct, requireNew: true);
        return new ComposeResult(path, name, description, bytes, split.Sha256, split.Sections.Count, sources, stored);
    }

    /// <summary>The section's bytes (with its descendants when asked), ready to sit under the composed title.</summary>
    private static byte[] Piece(SectionRead read, FileSections file, RawFile raw, bool includeChildren)
    {
        var top = read.Section;
        var end = includeChildren ? top.SubtreeEnd : top.Order + 1;
        var length = includeChildren ? top.SubtreeSize : top.Size;
        var bytes = raw.Content.AsSpan(top.Offset, length);
        if (file.File.Format != "markdown")
        {
            var language = file.File.Format switch { "shell" => "bash", "text" => "", var f => f };
            var text = Encoding.UTF8.GetString(bytes);
            var fence = new string('`', Math.Max(3, LongestRun(text, '`') + 1));
            var block = $"## {top.Title}\n\n{fence}{language}\n{text}{(text.EndsWith('\n') ? "" : "\n")}{fence}\n";
            return Encoding.UTF8.GetBytes(block);
        }

        var headings = file.Sections.Skip(top.Order).Take(end - top.Order).Where(s => s.HeadingLevel > 0).ToList();
        var result = new MemoryStream(length + 16);
        var at = 0;
        if (top.Offset == 0 && bytes.StartsWith("\uFEFF"u8)) at = 3; // a BOM belongs at the start of a file, not inside one
        if (headings.Count > 0)
        {
            var delta = 2 - headings.Min(h => h.HeadingLevel);
            var deepest = headings.Max(h => h.HeadingLevel) + delta;
            if (deepest > 6)
                throw new SkillRequestException("sectionIds", $"section {top.Id} ('{top.Title}') has headings {deepest - 6} levels too deep to sit under the title (h6 is the deepest)");
            foreach (var heading in headings)
            {
                var start = heading.Offset - top.Offset;
                if (start == 0 && at == 3) start = 3;
                var hashes = start;
                while (hashes < bytes.Length && hashes - start < 3 && bytes[hashes] == (byte)' ') hashes++;
                var run = 0;
                while (hashes + run < bytes.Length && bytes[hashes + run] == (byte)'#') run++;
                if (run != heading.HeadingLevel || delta == 0) continue;
                result.Write(bytes[at..hashes]);
                result.Write(Encoding.ASCII.GetBytes(new string('#', run + delta)));
                at = hashes + run;
            }
        }
        result.Write(bytes[at..]);
        return result.ToArray();
    }

    private static string Frontmatter(string name, string description, IReadOnlyList<ComposeSource> sources)
    {
        var text = new StringBuilder();
        text.Append("---\n");
        text.Append(CultureInfo.InvariantCulture, $"name: {name}\n");
        text.Append(CultureInfo.InvariantCulture, $"description: {Quote(description)}\n");
        text.Append("sources:\n");
        foreach (var source in sources)
        {
            text.Append(CultureInfo.InvariantCulture, $"  - path: {Quote(source.Path)}\n");
            text.Append(CultureInfo.InvariantCulture, $"    version: {source.Version}\n");
            text.Append(CultureInfo.InvariantCulture, $"    section: {Quote(source.Key)}\n");
            text.Append(CultureInfo.InvariantCulture, $"    sha256: {source.Sha256}\n");
        }
        text.Append("---\n\n");
        return text.ToString();
    }

    private static string Describe(IReadOnlyList<ComposeSource> sources)
    {
        var titles = string.Join("; ", sources.Take(8).Select(s => $"{s.Title} ({s.Path})"));
        var more = sources.Count > 8 ? $"; and {sources.Count - 8} more" : "";
        var text = OneLine($"Composed from {sources.Count} section{(sources.Count == 1 ? "" : "s")}: {titles}{more}.", int.MaxValue);
        return text.Length <= MaxDescription ? text : text[..(MaxDescription - 1)] + "…";
    }

    /// <summary>A YAML double-quoted scalar.</summary>
    private static string Quote(string value) => "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    private static string OneLine(string text, int max)
    {
        var line = string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        return line.Length <= max ? line : line[..max];
    }

    private static string TitleOf(string name) =>
        string.Join(' ', name.Split('-', StringSplitOptions.RemoveEmptyEntries).Select(w => char.ToUpperInvariant(w[0]) + w[1..]));

    private static int LongestRun(string text, char c)
    {
        int longest = 0, run = 0;
        foreach (var ch in text)
        {
            run = ch == c ? run + 1 : 0;
            longest = Math.Max(longest, run);
        }
        return longest;
    }

    private static void Write(Stream stream, string text) => stream.Write(Encoding.UTF8.GetBytes(text));

    [GeneratedRegex("^[a-z0-9]+(-[a-z0-9]+)*$")]
    private static partial Regex NamePattern();
}
