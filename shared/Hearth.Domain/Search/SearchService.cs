using System.Collections.Concurrent;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace Hearth.Search;

/// <summary>
/// What features call to index and search: embeds texts with the configured <see cref="IEmbeddingGenerator{TInput,TEmbedding}"/>
/// (in batches), makes sure each collection was built with that model and size, and passes queries to the
/// <see cref="ISearchIndex"/>. On the local index, a collection built with another model is re-embedded on first use
/// (durable queue jobs, <see cref="Local.VectorJobs"/>) while searches answer by BM25; elsewhere a model or dimension
/// mismatch throws <see cref="EmbeddingMismatchException"/> before anything is written and <see cref="ReindexAsync"/>
/// moves a collection to the configured model.
/// </summary>
public sealed class SearchService(ISearchIndex index, IEmbeddingGenerator<string, Embedding<float>> embedder, ILogger<SearchService> logger)
{
    private const int EmbedBatchSize = 256;
    private readonly ConcurrentDictionary<string, SearchCollection> _ensured = new(StringComparer.Ordinal);
    private int? _dimensions = embedder.GetService<EmbeddingGeneratorMetadata>()?.DefaultModelDimensions;

    /// <summary>The model id recorded on collections (from the embedder's metadata).</summary>
    public string ModelId { get; } = embedder.GetService<EmbeddingGeneratorMetadata>()?.DefaultModelId
        ?? throw new InvalidOperationException("The embedding generator does not report a model id (EmbeddingGeneratorMetadata.DefaultModelId).");

    /// <summary>The index underneath, for maintenance calls.</summary>
    public ISearchIndex Index => index;

    /// <summary>Creates the collection for the configured embedder, or checks that it was built with it.</summary>
    public async Task<SearchCollection> EnsureCollectionAsync(string collection, CancellationToken ct)
    {
        if (_ensured.TryGetValue(collection, out var known)) return known;
        var dimensions = _dimensions ??= (await EmbedAsync(["dimension probe"], ct))[0].Length;
        SearchCollection ensured;
        try
        {
            ensured = await index.EnsureCollectionAsync(collection, ModelId, dimensions, ct);
        }
        catch (EmbeddingMismatchException) when (index is Local.PostgresSearchIndex local)
        {
            // Built by another model: re-embed it in the background; searches answer by BM25 until the vectors are back.
            await local.StartReembedAsync(collection, ModelId, dimensions, force: false, ct);
            ensured = await index.GetCollectionAsync(collection, ct) ?? throw new SearchCollectionNotFoundException(collection);
        }
        _ensured[collection] = ensured;
        return ensured;
    }

    /// <summary>
    /// Starts re-embedding the collection with the configured embedder (local index: durable jobs with progress in
    /// <see cref="Local.PostgresSearchIndex.GetVectorStatusAsync"/>). Without <paramref name="force"/>, only when its model
    /// differs. Returns whether it started.
    /// </summary>
    public async Task<bool> StartReindexAsync(string collection, bool force, CancellationToken ct)
    {
        if (index is not Local.PostgresSearchIndex local)
            throw new NotSupportedException("Re-embedding in the background needs the local index; use ReindexAsync.");
        var dimensions = _dimensions ??= (await EmbedAsync(["dimension probe"], ct))[0].Length;
        var started = await local.StartReembedAsync(collection, ModelId, dimensions, force, ct);
        _ensured.TryRemove(collection, out _);
        return started;
    }

    /// <summary>Embeds documents' texts in batches, one vector per text (what the vector job calls).</summary>
    public async Task<IReadOnlyList<ReadOnlyMemory<float>>> EmbedForIndexAsync(IReadOnlyList<string> texts, CancellationToken ct) =>
        await EmbedAsync(texts, ct);

    /// <summary>Embeds documents that have no vector yet and upserts them all at once (same owner and id replaces).</summary>
    public async Task IndexAsync(string collection, IReadOnlyList<SearchDocument> documents, CancellationToken ct)
    {
        if (documents.Count == 0) return;
        var info = await EnsureCollectionAsync(collection, ct);
        var missing = documents.Select((d, i) => (d, i)).Where(p => p.d.Vector is null && p.d.EmbeddingText is not "").ToList();
        var vectors = await EmbedAsync(missing.Select(p => p.d.EmbeddingText ?? p.d.Text).ToList(), ct);
        var ready = documents.ToArray();
        for (var j = 0; j < missing.Count; j++)
        {
            if (vectors[j].Length != info.Dimensions)
                throw new EmbeddingMismatchException(collection, info.EmbeddingModel, info.Dimensions, ModelId, vectors[j].Length);
            ready[missing[j].i] = missing[j].d with { Vector = vectors[j] };
        }
        await index.UpsertAsync(collection, ready, ModelId, ct);
    }

