using System.Text;
using System.Text.Unicode;
using Hearth.Skills;
using Hearth.Skills.Checkout;

namespace Hearth.Functions.Skills;

/// <summary>A file after <c>POST /api/skills/files</c>: <c>change</c> is created, updated (a new version) or unchanged.</summary>
public sealed record StoredFileResponse(SkillFile File, string Change, IReadOnlyList<string> Warnings)
{
    public static StoredFileResponse From(StoredFile stored) =>
        new(stored.File, stored.Change.ToString().ToLowerInvariant(), stored.Warnings);
}

/// <summary>A run accepted for processing: poll <c>statusUrl</c>.</summary>
public sealed record IngestAcceptedResponse(string Id, string StatusUrl, int Files, long Bytes);

/// <summary>A file's outline: its sections nested under their parents.</summary>
public sealed record TreeResponse(SkillFile File, int Version, IReadOnlyList<TreeNode> Sections);

/// <summary>One section in an outline. <c>size</c> is its own bytes, <c>subtreeSize</c> with its descendants.</summary>
public sealed record TreeNode(
    string Id,
    string Key,
    string Title,
    string Kind,
    int Depth,
    int HeadingLevel,
    int Size,
    int SubtreeSize,
    int StartLine,
    int EndLine,
    string Sha256,
    IReadOnlyList<TreeNode> Children)
{
    public static IReadOnlyList<TreeNode> Build(IReadOnlyList<StoredSection> sections)
    {
        var children = sections.ToLookup(s => s.ParentId ?? "", StringComparer.Ordinal);
        IReadOnlyList<TreeNode> Nodes(string parent) => children[parent]
            .Select(s => new TreeNode(s.Id, s.Key, s.Title, s.Kind, s.Depth, s.HeadingLevel, s.Size, s.SubtreeSize, s.StartLine, s.EndLine, s.Sha256, Nodes(s.Id)))
            .ToList();
        return Nodes("");
    }
}

/// <summary>A direct child of a section (read it with its id).</summary>
public sealed record SectionChild(string Id, string Title, string Kind, int HeadingLevel, int Size, int SubtreeSize, bool HasChildren);

/// <summary>
/// A section with its content. <c>content</c> is its own bytes as text, or with <c>?children=true</c> the bytes of its
/// whole subtree; <c>isValidUtf8</c> is false when the bytes are not UTF-8 (the text then shows U+FFFD; <c>/raw</c> gives
/// the exact bytes).
/// </summary>
public sealed record SectionResponse(
    string Id,
    string FileId,
    string Path,
    string FileType,
    int Version,
    int Order,
    string Key,
    string? ParentId,
    string Title,
    string Kind,
    int Depth,
    int HeadingLevel,
    int Size,
    int SubtreeSize,
    int StartLine,
    int EndLine,
    string Sha256,
    bool IncludesChildren,
    string Content,
    bool IsValidUtf8,
    IReadOnlyList<SectionChild> Children)
{
    public static SectionResponse From(SectionRead read)
    {
        var s = read.Section;
        return new SectionResponse(s.Id, s.FileId, s.Path, read.FileType, s.Version, s.Order, s.Key, s.ParentId, s.Title, s.Kind, s.Depth,
            s.HeadingLevel, s.Size, s.SubtreeSize, s.StartLine, s.EndLine, s.Sha256, read.IncludesChildren,
            Encoding.UTF8.GetString(read.Content), Utf8.IsValid(read.Content),
            read.Children.Select(c => new SectionChild(c.Id, c.Title, c.Kind, c.HeadingLevel, c.Size, c.SubtreeSize, c.HasChildren)).ToList());
    }
}

/// <summary>
/// Search results, best first, with the mode that answered and (for hybrid) the fusion weights used. <c>mode</c> is
/// <c>bm25</c> when vectors could not be used, with <c>vectorFallback</c> saying why (<c>reembedding</c>: the library is
/// being embedded again with a new model; <c>model-mismatch</c>) and <c>vectorsPending</c> when some sections wait for
/// their vectors, as <c>/api/search</c> reports them.
/// </summary>
public sealed record SkillSearchResponse(string Query, string Mode, SearchWeights? Weights, IReadOnlyList<SkillSearchItem> Items, string? VectorFallback = null,
    bool VectorsPending = false);

/// <summary>Hybrid fusion weights of the two halves (docs/search.md: score fusion for calibrated models, RRF otherwise).</summary>
public sealed record SearchWeights(double Bm25, double Vector);

/// <summary>
/// One ranked section. <c>score</c> is the BM25 score, the cosine similarity, or the fused RRF score depending on the
/// mode; the per-list ranks (1-based) and scores show how each half placed it.
/// </summary>
public sealed record SkillSearchItem(
    string SectionId,
    string FileId,
    string Path,
    string FileType,
    string Title,
    string Kind,
    string Key,
    int StartLine,
    int EndLine,
    double Score,
    int? Bm25Rank,
    double? Bm25Score,
    int? VectorRank,
    double? VectorScore,
    string Snippet)
{
    public static SkillSearchItem From(SkillSearchResult r) => new(r.SectionId, r.FileId, r.Path, r.FileType, r.Title,
        r.Kind, r.Key, r.StartLine, r.EndLine, r.Score, r.Bm25Rank, r.Bm25Score, r.VectorRank, r.VectorScore, r.Snippet);
}

/// <summary>Local files (path and SHA-256) to compare with the library.</summary>
public sealed record CompareRequest(IReadOnlyList<PathHash>? Files);

/// <summary>What to compose (see <see cref="ComposeRequest"/>); <c>includeChildren</c> defaults to true.</summary>
public sealed record ComposeBody(
    string? Name,
    IReadOnlyList<string>? SectionIds,
    string? Description,
    string? Title,
    string? Path,
    bool? IncludeChildren,
    bool? DryRun);

/// <summary>A composed skill: the stored file (null for a dry run), its sources, and its text.</summary>
public sealed record ComposeResponse(SkillFile? File, string Path, string Name, string Description, string Sha256, int Sections, IReadOnlyList<ComposeSource> Sources, string Content);

/// <summary>What to check out: a file (by id or library path) or a section (by id). <c>force</c> overwrites edits the library does not hold.</summary>
public sealed record CheckoutRequest(string? FileId, string? Path, string? SectionId, bool? Force);

/// <summary>What to check in: a checkout's id, or the library path (or full local path) of the copy. <c>force</c> replaces changes made in the library since.</summary>
public sealed record CheckinRequest(string? CheckoutId, string? Path, bool? Force);

/// <summary>A checkin: the checkout, closed, and the file as stored (<c>change</c>: updated or unchanged).</summary>
public sealed record CheckinResponse(CheckoutInfo Checkout, StoredFileResponse Stored);

/// <summary>The library at a glance.</summary>
public sealed record SkillStatsResponse(long Files, long Sections, long Bytes, long Versions, IReadOnlyDictionary<string, long> ByType, int ActiveCheckouts, bool MirrorEnabled);
