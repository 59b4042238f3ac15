using System.Collections.Concurrent;
using System.Diagnostics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Text.Json;
using Hearth.Durable.Jobs;
using Hearth.Durable.Migrations;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;

namespace Hearth.Search.Local;

/// <summary>
/// The local hybrid index: PostgreSQL (schema <c>search</c>) holds collections and documents; each process keeps an
/// in-memory <see cref="MemoryCollection"/> per collection and, before every query, catches up on rows whose change
/// sequence is above the last it applied, so any number of replicas answer from the same data. BM25 and the vector
/// scan run in memory; the vector shortlist is re-scored exactly on the float32 vectors fetched with the hits.
/// A collection moved to another model is re-embedded by <see cref="VectorJobs"/> (durable queue jobs, one batch each)
/// while it keeps answering by BM25; <paramref name="jobs"/> enqueues them (without it nothing is enqueued: tools and
/// tests drive <see cref="EmbedVectorsAsync"/> themselves).
/// </summary>
public sealed partial class PostgresSearchIndex(NpgsqlDataSource dataSource, SearchOptions options, ILogger<PostgresSearchIndex> logger, IJobClient? jobs = null) : ISearchIndex
{
    private const int PageSize = 5000;
    private readonly ConcurrentDictionary<string, CollectionState> _states = new(StringComparer.Ordinal);
    private int _fullLoads;

    /// <summary>Whether documents stored without vectors get them from the vector job (a job client is configured).</summary>
    public bool EmbedsInBackground => jobs is not null;

    /// <summary>How many times a collection was loaded from scratch (tests check replicas do not reload needlessly).</summary>
    internal int FullLoads => _fullLoads;

    /// <summary>The migrations of module <c>search</c>; register them before the host starts.</summary>
    public static MigrationSource Migrations { get; } = new("search", typeof(PostgresSearchIndex).Assembly, "Hearth.Search.Migrations.");

    public async Task<SearchCollection> EnsureCollectionAsync(string collection, string embeddingModel, int dimensions, CancellationToken ct)
    {
        SearchCollectionName.Validate(collection);
        if (string.IsNullOrWhiteSpace(embeddingModel)) throw new ArgumentException("The embedding model id is required.", nameof(embeddingModel));
        if (dimensions is < 1 or > 16384) throw new ArgumentOutOfRangeException(nameof(dimensions), dimensions, "Dimensions must be between 1 and 16384.");
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using (var insert = new NpgsqlCommand(
            "insert into search.collections (name, embedding_model, dimensions) values ($1, $2, $3) on conflict (name) do nothing", connection))
        {
            insert.Parameters.Add(new() { Value = collection });
            insert.Parameters.Add(new() { Value = embeddingModel });
            insert.Parameters.Add(new() { Value = dimensions });
            await insert.ExecuteNonQueryAsync(ct);
        }
        var existing = await ReadCollectionAsync(connection, collection, ct)
            ?? throw new SearchCollectionNotFoundException(collection);
        if (existing.EmbeddingModel != embeddingModel || existing.Dimensions != dimensions)
            throw new EmbeddingMismatchException(collection, existing.EmbeddingModel, existing.Dimensions, embeddingModel, dimensions);
        return existing;
    }

    public async Task<SearchCollection?> GetCollectionAsync(string collection, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return await ReadCollectionAsync(connection, collection, ct);
    }

    public Task UpsertAsync(string collection, IReadOnlyList<SearchDocument> documents, CancellationToken ct) =>
        UpsertAsync(collection, documents, null, ct);

