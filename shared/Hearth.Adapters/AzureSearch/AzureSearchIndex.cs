using System.Collections.Concurrent;
using System.Numerics.Tensors;
using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Identity;
using Azure.Search.Documents;
using Azure.Search.Documents.Indexes;
using Azure.Search.Documents.Models;
using Hearth.Search;
using Microsoft.Extensions.Logging;
using AzureDocument = Azure.Search.Documents.Models.SearchDocument;
using AzureSearchRequest = Azure.Search.Documents.SearchOptions;
using SearchDocument = Hearth.Search.SearchDocument;
using SearchFilter = Hearth.Search.SearchFilter;
using SearchMode = Hearth.Search.SearchMode;
using SearchOptions = Hearth.Search.SearchOptions;

namespace Hearth.Adapters.AzureSearch;

/// <summary>
/// <see cref="ISearchIndex"/> on Azure AI Search (REST API 2023-11-01 through Azure.Search.Documents 11.5.1). Each
/// collection generation is an index (<c>{prefix}{collection}-g{n}</c>); a registry index records model, dimensions
/// and the live generation, so a reindex builds the next generation beside the old one and then switches. Document
/// keys hash (owner, id), so one owner can never overwrite another's document. Hybrid queries send the text and a
/// vector query in one request and Azure fuses them with RRF; the owner filter is applied before the vector search.
/// </summary>
public sealed class AzureSearchIndex : ISearchIndex
{
    private const int MaxBatch = 1000;
    private readonly AzureSearchOptions _options;
    private readonly SearchOptions _search;
    private readonly ILogger<AzureSearchIndex> _logger;
    private readonly SearchIndexClient _indexes;
    private readonly string _registryName;
    private readonly ConcurrentDictionary<string, Registration> _registry = new(StringComparer.Ordinal);