    /// <summary>
    /// Stores documents searchable by their keywords at once and leaves their vectors to follow: on the local index with
    /// a job client the collection's vector job embeds them in the background (searches label the wait,
    /// <see cref="SearchResults.VectorsPending"/>); elsewhere they are embedded here, as <see cref="IndexAsync"/> does.
    /// </summary>
    public async Task IndexKeywordsFirstAsync(string collection, IReadOnlyList<SearchDocument> documents, CancellationToken ct)
    {
        if (index is not Local.PostgresSearchIndex { EmbedsInBackground: true } local)
        {
            await IndexAsync(collection, documents, ct);
            return;
        }
        if (documents.Count == 0) return;
        await EnsureCollectionAsync(collection, ct);
        await local.UpsertAsync(collection, documents, ModelId, ct);
    }

    /// <summary>Searches one collection; embeds the query text for vector and hybrid modes.</summary>
    public async Task<SearchResults> SearchAsync(string collection, string text, SearchMode mode, int k, SearchFilter filter, CancellationToken ct)
    {
        ReadOnlyMemory<float>? vector = null;
        // Ensuring first makes a search of a collection nothing was indexed in yet answer empty rather than fail.
        var info = await EnsureCollectionAsync(collection, ct);
        if (mode != SearchMode.Bm25)
        {
            if (string.IsNullOrWhiteSpace(text)) throw new ArgumentException("A search needs query text.", nameof(text));
            vector = (await embedder.GenerateAsync([text], Embeddings.EmbeddingPurpose.Query(), ct))[0].Vector;
            if (vector.Value.Length != info.Dimensions)
                throw new EmbeddingMismatchException(collection, info.EmbeddingModel, info.Dimensions, ModelId, vector.Value.Length);
        }
        return await index.SearchAsync(collection, new SearchQuery(text, vector, mode, k, filter) { VectorModel = ModelId }, ct);
    }

    /// <summary>Deletes the owner's documents with these ids.</summary>
    public Task<int> DeleteAsync(string collection, string owner, IReadOnlyCollection<string> ids, CancellationToken ct) =>
        index.DeleteAsync(collection, owner, ids, ct);

    /// <summary>Re-embeds every document of the collection with the configured embedder and records its model.</summary>
    public async Task<int> ReindexAsync(string collection, CancellationToken ct)
    {
        var dimensions = _dimensions ??= (await EmbedAsync(["dimension probe"], ct))[0].Length;
        var before = await index.GetCollectionAsync(collection, ct) ?? throw new SearchCollectionNotFoundException(collection);
        logger.LogInformation("Reindexing search collection {Collection} from {OldModel} ({OldDimensions}) to {Model} ({Dimensions})",
            collection, before.EmbeddingModel, before.Dimensions, ModelId, dimensions);
        var count = await index.ReindexAsync(collection, ModelId, dimensions, async (texts, token) => await EmbedAsync(texts, token), ct);
        _ensured.TryRemove(collection, out _);
        return count;
    }

    /// <summary>
    /// One vector per text, in order; a text that occurs more than once is embedded once (a session's first window is its
    /// exchange, an import may hold the same boilerplate chunk many times).
    /// </summary>
    private async Task<IReadOnlyList<ReadOnlyMemory<float>>> EmbedAsync(IReadOnlyList<string> texts, CancellationToken ct)
    {
        var slots = new Dictionary<string, int>(StringComparer.Ordinal);
        var distinct = new List<string>(texts.Count);
        var slotOf = new int[texts.Count];
        for (var i = 0; i < texts.Count; i++)
        {
            if (!slots.TryGetValue(texts[i], out var slot))
            {
                slot = distinct.Count;
                slots.Add(texts[i], slot);
                distinct.Add(texts[i]);
            }
            slotOf[i] = slot;
        }
        var embedded = new List<ReadOnlyMemory<float>>(distinct.Count);
        for (var start = 0; start < distinct.Count; start += EmbedBatchSize)
        {
            var batch = distinct.Skip(start).Take(EmbedBatchSize).ToList();
            var embeddings = await embedder.GenerateAsync(batch, cancellationToken: ct);
            if (embeddings.Count != batch.Count)
                throw new InvalidOperationException($"The embedder returned {embeddings.Count} vectors for {batch.Count} texts.");
            embedded.AddRange(embeddings.Select(e => e.Vector));
        }
        return slotOf.Select(slot => embedded[slot]).ToList();
    }
}
