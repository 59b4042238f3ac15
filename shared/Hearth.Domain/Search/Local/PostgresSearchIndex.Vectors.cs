using Hearth.Durable.Jobs;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Hearth.Search.Local;

/// <summary>What one vector job step did.</summary>
public enum VectorStepOutcome
{
    /// <summary>Embedded a batch and enqueued the next step.</summary>
    Continued,
    /// <summary>No row waits for a vector: the chain ends (a re-embedding is recorded as finished).</summary>
    Finished,
    /// <summary>The step was a duplicate or came late (another step of the chain ran instead): nothing done.</summary>
    Superseded,
    /// <summary>The collection is embedded with another model than this process's embedder: it must run elsewhere.</summary>
    OtherModel,
}

/// <summary>The result of <see cref="PostgresSearchIndex.EmbedVectorsAsync"/>.</summary>
public sealed record VectorStep(VectorStepOutcome Outcome, int Embedded);

/// <summary>
/// A collection's model and the state of its vectors. <see cref="Reembedding"/>: moving from <see cref="FromModel"/> to
/// <see cref="Model"/>, searches answer by BM25 until it ends; <see cref="Done"/> vectors written since it started,
/// <see cref="Pending"/> rows still waiting (the total is their sum), <see cref="Rate"/> vectors per second so far.
/// </summary>
public sealed record VectorStatus(
    string Collection, string Model, int Dimensions, int Generation, long Documents, bool Reembedding, string? FromModel,
    long Done, long Pending, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt, double? Rate, string? Error)
{
    public long Total => Done + Pending;
}