    /// <param name="handler">The HTTP handler under the resilience pipeline (tests pass a fake that checks request bodies).</param>
    /// <param name="time">Times the pipeline's retries, timeouts and breaks.</param>
    /// <param name="credential">Used when no API key is configured; DefaultAzureCredential by default.</param>
    public AzureSearchIndex(AzureSearchOptions options, SearchOptions search, ILogger<AzureSearchIndex> logger, HttpMessageHandler? handler = null,
        TimeProvider? time = null, TokenCredential? credential = null)
    {
        options.Validate();
        (_options, _search, _logger) = (options, search, logger);
        // Retries, per-try timeouts and the circuit breaker are Microsoft.Extensions.Http.Resilience's; Azure.Core's are off.
        var resilience = options.Resilience();
        var http = new HttpClient(resilience.CreateHandler(time ?? TimeProvider.System,
            handler ?? new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) }, logger))
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
        var clientOptions = new SearchClientOptions(SearchClientOptions.ServiceVersion.V2023_11_01) { Transport = new HttpClientTransport(http) };
        clientOptions.Retry.MaxRetries = 0;
        clientOptions.Retry.NetworkTimeout = resilience.Budget;
        var endpoint = new Uri(options.Endpoint!);
        _indexes = string.IsNullOrEmpty(options.ApiKey)
            ? new SearchIndexClient(endpoint, credential ?? new DefaultAzureCredential(), clientOptions)
            : new SearchIndexClient(endpoint, new AzureKeyCredential(options.ApiKey), clientOptions);
        _registryName = options.IndexPrefix + "collections";
    }

    public async Task<SearchCollection> EnsureCollectionAsync(string collection, string embeddingModel, int dimensions, CancellationToken ct)
    {
        SearchCollectionName.Validate(collection);
        if (string.IsNullOrWhiteSpace(embeddingModel)) throw new ArgumentException("The embedding model id is required.", nameof(embeddingModel));
        if (dimensions is < 1 or > 16384) throw new ArgumentOutOfRangeException(nameof(dimensions), dimensions, "Dimensions must be between 1 and 16384.");
        var existing = await FindAsync(collection, refresh: true, ct);
        if (existing is null)
        {
            await _indexes.CreateOrUpdateIndexAsync(AzureSearchSchema.Registry(_registryName), cancellationToken: ct);
            existing = new Registration(collection, embeddingModel, dimensions, 1, IndexName(collection, 1));
            await _indexes.CreateOrUpdateIndexAsync(AzureSearchSchema.Collection(existing.IndexName, dimensions, _options), cancellationToken: ct);
            await RegisterAsync(existing, ct);
            _logger.LogInformation("Created Azure AI Search index {Index} for collection {Collection} ({Model}, {Dimensions} dimensions)",
                existing.IndexName, collection, embeddingModel, dimensions);
        }
        if (existing.Model != embeddingModel || existing.Dimensions != dimensions)
            throw new EmbeddingMismatchException(collection, existing.Model, existing.Dimensions, embeddingModel, dimensions);
        return existing.ToCollection();
    }

    public async Task<SearchCollection?> GetCollectionAsync(string collection, CancellationToken ct) =>
        (await FindAsync(collection, refresh: true, ct))?.ToCollection();

    public async Task UpsertAsync(string collection, IReadOnlyList<SearchDocument> documents, CancellationToken ct)
    {
        if (documents.Count == 0) return;
        var registration = await RequireAsync(collection, ct);
        var unique = new Dictionary<string, SearchDocument>(StringComparer.Ordinal);
        foreach (var document in documents)
        {
            Validate(document);
            if (document.Vector is { Length: > 0 } v && v.Length != registration.Dimensions)
                throw new EmbeddingMismatchException(collection, registration.Model, registration.Dimensions, null, v.Length);
            unique[DocumentKey(document.Owner, document.Id)] = document;
        }
        var now = DateTimeOffset.UtcNow;
        var actions = unique.Select(p => ToAzure(p.Key, p.Value, now)).ToList();
        await WithFreshRegistrationAsync(collection, registration, async r =>
        {
            var client = _indexes.GetSearchClient(r.IndexName);
            for (var start = 0; start < actions.Count; start += MaxBatch)
            {
                // Upload, not merge: the same key replaces the whole document, so dropped tags or vectors don't linger.
                var batch = IndexDocumentsBatch.Upload(actions.Skip(start).Take(MaxBatch));
                await client.IndexDocumentsAsync(batch, new IndexDocumentsOptions { ThrowOnAnyError = true }, ct);
            }
        }, ct);
    }

    public async Task<int> DeleteAsync(string collection, string owner, IReadOnlyCollection<string> ids, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(owner)) throw new ArgumentException("The owner is required.", nameof(owner));
        if (ids.Count == 0) return 0;
        var registration = await RequireAsync(collection, ct);
        var keys = ids.Distinct().Select(id => DocumentKey(owner, id)).ToList();
        var deleted = 0;
        await WithFreshRegistrationAsync(collection, registration, async r =>
        {
            var client = _indexes.GetSearchClient(r.IndexName);
            deleted = 0;
            foreach (var chunk in keys.Chunk(MaxBatch))
            {
                // Deleting a missing key succeeds in Azure; look first so the count says how many existed.
                var existing = await KeysAsync(client,
                    $"{ODataFilter.Eq(AzureSearchSchema.Owner, owner)} and search.in({AzureSearchSchema.Key}, '{string.Join(',', chunk)}', ',')",
                    chunk.Length, null, ct);
                if (existing.Count == 0) continue;
                await client.IndexDocumentsAsync(IndexDocumentsBatch.Delete(AzureSearchSchema.Key, existing), new IndexDocumentsOptions { ThrowOnAnyError = true }, ct);
                deleted += existing.Count;
            }
        }, ct);
        return deleted;
    }

    public async Task<int> DeleteWhereAsync(string collection, SearchFilter filter, CancellationToken ct)
    {
        var registration = await RequireAsync(collection, ct);
        var odata = ODataFilter.Build(filter);
        var deleted = 0;
        await WithFreshRegistrationAsync(collection, registration, async r =>
        {
            var client = _indexes.GetSearchClient(r.IndexName);
            string? after = null;
            while (true)
            {
                // Keyset paging by key: deleted documents may stay visible to search for a moment.
                var keys = await KeysAsync(client, odata, MaxBatch, after, ct);
                if (keys.Count == 0) break;
                await client.IndexDocumentsAsync(IndexDocumentsBatch.Delete(AzureSearchSchema.Key, keys), new IndexDocumentsOptions { ThrowOnAnyError = true }, ct);
                deleted += keys.Count;
                after = keys[^1];
            }
        }, ct);
        return deleted;
    }

    public async Task<SearchResults> SearchAsync(string collection, SearchQuery query, CancellationToken ct)
    {
        query.Validate();
        var registration = await RequireAsync(collection, ct);
        if (query.Vector is { Length: > 0 } v && query.Mode != SearchMode.Bm25 && v.Length != registration.Dimensions)
            throw new EmbeddingMismatchException(collection, registration.Model, registration.Dimensions, null, v.Length);

        var request = new AzureSearchRequest
        {
            Filter = ODataFilter.Build(query.Filter),
            Size = query.K,
            QueryType = SearchQueryType.Simple,
            SearchMode = Azure.Search.Documents.Models.SearchMode.Any,
        };
        foreach (var field in AzureSearchSchema.Retrievable) request.Select.Add(field);
        string? text = null;
        if (query.Mode != SearchMode.Vector)
        {
            text = query.Text;
            request.SearchFields.Add(AzureSearchSchema.Text);
        }
        if (query.Mode != SearchMode.Bm25)
        {
            request.VectorSearch = new VectorSearchOptions
            {
                // Filter first, then find neighbours: the owner filter must never shrink k to another user's documents.
                FilterMode = VectorFilterMode.PreFilter,
                Queries =
                {
                    new VectorizedQuery(query.Vector!.Value)
                    {
                        KNearestNeighborsCount = query.Mode == SearchMode.Hybrid ? Math.Max(query.K, _search.HybridCandidates) : query.K,
                        Fields = { AzureSearchSchema.Embedding },
                    },
                },
            };
        }

        var hits = new List<SearchHit>();
        await WithFreshRegistrationAsync(collection, registration, async r =>
        {
            hits.Clear();
            var response = await _indexes.GetSearchClient(r.IndexName).SearchAsync<AzureDocument>(text, request, ct);
            var rank = 0;
            await foreach (var result in response.Value.GetResultsAsync().WithCancellation(ct))
            {
                var document = FromAzure(result.Document);
                if (document.Owner != query.Filter.Owner) continue; // the filter already guarantees it; never trust one guard
                rank++;
                var score = result.Score ?? 0;
                hits.Add(query.Mode switch
                {
                    SearchMode.Bm25 => new SearchHit(document, score, rank, score, null, null),
                    // Azure scores cosine neighbours as 1 / (1 + (1 − cos)); report the cosine like the local index.
                    SearchMode.Vector => new SearchHit(document, 2 - 1 / score, null, null, rank, 2 - 1 / score),
                    // Azure reports only the fused RRF score for hybrid queries (per-list ranks need a later API version).
                    _ => new SearchHit(document, score, null, null, null, null),
                });
                if (hits.Count == query.K) break;
            }
        }, ct);
        return new SearchResults(hits, query.Mode);
    }

    public async Task<int> ReindexAsync(string collection, string embeddingModel, int dimensions, EmbedBatch embed, CancellationToken ct)
    {
        var old = await FindAsync(collection, refresh: true, ct) ?? throw new SearchCollectionNotFoundException(collection);
        var started = DateTimeOffset.UtcNow;
        var next = new Registration(collection, embeddingModel, dimensions, old.Generation + 1, IndexName(collection, old.Generation + 1));
        await _indexes.CreateOrUpdateIndexAsync(AzureSearchSchema.Collection(next.IndexName, dimensions, _options), cancellationToken: ct);
        var source = _indexes.GetSearchClient(old.IndexName);
        var target = _indexes.GetSearchClient(next.IndexName);

        var count = await CopyAsync(source, target, null, dimensions, embed, ct);
        await RegisterAsync(next, ct);
        _registry[collection] = next;
        // Writers that still held the old generation kept writing there until now: carry those over, then drop it.
        count += await CopyAsync(source, target, $"{AzureSearchSchema.IndexedAt} ge {ODataFilter.Date(started)}", dimensions, embed, ct);
        await _indexes.DeleteIndexAsync(old.IndexName, ct);
        _logger.LogInformation("Reindexed Azure AI Search collection {Collection} into {Index}: {Count} documents with {Model} ({Dimensions})",
            collection, next.IndexName, count, embeddingModel, dimensions);
        return count;
    }

    /// <summary>The document key for (owner, id): URL-safe base64 of SHA-256, as Azure keys allow only [A-Za-z0-9_-=].</summary>
    public static string DocumentKey(string owner, string id) =>
        Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(owner + "\n" + id))).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private async Task<int> CopyAsync(SearchClient source, SearchClient target, string? filter, int dimensions, EmbedBatch embed, CancellationToken ct)
    {
        var count = 0;
        string? after = null;
        while (true)
        {
            var request = new AzureSearchRequest
            {
                Filter = Combine(filter, after is null ? null : $"{AzureSearchSchema.Key} gt {ODataFilter.Quote(after)}"),
                Size = 256,
                OrderBy = { AzureSearchSchema.Key },
            };
            foreach (var field in AzureSearchSchema.Retrievable) request.Select.Add(field);
            var response = await source.SearchAsync<AzureDocument>("*", request, ct);
            var page = new List<(string Key, SearchDocument Document)>();
            await foreach (var result in response.Value.GetResultsAsync().WithCancellation(ct))
                page.Add((Str(result.Document, AzureSearchSchema.Key)!, FromAzure(result.Document)));
            if (page.Count == 0) return count;
            var vectors = await embed(page.Select(p => p.Document.Text).ToList(), ct);
            if (vectors.Count != page.Count) throw new InvalidOperationException($"The embedder returned {vectors.Count} vectors for {page.Count} texts.");
            var now = DateTimeOffset.UtcNow;
            var actions = page.Select((p, i) =>
            {
                if (vectors[i].Length != dimensions)
                    throw new InvalidOperationException($"The embedder returned {vectors[i].Length} dimensions; the reindex asked for {dimensions}.");
                return ToAzure(p.Key, p.Document with { Vector = vectors[i] }, now);
            });
            await target.IndexDocumentsAsync(IndexDocumentsBatch.Upload(actions), new IndexDocumentsOptions { ThrowOnAnyError = true }, ct);
            count += page.Count;
            after = page[^1].Key;
        }
    }

    private static async Task<List<string>> KeysAsync(SearchClient client, string filter, int size, string? after, CancellationToken ct)
    {
        var request = new AzureSearchRequest
        {
            Filter = Combine(filter, after is null ? null : $"{AzureSearchSchema.Key} gt {ODataFilter.Quote(after)}"),
            Size = size,
            OrderBy = { AzureSearchSchema.Key },
            Select = { AzureSearchSchema.Key },
        };
        var response = await client.SearchAsync<AzureDocument>("*", request, ct);
        var keys = new List<string>();
        await foreach (var result in response.Value.GetResultsAsync().WithCancellation(ct))
            keys.Add(Str(result.Document, AzureSearchSchema.Key)!);
        return keys;
    }

    private static string? Combine(string? a, string? b) => a is null ? b : b is null ? a : $"{a} and {b}";

    private string IndexName(string collection, int generation) => $"{_options.IndexPrefix}{collection}-g{generation}";

    private async Task<Registration> RequireAsync(string collection, CancellationToken ct) =>
        await FindAsync(collection, refresh: false, ct) ?? throw new SearchCollectionNotFoundException(collection);

    /// <summary>Runs an operation on the collection's live index; if that index is gone (another replica reindexed), reads the registry again and retries once.</summary>
    private async Task WithFreshRegistrationAsync(string collection, Registration registration, Func<Registration, Task> operation, CancellationToken ct)
    {
        try
        {
            await operation(registration);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            var fresh = await FindAsync(collection, refresh: true, ct) ?? throw new SearchCollectionNotFoundException(collection);
            if (fresh.IndexName == registration.IndexName) throw;
            if (fresh.Dimensions != registration.Dimensions)
                throw new EmbeddingMismatchException(collection, fresh.Model, fresh.Dimensions, registration.Model, registration.Dimensions);
            await operation(fresh);
        }
    }

    private async Task<Registration?> FindAsync(string collection, bool refresh, CancellationToken ct)
    {
        if (!refresh && _registry.TryGetValue(collection, out var cached)) return cached;
        try
        {
            var response = await _indexes.GetSearchClient(_registryName).GetDocumentAsync<AzureDocument>(collection, cancellationToken: ct);
            var d = response.Value;
            var registration = new Registration(collection, d.GetString("model"), d.GetInt32("dimensions") ?? 0,
                d.GetInt32("generation") ?? 1, d.GetString("indexName"));
            _registry[collection] = registration;
            return registration;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            _registry.TryRemove(collection, out _);
            return null;
        }
    }

    private async Task RegisterAsync(Registration registration, CancellationToken ct)
    {
        var document = new AzureDocument
        {
            ["name"] = registration.Name,
            ["model"] = registration.Model,
            ["dimensions"] = registration.Dimensions,
            ["generation"] = registration.Generation,
            ["indexName"] = registration.IndexName,
            ["updatedAt"] = DateTimeOffset.UtcNow,
        };
        await _indexes.GetSearchClient(_registryName).IndexDocumentsAsync(
            IndexDocumentsBatch.Upload([document]), new IndexDocumentsOptions { ThrowOnAnyError = true }, ct);
        _registry[registration.Name] = registration;
    }

    private static AzureDocument ToAzure(string key, SearchDocument d, DateTimeOffset indexedAt) => new()
    {
        [AzureSearchSchema.Key] = key,
        [AzureSearchSchema.Id] = d.Id,
        [AzureSearchSchema.Owner] = d.Owner,
        [AzureSearchSchema.Text] = d.Text,
        [AzureSearchSchema.Agent] = d.Agent,
        [AzureSearchSchema.Session] = d.Session,
        [AzureSearchSchema.Domain] = d.Domain,
        [AzureSearchSchema.Kind] = d.Kind,
        [AzureSearchSchema.Source] = d.Source,
        [AzureSearchSchema.CreatedAt] = d.CreatedAt.ToUniversalTime(),
        [AzureSearchSchema.IndexedAt] = indexedAt,
        [AzureSearchSchema.Tags] = d.Tags.ToArray(),
        [AzureSearchSchema.Embedding] = d.Vector is { Length: > 0 } v ? v.ToArray() : null,
    };

    private static SearchDocument FromAzure(AzureDocument d) =>
        new(Str(d, AzureSearchSchema.Id) ?? "", Str(d, AzureSearchSchema.Owner) ?? "", Str(d, AzureSearchSchema.Text) ?? "")
        {
            Agent = Str(d, AzureSearchSchema.Agent),
            Session = Str(d, AzureSearchSchema.Session),
            Domain = Str(d, AzureSearchSchema.Domain),
            Kind = Str(d, AzureSearchSchema.Kind),
            Source = Str(d, AzureSearchSchema.Source),
            CreatedAt = d.TryGetValue(AzureSearchSchema.CreatedAt, out var created) && created is not null
                ? d.GetDateTimeOffset(AzureSearchSchema.CreatedAt) ?? DateTimeOffset.UnixEpoch
                : DateTimeOffset.UnixEpoch,
            Tags = d.TryGetValue(AzureSearchSchema.Tags, out var tags) && tags is IEnumerable<object> list
                ? list.Select(t => t?.ToString() ?? "").ToArray()
                : [],
        };

    // Missing and null fields both read as null (the service omits nothing it was asked to select, but be lenient).
    private static string? Str(AzureDocument d, string name) => d.TryGetValue(name, out var value) ? value?.ToString() : null;

    private static void Validate(SearchDocument document)
    {
        if (string.IsNullOrWhiteSpace(document.Id)) throw new ArgumentException("Every document needs an id.", nameof(document));
        if (string.IsNullOrWhiteSpace(document.Owner)) throw new ArgumentException($"Document '{document.Id}' needs an owner.", nameof(document));
        if (document.Text is null) throw new ArgumentException($"Document '{document.Id}' needs text.", nameof(document));
        if (document.Vector is { Length: > 0 } vector && !TensorPrimitives.IsFiniteAll(vector.Span))
            throw new ArgumentException($"Document '{document.Id}' has a vector with NaN or infinite values.", nameof(document));
    }

    private sealed record Registration(string Name, string Model, int Dimensions, int Generation, string IndexName)
    {
        public SearchCollection ToCollection() => new(Name, Model, Dimensions, Generation);
    }
}