    /// <summary>
    /// Upserts; when <paramref name="vectorsModel"/> is not the collection's model (it was re-embedded by a replica on
    /// another model) the documents are stored without their vectors and the vector job embeds them with the right one.
    /// </summary>
    public async Task UpsertAsync(string collection, IReadOnlyList<SearchDocument> documents, string? vectorsModel, CancellationToken ct)
    {
        if (documents.Count == 0) return;
        // Same owner and id twice in one call: the later one wins, as two calls would.
        var unique = new Dictionary<(string, string), SearchDocument>();
        foreach (var document in documents)
        {
            ValidateDocument(document);
            unique[(document.Owner, document.Id)] = document.Vector is { Length: 0 } ? document with { Vector = null } : document;
        }
        var batch = unique.Values.ToList();

        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var (collectionId, info) = await LockCollectionAsync(connection, tx, collection, ct);
        if (vectorsModel is not null && vectorsModel != info.EmbeddingModel)
        {
            logger.LogWarning("Vectors of model {Model} for collection {Collection} (now {CollectionModel}) were left out; the vector job embeds those documents again",
                vectorsModel, collection, info.EmbeddingModel);
            batch = batch.Select(d => d.Vector is null ? d : d with { Vector = null }).ToList();
        }
        foreach (var document in batch)
            if (document.Vector is { } vector && vector.Length != info.Dimensions)
                throw new EmbeddingMismatchException(collection, info.EmbeddingModel, info.Dimensions, null, vector.Length);

        await using (var upsert = new NpgsqlCommand("""
            insert into search.documents as d
                (collection_id, owner_id, id, seq, deleted, text, vector, agent, session, domain, kind, source, created_at, tags, updated_at, embedding_text)
            select $1, u.owner, u.id, nextval('search.change_seq'), false, u.text, u.vector, u.agent, u.session, u.domain, u.kind,
                   u.source, u.created_at, coalesce(array(select jsonb_array_elements_text(u.tags::jsonb)), '{}'), now(), u.embedding_text
            from unnest($2::uuid[], $3::text[], $4::text[], $5::bytea[], $6::text[], $7::text[], $8::text[], $9::text[],
                        $10::text[], $11::timestamptz[], $12::text[], $13::text[])
                 as u(owner, id, text, vector, agent, session, domain, kind, source, created_at, tags, embedding_text)
            on conflict (collection_id, owner_id, id) do update
               set seq = excluded.seq, deleted = false, text = excluded.text, vector = excluded.vector,
                   agent = excluded.agent, session = excluded.session, domain = excluded.domain, kind = excluded.kind,
                   source = excluded.source, created_at = excluded.created_at, tags = excluded.tags, updated_at = now(),
                   embedding_text = excluded.embedding_text
            """, connection, tx))
        {
            upsert.Parameters.Add(new() { Value = collectionId });
            upsert.Parameters.Add(new() { Value = batch.Select(d => d.Owner).ToArray() });
            upsert.Parameters.Add(new() { Value = batch.Select(d => d.Id).ToArray() });
            upsert.Parameters.Add(new() { Value = batch.Select(d => d.Text).ToArray() });
            upsert.Parameters.Add(new() { Value = batch.Select(d => d.Vector is { } v ? VectorBytes.Encode(v.Span) : null).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea });
            upsert.Parameters.Add(new() { Value = batch.Select(d => d.Agent).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
            upsert.Parameters.Add(new() { Value = batch.Select(d => d.Session).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
            upsert.Parameters.Add(new() { Value = batch.Select(d => d.Domain).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
            upsert.Parameters.Add(new() { Value = batch.Select(d => d.Kind).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
            upsert.Parameters.Add(new() { Value = batch.Select(d => d.Source).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
            upsert.Parameters.Add(new() { Value = batch.Select(d => d.CreatedAt.UtcDateTime).ToArray() });
            upsert.Parameters.Add(new() { Value = batch.Select(d => JsonSerializer.Serialize(d.Tags)).ToArray() });
            // Kept only when it is not the text itself, so a re-embedding reads what the first embedding read.
            upsert.Parameters.Add(new() { Value = batch.Select(d => d.EmbeddingText == d.Text ? null : d.EmbeddingText).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
            await upsert.ExecuteNonQueryAsync(ct);
        }
        // Documents waiting for a vector (their writer had another model, or left it to follow): the job embeds them.
        if (batch.Any(d => d.Vector is null && d.EmbeddingText is not ""))
            await EnqueueVectorJobAsync(collection, info.VectorBatch, tx, ct);
        await tx.CommitAsync(ct);
    }

    public async Task<int> DeleteAsync(string collection, string owner, IReadOnlyCollection<string> ids, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(owner)) throw new ArgumentException("The owner is required.", nameof(owner));
        if (ids.Count == 0) return 0;
        return await TombstoneAsync(collection, "owner_id = $2::uuid and id = any($3)", [owner, ids.ToArray()], ct);
    }

    public async Task<int> DeleteWhereAsync(string collection, SearchFilter filter, CancellationToken ct)
    {
        filter.Validate();
        var (where, values) = FilterSql.Build(filter, firstParameter: 2);
        return await TombstoneAsync(collection, where, values, ct);
    }

    public async Task<SearchResults> SearchAsync(string collection, SearchQuery query, CancellationToken ct)
    {
        query.Validate();
        var state = _states.GetOrAdd(collection, static name => new CollectionState(name));
        var index = await SyncAsync(state, ct);
        if (query.Mode != SearchMode.Bm25)
        {
            // Never compare vectors of two models: while the collection is re-embedded, or when the query's model is not
            // the collection's, answer by keywords and say so.
            var fallback = state.Reembedding ? SearchResults.Reembedding
                : query.VectorModel is { } model && model != state.Model ? SearchResults.ModelMismatch
                : null;
            if (fallback is not null)
            {
                IReadOnlyList<SearchHit> keywords = string.IsNullOrWhiteSpace(query.Text) ? []
                    : await SearchAsync(collection, query with { Mode = SearchMode.Bm25, Vector = null }, ct);
                return new SearchResults(keywords, SearchMode.Bm25, fallback);
            }
        }
        var window = Math.Max(query.K, options.HybridCandidates);

        List<Ranked> bm25 = [];
        List<Ranked> shortlist = [];
        var fullMatch = 0.0;
        if (query.Mode != SearchMode.Vector && !string.IsNullOrWhiteSpace(query.Text))
        {
            var terms = TextAnalyzer.Analyze(query.Text).Distinct(StringComparer.Ordinal).ToList();
            bm25 = index.SearchBm25(terms, query.Filter, query.Mode == SearchMode.Bm25 ? query.K : window, out fullMatch);
        }
        float[]? queryVector = null;
        if (query.Mode != SearchMode.Bm25)
        {
            queryVector = query.Vector!.Value.ToArray();
            if (queryVector.Length != index.Dimensions)
                throw new EmbeddingMismatchException(collection, state.Model, index.Dimensions, null, queryVector.Length);
            var wanted = query.Mode == SearchMode.Vector ? query.K : window;
            // The int8 scan shortlists twice what is needed; exact cosine on float32 decides the final order.
            shortlist = index.SearchVector(queryVector, query.Filter, Math.Max(2 * wanted, wanted + 20));
        }

        // Score fusion needs every candidate's cosine, the BM25 ones' too.
        var bounds = query.Mode == SearchMode.Hybrid ? ScoreFusion.For(state.Model) : null;
        var rows = await FetchAsync(state, query.Filter.Owner, bm25, shortlist, bounds is not null, ct);
        bm25 = bm25.Where(r => rows.ContainsKey(r.Key)).ToList();
        var vector = shortlist
            .Where(r => rows.TryGetValue(r.Key, out var row) && row.Vector is not null)
            .Select(r => new Ranked(r.Key, TensorPrimitives.CosineSimilarity(queryVector, rows[r.Key].Vector!)))
            .OrderByDescending(r => r.Score).ThenBy(r => r.Key)
            .Take(query.Mode == SearchMode.Vector ? query.K : window)
            .ToList();

        return new SearchResults(query.Mode switch
        {
            SearchMode.Bm25 => bm25.Take(query.K).Select((r, i) => new SearchHit(rows[r.Key].Document, r.Score, i + 1, r.Score, null, null)).ToList(),
            SearchMode.Vector => vector.Select((r, i) => new SearchHit(rows[r.Key].Document, r.Score, null, null, i + 1, r.Score)).ToList(),
            _ when bounds is { } b => FuseScores(bm25, fullMatch, vector, rows, queryVector!, b, query.K),
            _ => Fuse(bm25, vector, rows, query.K),
        }, query.Mode) { VectorsPending = query.Mode != SearchMode.Bm25 && state.VectorsPending };
    }

    /// <summary>
    /// Re-embeds the collection in this call (the same batches the vector job runs, one after the other): starts the
    /// re-embedding when the collection has another model, then embeds until no row waits. Returns how many documents were
    /// embedded. Hosts start it with <see cref="StartReembedAsync"/> and let <see cref="VectorJobs"/> do the work.
    /// </summary>
    public async Task<int> ReindexAsync(string collection, string embeddingModel, int dimensions, EmbedBatch embed, CancellationToken ct)
    {
        await StartReembedAsync(collection, embeddingModel, dimensions, force: true, ct);
        var count = 0;
        while (true)
        {
            var info = await GetCollectionAsync(collection, ct) ?? throw new SearchCollectionNotFoundException(collection);
            var step = await EmbedVectorsAsync(collection, info.VectorBatch, embeddingModel, embed, VectorJobs.BatchSize, ct);
            count += step.Embedded;
            if (step.Outcome is VectorStepOutcome.Finished) break;
            if (step.Outcome is VectorStepOutcome.OtherModel)
                throw new EmbeddingMismatchException(collection, info.EmbeddingModel, info.Dimensions, embeddingModel, dimensions);
        }
        logger.LogInformation("Reindexed search collection {Collection}: {Count} documents now embedded with {Model} ({Dimensions} dimensions)",
            collection, count, embeddingModel, dimensions);
        return count;
    }

    /// <summary>
    /// Removes tombstones of deletes older than <paramref name="retention"/> (replicas that were away longer reload
    /// the collection instead). Run it from a timer; returns how many rows were purged.
    /// </summary>
    public async Task<int> PurgeDeletedAsync(string collection, TimeSpan retention, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var (collectionId, _) = await LockCollectionAsync(connection, tx, collection, ct);
        await using var purge = new NpgsqlCommand("""
            with purged as (
                delete from search.documents
                where collection_id = $1 and deleted and updated_at < now() - $2
                returning seq)
            update search.collections
               set purged_seq = greatest(purged_seq, coalesce((select max(seq) from purged), 0))
             where id = $1
            returning (select count(*) from purged)
            """, connection, tx);
        purge.Parameters.Add(new() { Value = collectionId });
        purge.Parameters.Add(new() { Value = retention });
        var count = (long)(await purge.ExecuteScalarAsync(ct))!;
        await tx.CommitAsync(ct);
        return (int)count;
    }

    /// <summary>Purges old tombstones in every collection; returns how many rows were purged.</summary>
    public async Task<int> PurgeDeletedAsync(TimeSpan retention, CancellationToken ct)
    {
        var names = new List<string>();
        await using (var connection = await dataSource.OpenConnectionAsync(ct))
        await using (var list = new NpgsqlCommand("select name from search.collections order by name", connection))
        await using (var reader = await list.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct)) names.Add(reader.GetString(0));
        }
        var total = 0;
        foreach (var name in names) total += await PurgeDeletedAsync(name, retention, ct);
        return total;
    }

    /// <summary>Brings the collection into memory (a full load on first use); call at start to warm up.</summary>
    public async Task<int> WarmUpAsync(string collection, CancellationToken ct)
    {
        var index = await SyncAsync(_states.GetOrAdd(collection, static name => new CollectionState(name)), ct);
        return index.LiveCount;
    }

    /// <summary>Approximate bytes held in memory for the collection (0 when not loaded).</summary>
    public long MemoryBytes(string collection) => _states.TryGetValue(collection, out var s) && s.Index is { } i ? i.ApproximateBytes : 0;

    private List<SearchHit> Fuse(List<Ranked> bm25, List<Ranked> vector, Dictionary<long, FetchedRow> rows, int k)
    {
        var fused = ReciprocalRankFusion.Fuse<long>(
            [bm25.Select(r => r.Key).ToList(), vector.Select(r => r.Key).ToList()],
            [options.Bm25Weight, options.VectorWeight]);
        var bm25Rank = bm25.Select((r, i) => (r, i)).ToDictionary(p => p.r.Key, p => (Rank: p.i + 1, p.r.Score));
        var vectorRank = vector.Select((r, i) => (r, i)).ToDictionary(p => p.r.Key, p => (Rank: p.i + 1, p.r.Score));
        return fused.Take(k).Select(f =>
        {
            var inBm25 = bm25Rank.TryGetValue(f.Key, out var b);
            var inVector = vectorRank.TryGetValue(f.Key, out var v);
            return new SearchHit(rows[f.Key].Document, f.Score,
                inBm25 ? b.Rank : null, inBm25 ? b.Score : null, inVector ? v.Rank : null, inVector ? v.Score : null);
        }).ToList();
    }

    /// <summary>Hybrid by <see cref="ScoreFusion"/>: every candidate of either list scored on both halves (ranks reported as each list placed it).</summary>
    private List<SearchHit> FuseScores(List<Ranked> bm25, double fullMatch, List<Ranked> vector, Dictionary<long, FetchedRow> rows, float[] queryVector, ScoreFusion.CosineBounds bounds, int k)
    {
        var best = bm25.Count > 0 ? bm25.Max(r => r.Score) : 0;
        var bm25Rank = bm25.Select((r, i) => (r, i)).ToDictionary(p => p.r.Key, p => (Rank: p.i + 1, p.r.Score));
        var vectorRank = vector.Select((r, i) => (r, i)).ToDictionary(p => p.r.Key, p => p.i + 1);
        var candidates = bm25.Select(r => r.Key).Concat(vector.Select(r => r.Key)).Distinct();
        var scored = new List<(long Key, double Fused, double? Cosine, double Bm25Norm)>();
        foreach (var key in candidates)
        {
            double? cosine = rows[key].Vector is { } v ? TensorPrimitives.CosineSimilarity(queryVector, v) : null;
            double? bm25Score = bm25Rank.TryGetValue(key, out var b) ? b.Score : null;
            var bm25Norm = ScoreFusion.Bm25(bm25Score, best, fullMatch, options.Bm25Scale);
            scored.Add((key, ScoreFusion.Fuse(bm25Norm, ScoreFusion.Vector(cosine, bounds), options.Bm25Weight, options.VectorWeight * bounds.VectorWeight), cosine, bm25Norm));
        }
        return scored
            .OrderByDescending(s => s.Fused).ThenByDescending(s => s.Bm25Norm).ThenByDescending(s => s.Cosine ?? -1).ThenBy(s => s.Key)
            .Take(k)
            .Select(s =>
            {
                var inBm25 = bm25Rank.TryGetValue(s.Key, out var b);
                int? rank = vectorRank.TryGetValue(s.Key, out var r) ? r : null;
                return new SearchHit(rows[s.Key].Document, s.Fused, inBm25 ? b.Rank : null, inBm25 ? b.Score : null, rank, s.Cosine);
            })
            .ToList();
    }

    private async Task<Dictionary<long, FetchedRow>> FetchAsync(CollectionState state, string owner, List<Ranked> bm25, List<Ranked> shortlist, bool vectorsForAll, CancellationToken ct)
    {
        var result = new Dictionary<long, FetchedRow>();
        if (bm25.Count == 0 && shortlist.Count == 0) return result;
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        // The owner is checked again here: the in-memory filter is not the only guard between users. Driving the
        // join from the key list keeps the plan to one index lookup per hit even before the table has statistics.
        await using var fetch = new NpgsqlCommand("""
            select d.key, d.id, d.text, d.agent, d.session, d.domain, d.kind, d.source, d.created_at, d.tags,
                   case when k.rescore and d.seq > (select vectors_from_seq from search.collections where id = $1) then d.vector end
            from unnest($3::bigint[], $4::boolean[]) as k(key, rescore)
            join search.documents d on d.key = k.key
            where d.collection_id = $1 and d.owner_id = $2::uuid and not d.deleted
            """, connection);
        var rescore = shortlist.Select(r => r.Key).ToHashSet();
        if (vectorsForAll) rescore.UnionWith(bm25.Select(r => r.Key));
        var keys = bm25.Select(r => r.Key).Concat(shortlist.Select(r => r.Key)).Distinct().ToArray();
        fetch.Parameters.Add(new() { Value = state.Id });
        fetch.Parameters.Add(new() { Value = owner });
        fetch.Parameters.Add(new() { Value = keys });
        fetch.Parameters.Add(new() { Value = keys.Select(rescore.Contains).ToArray() });
        await using var reader = await fetch.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var document = new SearchDocument(reader.GetString(1), owner, reader.GetString(2))
            {
                Agent = reader.IsDBNull(3) ? null : reader.GetString(3),
                Session = reader.IsDBNull(4) ? null : reader.GetString(4),
                Domain = reader.IsDBNull(5) ? null : reader.GetString(5),
                Kind = reader.IsDBNull(6) ? null : reader.GetString(6),
                Source = reader.IsDBNull(7) ? null : reader.GetString(7),
                CreatedAt = new DateTimeOffset(reader.GetDateTime(8), TimeSpan.Zero),
                Tags = reader.GetFieldValue<string[]>(9),
            };
            var vector = reader.IsDBNull(10) ? null : VectorBytes.Decode(reader.GetFieldValue<byte[]>(10));
            result[reader.GetInt64(0)] = new FetchedRow(document, vector is { Length: > 0 } && vector.Length == state.Dimensions ? vector : null);
        }
        return result;
    }

    /// <summary>
    /// Catches the in-memory index up with the database: one round trip reads the collection row and the changes
    /// since the last applied sequence. A query that arrives while another catch-up runs waits for it and, when that
    /// one started after the query arrived, uses its result instead of asking again.
    /// </summary>
    private async Task<MemoryCollection> SyncAsync(CollectionState state, CancellationToken ct)
    {
        var arrived = Stopwatch.GetTimestamp();
        await state.Sync.WaitAsync(ct);
        try
        {
            if (state.Index is { } fresh && state.LastSyncStarted > arrived) return fresh;
            state.LastSyncStarted = Stopwatch.GetTimestamp();
            for (var attempt = 0; ; attempt++)
            {
                var index = state.Index;
                await using var connection = await dataSource.OpenConnectionAsync(ct);
                await using var batch = new NpgsqlBatch(connection);
                batch.BatchCommands.Add(new NpgsqlBatchCommand(
                    """
                    select c.id, c.embedding_model, c.dimensions, c.generation, c.purged_seq, c.reembed_started_at is not null and c.reembed_finished_at is null,
                           exists (select 1 from search.documents d
                                    where d.collection_id = c.id and d.vector is null and not d.deleted
                                      and (d.embedding_text is null or d.embedding_text <> ''))
                    from search.collections c where c.name = $1
                    """)
                { Parameters = { new() { Value = state.Name } } });
                batch.BatchCommands.Add(new NpgsqlBatchCommand(ChangesSql)
                { Parameters = { new() { Value = state.Name }, new() { Value = index?.LastSeq ?? 0 }, new() { Value = PageSize } } });
                await using var reader = await batch.ExecuteReaderAsync(ct);
                if (!await reader.ReadAsync(ct))
                {
                    state.Index = null;
                    throw new SearchCollectionNotFoundException(state.Name);
                }
                var (id, model, dimensions, generation, purgedSeq) =
                    (reader.GetInt32(0), reader.GetString(1), reader.GetInt32(2), reader.GetInt32(3), reader.GetInt64(4));
                (state.Id, state.Model, state.Dimensions, state.Reembedding, state.VectorsPending) = (id, model, dimensions, reader.GetBoolean(5), reader.GetBoolean(6));
                if (index is null || index.Generation != generation || state.LoadedId != id || index.LastSeq < purgedSeq)
                {
                    await reader.DisposeAsync();
                    state.Index = await LoadAsync(state, id, dimensions, generation, ct);
                    state.Index.AdvanceTo(purgedSeq);
                    state.LoadedId = id;
                    return state.Index;
                }
                await reader.NextResultAsync(ct);
                var raw = await ReadChangesAsync(reader, ct);
                if (raw.Any(r => r.Generation != generation) && attempt < 3) continue; // a reindex committed in between
                var rows = Prepare(raw, dimensions);
                if (rows is null) { state.Index = null; continue; }
                index.Apply(rows);
                if (raw.Count < PageSize) return index;
            }
        }
        finally
        {
            state.Sync.Release();
        }
    }

    // The collection is looked up in sub-selects, not joined: with a join the planner cannot know which collection's
    // rows "seq > $2" selects, and for a collection whose last seen seq is low (an empty one, searched on every query)
    // it scanned the whole documents table (~200 ms per query at 100,000 rows). With collection_id = (sub-select) it
    // walks documents_changes in seq order and stops at the limit.
    private const string ChangesSql = """
        select (select generation from search.collections where name = $1), d.key, d.seq, d.deleted, d.owner_id::text, d.text,
               case when d.seq > (select vectors_from_seq from search.collections where name = $1) then d.vector end,
               d.agent, d.session, d.domain, d.kind, d.created_at, d.tags
        from search.documents d
        where d.collection_id = (select id from search.collections where name = $1) and d.seq > $2
        order by d.seq
        limit $3
        """;

    /// <summary>
    /// Reads the whole collection in one statement (one snapshot, one pass; paging would sort the table again for
    /// every page) and applies it in slices, analysing each slice on all cores.
    /// </summary>
    private async Task<MemoryCollection> LoadAsync(CollectionState state, int id, int dimensions, int generation, CancellationToken ct)
    {
        Interlocked.Increment(ref _fullLoads);
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            var index = new MemoryCollection(dimensions, generation);
            var reindexed = false;
            await using (var connection = await dataSource.OpenConnectionAsync(ct))
            await using (var load = new NpgsqlCommand(LoadSql, connection) { Parameters = { new() { Value = id } } })
            await using (var reader = await load.ExecuteReaderAsync(ct))
            {
                while (!reindexed)
                {
                    var raw = await ReadChangesAsync(reader, ct, PageSize);
                    if (raw.Count == 0) break;
                    var rows = raw.All(r => r.Generation == generation) ? Prepare(raw, dimensions) : null;
                    if (rows is null) reindexed = true;
                    else index.Apply(rows);
                    // Purged tombstones are part of what this snapshot reflects: without this a collection whose
                    // newest changes were purged deletes would look stale and reload on every query.
                    index.AdvanceTo(raw[^1].PurgedSeq);
                }
            }
            if (!reindexed)
            {
                index.TrimExcess();
                logger.LogInformation("Loaded search collection {Collection} into memory: {Count} documents in {Elapsed} ms",
                    state.Name, index.LiveCount, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                return index;
            }
            // Reindexed between reading the collection row and the documents: start again on the new generation.
            await using var again = await dataSource.OpenConnectionAsync(ct);
            var info = await ReadCollectionAsync(again, state.Name, ct) ?? throw new SearchCollectionNotFoundException(state.Name);
            (dimensions, generation, state.Dimensions, state.Model) = (info.Dimensions, info.Generation, info.Dimensions, info.EmbeddingModel);
        }
    }

    private const string LoadSql = """
        select c.generation, d.key, d.seq, d.deleted, d.owner_id::text, d.text, case when d.seq > c.vectors_from_seq then d.vector end,
               d.agent, d.session, d.domain, d.kind, d.created_at, d.tags, c.purged_seq
        from search.documents d
        join search.collections c on c.id = d.collection_id
        where d.collection_id = $1 and not d.deleted
        order by d.seq
        """;

    private static async Task<List<RawRow>> ReadChangesAsync(NpgsqlDataReader reader, CancellationToken ct, int max = int.MaxValue)
    {
        var rows = new List<RawRow>();
        while (rows.Count < max && await reader.ReadAsync(ct))
        {
            rows.Add(new RawRow(
                reader.GetInt32(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetBoolean(3), reader.GetString(4),
                reader.IsDBNull(5) ? null : reader.GetString(5),
                reader.IsDBNull(6) ? null : reader.GetFieldValue<byte[]>(6),
                reader.IsDBNull(7) ? null : reader.GetString(7),
                reader.IsDBNull(8) ? null : reader.GetString(8),
                reader.IsDBNull(9) ? null : reader.GetString(9),
                reader.IsDBNull(10) ? null : reader.GetString(10),
                reader.GetDateTime(11).Ticks,
                reader.GetFieldValue<string[]>(12),
                reader.FieldCount > 13 ? reader.GetInt64(13) : 0));
        }
        return rows;
    }

    /// <summary>Analyses texts and decodes vectors (in parallel for big pages); null when a vector has other dimensions.</summary>
    private static List<IndexedRow>? Prepare(List<RawRow> raw, int dimensions)
    {
        var rows = new IndexedRow[raw.Count];
        var mismatch = 0;
        void One(int i)
        {
            var r = raw[i];
            if (r.Deleted || r.Text is null)
            {
                rows[i] = new IndexedRow(r.Key, r.Seq, true, r.Owner);
                return;
            }
            var vector = r.Vector is null ? [] : VectorBytes.Decode(r.Vector);
            if (vector.Length != 0 && vector.Length != dimensions) Interlocked.Exchange(ref mismatch, 1);
            rows[i] = new IndexedRow(r.Key, r.Seq, false, r.Owner)
            {
                Agent = r.Agent, Session = r.Session, Domain = r.Domain, Kind = r.Kind,
                CreatedTicks = r.CreatedTicks, Tags = r.Tags,
                Terms = IndexedRow.CountTerms(r.Text, out var length), Length = length,
                Vector = vector,
            };
        }
        if (raw.Count >= 256) Parallel.For(0, raw.Count, One);
        else for (var i = 0; i < raw.Count; i++) One(i);
        return mismatch == 0 ? [.. rows] : null;
    }

    private async Task<int> TombstoneAsync(string collection, string where, object[] values, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var (collectionId, _) = await LockCollectionAsync(connection, tx, collection, ct);
        await using var delete = new NpgsqlCommand($"""
            update search.documents
               set deleted = true, text = null, vector = null, tags = array[]::text[], seq = nextval('search.change_seq'), updated_at = now()
             where collection_id = $1 and not deleted and {where}
            """, connection, tx);
        delete.Parameters.Add(new() { Value = collectionId });
        foreach (var value in values) delete.Parameters.Add(new() { Value = value });
        var count = await delete.ExecuteNonQueryAsync(ct);
        await tx.CommitAsync(ct);
        return count;
    }

    /// <summary>Locks the collection row so this transaction's change sequence values commit in order.</summary>
    private static async Task<(int Id, SearchCollection Info)> LockCollectionAsync(NpgsqlConnection connection, NpgsqlTransaction tx, string collection, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            "select id, embedding_model, dimensions, generation, vector_batch from search.collections where name = $1 for update", connection, tx);
        command.Parameters.Add(new() { Value = collection });
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) throw new SearchCollectionNotFoundException(collection);
        return (reader.GetInt32(0), new SearchCollection(collection, reader.GetString(1), reader.GetInt32(2), reader.GetInt32(3)) { VectorBatch = reader.GetInt32(4) });
    }

    private static async Task<SearchCollection?> ReadCollectionAsync(NpgsqlConnection connection, string collection, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            "select embedding_model, dimensions, generation, vector_batch from search.collections where name = $1", connection);
        command.Parameters.Add(new() { Value = collection });
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct)
            ? new SearchCollection(collection, reader.GetString(0), reader.GetInt32(1), reader.GetInt32(2)) { VectorBatch = reader.GetInt32(3) }
            : null;
    }

    internal static void ValidateDocument(SearchDocument document)
    {
        if (string.IsNullOrWhiteSpace(document.Id)) throw new ArgumentException("Every document needs an id.", nameof(document));
        if (string.IsNullOrWhiteSpace(document.Owner)) throw new ArgumentException($"Document '{document.Id}' needs an owner.", nameof(document));
        if (document.Text is null) throw new ArgumentException($"Document '{document.Id}' needs text.", nameof(document));
        if (document.Vector is { Length: > 0 } vector && !TensorPrimitives.IsFiniteAll(vector.Span))
            throw new ArgumentException($"Document '{document.Id}' has a vector with NaN or infinite values.", nameof(document));
        if (document.Tags.Any(string.IsNullOrEmpty)) throw new ArgumentException($"Document '{document.Id}' has an empty tag.", nameof(document));
    }

    private sealed class CollectionState(string name)
    {
        public string Name { get; } = name;
        public SemaphoreSlim Sync { get; } = new(1, 1);
        public MemoryCollection? Index { get; set; }
        public long LastSyncStarted { get; set; }
        public int Id { get; set; }
        public int LoadedId { get; set; }
        public string Model { get; set; } = "";
        public int Dimensions { get; set; }
        /// <summary>Being re-embedded with another model: searches answer by BM25 until it ends.</summary>
        public bool Reembedding { get; set; }
        /// <summary>Some live documents wait for their vector (imported text whose vectors follow): they rank by BM25 alone meanwhile.</summary>
        public bool VectorsPending { get; set; }
    }

    private sealed record RawRow(int Generation, long Key, long Seq, bool Deleted, string Owner, string? Text, byte[]? Vector,
        string? Agent, string? Session, string? Domain, string? Kind, long CreatedTicks, string[] Tags, long PurgedSeq);

    private sealed record FetchedRow(SearchDocument Document, float[]? Vector);
}

/// <summary>float32 vectors as little-endian bytes, the <c>bytea</c> layout of <c>search.documents.vector</c>.</summary>
internal static class VectorBytes
{
    public static byte[] Encode(ReadOnlySpan<float> vector)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("Vector storage assumes a little-endian host.");
        return MemoryMarshal.AsBytes(vector).ToArray();
    }

    public static float[] Decode(byte[] bytes) => MemoryMarshal.Cast<byte, float>(bytes).ToArray();
}