public sealed partial class PostgresSearchIndex
{
    /// <summary>
    /// Moves the collection to <paramref name="embeddingModel"/>: records the model and dimensions, marks every vector
    /// written so far as the earlier model's (never read again), and enqueues the vector job, all in one transaction.
    /// Searches answer by BM25 from then until the job has embedded every document. Returns false (and does nothing)
    /// when the collection already has that model, unless <paramref name="force"/> (then: unless it is being re-embedded
    /// with it already).
    /// </summary>
    public async Task<bool> StartReembedAsync(string collection, string embeddingModel, int dimensions, bool force, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(embeddingModel)) throw new ArgumentException("The embedding model id is required.", nameof(embeddingModel));
        if (dimensions is < 1 or > 16384) throw new ArgumentOutOfRangeException(nameof(dimensions), dimensions, "Dimensions must be between 1 and 16384.");
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var (collectionId, info) = await LockCollectionAsync(connection, tx, collection, ct);
        if (info.EmbeddingModel == embeddingModel && info.Dimensions == dimensions)
        {
            if (!force) return false;
            // Already on its way to this model: starting again would only throw away the progress.
            await using var running = new NpgsqlCommand(
                "select reembed_started_at is not null and reembed_finished_at is null from search.collections where id = $1", connection, tx);
            running.Parameters.Add(new() { Value = collectionId });
            if ((bool)(await running.ExecuteScalarAsync(ct))!) return false;
        }
        int batch;
        await using (var start = new NpgsqlCommand("""
            update search.collections
               set vectors_from_seq = nextval('search.change_seq'), embedding_model = $2, dimensions = $3, generation = generation + 1,
                   reembed_from_model = embedding_model, reembed_started_at = now(), reembed_finished_at = null, reembed_done = 0,
                   reembed_error = null, vector_batch = vector_batch + 1, updated_at = now()
             where id = $1
            returning vector_batch
            """, connection, tx))
        {
            start.Parameters.Add(new() { Value = collectionId });
            start.Parameters.Add(new() { Value = embeddingModel });
            start.Parameters.Add(new() { Value = dimensions });
            batch = (int)(await start.ExecuteScalarAsync(ct))!;
        }
        await EnqueueVectorJobAsync(collection, batch, tx, ct);
        await tx.CommitAsync(ct);
        logger.LogInformation("Re-embedding search collection {Collection}: {OldModel} ({OldDimensions}) to {Model} ({Dimensions}); searches answer by BM25 until it ends",
            collection, info.EmbeddingModel, info.Dimensions, embeddingModel, dimensions);
        return true;
    }

    /// <summary>
    /// One step of the vector job: embeds up to <paramref name="batchSize"/> rows that wait for a vector (re-embedding
    /// first, then rows stored without one) and, in one transaction guarded by the chain's batch number, writes their
    /// vectors, counts them and enqueues the next step. A duplicate or late step (a rescued job that had committed) finds
    /// another batch number and does nothing, so a crash at any point resumes without embedding a row twice into the
    /// count. A row changed meanwhile by a writer keeps the writer's version.
    /// </summary>
    public async Task<VectorStep> EmbedVectorsAsync(string collection, int batch, string embeddingModel, EmbedBatch embed, int batchSize, CancellationToken ct)
    {
        int collectionId;
        long fromSeq;
        await using (var connection = await dataSource.OpenConnectionAsync(ct))
        {
            await using var read = new NpgsqlCommand("select id, embedding_model, vector_batch, vectors_from_seq from search.collections where name = $1", connection);
            read.Parameters.Add(new() { Value = collection });
            await using var reader = await read.ExecuteReaderAsync(ct);
            if (!await reader.ReadAsync(ct)) throw new SearchCollectionNotFoundException(collection);
            if (reader.GetInt32(2) != batch) return new VectorStep(VectorStepOutcome.Superseded, 0);
            if (reader.GetString(1) != embeddingModel) return new VectorStep(VectorStepOutcome.OtherModel, 0);
            (collectionId, fromSeq) = (reader.GetInt32(0), reader.GetInt64(3));
        }

        var work = await ReadWaitingAsync(collectionId, fromSeq, batchSize, ct);
        var (vectors, refused) = await EmbedWorkAsync(collection, work, embed, ct);
        var skipped = refused.Values.ToList();
        if (refused.Count > 0)
        {
            work = work.Where((_, i) => !refused.ContainsKey(i)).ToList();
            vectors = vectors.Where((_, i) => !refused.ContainsKey(i)).ToList();
        }

        await using (var connection = await dataSource.OpenConnectionAsync(ct))
        {
            await using var tx = await connection.BeginTransactionAsync(ct);
            var (_, info) = await LockCollectionAsync(connection, tx, collection, ct);
            if (info.VectorBatch != batch) return new VectorStep(VectorStepOutcome.Superseded, 0);
            if (info.EmbeddingModel != embeddingModel) return new VectorStep(VectorStepOutcome.OtherModel, 0);
            foreach (var v in vectors)
                if (v.Length != info.Dimensions)
                    throw new EmbeddingMismatchException(collection, info.EmbeddingModel, info.Dimensions, embeddingModel, v.Length);

            var written = 0;
            if (work.Count > 0)
            {
                // Only rows unchanged since they were read (same seq): a writer's newer text keeps its own vector or waits.
                await using var update = new NpgsqlCommand("""
                    update search.documents d set vector = u.vector, seq = nextval('search.change_seq'), updated_at = now()
                    from unnest($2::bigint[], $3::bigint[], $4::bytea[]) as u(key, seq, vector)
                    where d.collection_id = $1 and d.key = u.key and d.seq = u.seq and not d.deleted
                    """, connection, tx);
                update.Parameters.Add(new() { Value = collectionId });
                update.Parameters.Add(new() { Value = work.Select(w => w.Key).ToArray() });
                update.Parameters.Add(new() { Value = work.Select(w => w.Seq).ToArray() });
                update.Parameters.Add(new() { Value = vectors.Select(v => VectorBytes.Encode(v.Span)).ToArray() });
                written = await update.ExecuteNonQueryAsync(ct);
            }
            if (skipped.Count > 0)
            {
                // Texts the embedder refuses on their own stay out of vector search (BM25 still finds them): waiting for
                // them would hold back every vector behind them.
                await using var skip = new NpgsqlCommand("""
                    update search.documents d set embedding_text = '', seq = nextval('search.change_seq'), updated_at = now()
                    from unnest($2::bigint[], $3::bigint[]) as u(key, seq)
                    where d.collection_id = $1 and d.key = u.key and d.seq = u.seq and not d.deleted
                    """, connection, tx);
                skip.Parameters.Add(new() { Value = collectionId });
                skip.Parameters.Add(new() { Value = skipped.Select(r => r.Key).ToArray() });
                skip.Parameters.Add(new() { Value = skipped.Select(r => r.Seq).ToArray() });
                await skip.ExecuteNonQueryAsync(ct);
            }
            // Nothing read: check again under the lock writers take, so a row committed since is not left behind.
            var more = work.Count > 0 || skipped.Count > 0 || (await ReadWaitingAsync(collectionId, fromSeq, 1, ct, connection, tx)).Count > 0;
            await using (var record = new NpgsqlCommand("""
                update search.collections
                   set vector_batch = vector_batch + 1, reembed_done = reembed_done + $2,
                       reembed_error = case when $4 is not null then $4
                                            when $2 > 0 and position($5 in coalesce(reembed_error, '')) = 0 then null
                                            else reembed_error end,
                       reembed_finished_at = case when $3 or reembed_started_at is null then reembed_finished_at else coalesce(reembed_finished_at, now()) end
                 where id = $1
                """, connection, tx))
            {
                record.Parameters.Add(new() { Value = collectionId });
                record.Parameters.Add(new() { Value = (long)written });
                record.Parameters.Add(new() { Value = more });
                record.Parameters.Add(new()
                {
                    Value = skipped.Count == 0 ? DBNull.Value
                        : $"{skipped.Count} {RefusedNote} (found by keywords): {skipped[0].Error}",
                    NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text,
                });
                // A step that embeds clears an earlier step's failure, not the note about refused documents (they stay out).
                record.Parameters.Add(new() { Value = RefusedNote });
                await record.ExecuteNonQueryAsync(ct);
            }
            if (more) await EnqueueVectorJobAsync(collection, batch + 1, tx, ct);
            await tx.CommitAsync(ct);
            if (!more && fromSeq > 0)
                logger.LogInformation("Search collection {Collection}: every document has a vector of {Model}", collection, embeddingModel);
            return new VectorStep(more ? VectorStepOutcome.Continued : VectorStepOutcome.Finished, written);
        }
    }

    private const string RefusedNote = "document(s) the embedder refused stay out of vector search";

    /// <summary>
    /// Embeds the step's texts in one call; when that call fails, each text alone, so one text the embedder refuses does
    /// not hold back the others (returned in <c>Refused</c> by position). When every text fails the fault is the
    /// embedder's, not the texts': the error is thrown and the step retried.
    /// </summary>
    private async Task<(IReadOnlyList<ReadOnlyMemory<float>> Vectors, Dictionary<int, (long Key, long Seq, string Error)> Refused)> EmbedWorkAsync(
        string collection, List<WaitingRow> work, EmbedBatch embed, CancellationToken ct)
    {
        var refused = new Dictionary<int, (long Key, long Seq, string Error)>();
        if (work.Count == 0) return ([], refused);
        IReadOnlyList<ReadOnlyMemory<float>> vectors;
        try
        {
            vectors = await embed(work.Select(w => w.Text).ToList(), ct);
        }
        catch (Exception e) when (e is not (OperationCanceledException or EmbeddingMismatchException) && work.Count > 1)
        {
            logger.LogWarning(e, "Search collection {Collection}: embedding {Count} documents failed; embedding them one by one", collection, work.Count);
            var one = new ReadOnlyMemory<float>[work.Count];
            Exception? last = null;
            for (var i = 0; i < work.Count; i++)
            {
                try
                {
                    one[i] = (await embed([work[i].Text], ct))[0];
                }
                catch (Exception alone) when (alone is not (OperationCanceledException or EmbeddingMismatchException))
                {
                    last = alone;
                    refused[i] = (work[i].Key, work[i].Seq, alone.Message);
                }
            }
            if (refused.Count == work.Count) throw last ?? e;
            vectors = one;
        }
        if (vectors.Count != work.Count)
            throw new InvalidOperationException($"The embedder returned {vectors.Count} vectors for {work.Count} texts.");
        return (vectors, refused);
    }

    /// <summary>Records why the vector job failed (shown in the status until a step succeeds).</summary>
    public async Task RecordVectorErrorAsync(string collection, string error, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("update search.collections set reembed_error = $2 where name = $1");
        command.Parameters.Add(new() { Value = collection });
        command.Parameters.Add(new() { Value = error.Length <= 1000 ? error : error[..1000] });
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>The collections being re-embedded (their searches answer by BM25), by name.</summary>
    public async Task<IReadOnlyList<string>> ListReembeddingAsync(CancellationToken ct)
    {
        var names = new List<string>();
        await using var command = dataSource.CreateCommand(
            "select name from search.collections where reembed_started_at is not null and reembed_finished_at is null order by name");
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) names.Add(reader.GetString(0));
        return names;
    }

    /// <summary>Every collection's model and vector state, by name.</summary>
    public async Task<IReadOnlyList<VectorStatus>> ListVectorStatusAsync(CancellationToken ct)
    {
        var names = new List<string>();
        await using (var command = dataSource.CreateCommand("select name from search.collections order by name"))
        await using (var reader = await command.ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct)) names.Add(reader.GetString(0));
        var list = new List<VectorStatus>(names.Count);
        foreach (var name in names)
            if (await GetVectorStatusAsync(name, ct) is { } status) list.Add(status);
        return list;
    }

    /// <summary>The collection's model and vector state; null when it does not exist.</summary>
    public async Task<VectorStatus?> GetVectorStatusAsync(string collection, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("""
            select c.embedding_model, c.dimensions, c.generation, c.reembed_started_at is not null and c.reembed_finished_at is null,
                   c.reembed_from_model, c.reembed_done, c.reembed_started_at, c.reembed_finished_at, c.reembed_error, now(),
                   (select count(*) from search.documents d where d.collection_id = c.id and not d.deleted),
                   (select count(*) from search.documents d
                     where d.collection_id = c.id and d.seq <= c.vectors_from_seq and not d.deleted
                       and (d.embedding_text is null or d.embedding_text <> ''))
                   + (select count(*) from search.documents d
                     where d.collection_id = c.id and d.vector is null and not d.deleted and d.seq > c.vectors_from_seq
                       and (d.embedding_text is null or d.embedding_text <> ''))
            from search.collections c where c.name = $1
            """);
        command.Parameters.Add(new() { Value = collection });
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) return null;
        var done = reader.GetInt64(5);
        DateTimeOffset? started = reader.IsDBNull(6) ? null : reader.GetFieldValue<DateTimeOffset>(6);
        DateTimeOffset? finished = reader.IsDBNull(7) ? null : reader.GetFieldValue<DateTimeOffset>(7);
        var until = finished ?? reader.GetFieldValue<DateTimeOffset>(9);
        double? rate = started is { } s && until > s && done > 0 ? Math.Round(done / (until - s).TotalSeconds, 1) : null;
        return new VectorStatus(collection, reader.GetString(0), reader.GetInt32(1), reader.GetInt32(2), reader.GetInt64(10), reader.GetBoolean(3),
            reader.IsDBNull(4) ? null : reader.GetString(4), done, reader.GetInt64(11), started, finished, rate,
            reader.IsDBNull(8) ? null : reader.GetString(8));
    }

    /// <summary>Whether the collection's vector job step <paramref name="batch"/> went dead (its retries ran out).</summary>
    public async Task<bool> IsVectorJobDeadAsync(string collection, int batch, CancellationToken ct)
    {
        if (jobs is null) return false;
        var dead = await jobs.ListAsync(new JobQuery(JobState.Dead, VectorJobs.Queue, Limit: 100), ct);
        return dead.Items.Any(j => j.UniqueKey == $"{collection}:{batch}");
    }

    /// <summary>Enqueues the collection's vector job at its current step (after it died, or was stopped with rows waiting).</summary>
    public async Task ResumeVectorJobAsync(string collection, CancellationToken ct)
    {
        if (jobs is null) return;
        var info = await GetCollectionAsync(collection, ct) ?? throw new SearchCollectionNotFoundException(collection);
        await jobs.EnqueueAsync(VectorJobs.Queue, new EmbedVectorsMessage(collection, info.VectorBatch),
            new EnqueueOptions { UniqueKey = $"{collection}:{info.VectorBatch}" }, null, ct);
    }

    /// <summary>Enqueues the collection's vector job step <paramref name="batch"/> (a no-op when that step is already queued).</summary>
    private async Task EnqueueVectorJobAsync(string collection, int batch, NpgsqlTransaction tx, CancellationToken ct)
    {
        if (jobs is null) return;
        await jobs.EnqueueAsync(VectorJobs.Queue, new EmbedVectorsMessage(collection, batch),
            new EnqueueOptions { UniqueKey = $"{collection}:{batch}" }, tx, ct);
    }

    private sealed record WaitingRow(long Key, long Seq, string Text);

    /// <summary>Rows waiting for a vector: those of an earlier model first (in change order), then those stored without one.</summary>
    private async Task<List<WaitingRow>> ReadWaitingAsync(int collectionId, long fromSeq, int limit, CancellationToken ct,
        NpgsqlConnection? connection = null, NpgsqlTransaction? tx = null)
    {
        const string sql = """
            (select key, seq, coalesce(embedding_text, text) from search.documents
              where collection_id = $1 and seq <= $2 and not deleted and (embedding_text is null or embedding_text <> '')
              order by seq limit $3)
            union all
            (select key, seq, coalesce(embedding_text, text) from search.documents
              where collection_id = $1 and vector is null and not deleted and (embedding_text is null or embedding_text <> '') and seq > $2
              order by key limit $3)
            limit $3
            """;
        var owned = connection is null ? await dataSource.OpenConnectionAsync(ct) : null;
        try
        {
            await using var command = new NpgsqlCommand(sql, connection ?? owned, tx);
            command.Parameters.Add(new() { Value = collectionId });
            command.Parameters.Add(new() { Value = fromSeq });
            command.Parameters.Add(new() { Value = limit });
            var rows = new List<WaitingRow>();
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct)) rows.Add(new WaitingRow(reader.GetInt64(0), reader.GetInt64(1), reader.GetString(2)));
            return rows;
        }
        finally
        {
            if (owned is not null) await owned.DisposeAsync();
        }
    }
}
