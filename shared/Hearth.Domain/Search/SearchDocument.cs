namespace Hearth.Search;

/// <summary>
/// One searchable document (a chat turn, a summary, a skill section...). Identity is (owner, id) within a
/// collection: upserting the same pair replaces the document, and one owner can never overwrite another's.
/// </summary>
/// <param name="Id">Caller's id, unique per owner in the collection.</param>
/// <param name="Owner">The user the document belongs to; every search is scoped to one owner.</param>
/// <param name="Text">The text that is searched (BM25) and embedded (vector).</param>
/// <param name="Vector">Embedding of <paramref name="Text"/>; null (or empty) keeps the document out of vector search
/// (<see cref="SearchService"/> fills it in).</param>
public sealed record SearchDocument(string Id, string Owner, string Text, ReadOnlyMemory<float>? Vector = null)
{
    /// <summary>Companion or assistant the document is about, if any.</summary>
    public string? Agent { get; init; }
    /// <summary>Chat session the document came from, if any.</summary>
    public string? Session { get; init; }
    /// <summary>Routing domain (see <see cref="DomainRouter"/>), e.g. <c>general</c>, <c>code</c>.</summary>
    public string? Domain { get; init; }
    /// <summary>What the document is: <c>turn</c>, <c>summary</c>, <c>section</c>...</summary>
    public string? Kind { get; init; }
    /// <summary>Where it came from (a file path, a URL, a message id).</summary>
    public string? Source { get; init; }
    /// <summary>When the underlying thing was created (not when it was indexed); filterable by range.</summary>
    public DateTimeOffset CreatedAt { get; init; } = DateTimeOffset.UnixEpoch;
    /// <summary>Free string tags; a filter's tags must all be present. <c>key=value</c> strings work well.</summary>
    public IReadOnlyList<string> Tags { get; init; } = [];
    /// <summary>
    /// What the embedder sees instead of <see cref="Text"/> when it differs (a section with its heading path); not stored,
    /// so a reindex embeds <see cref="Text"/>. Empty: the document stays out of vector search (BM25 still finds it).
    /// </summary>
    public string? EmbeddingText { get; init; }
}
