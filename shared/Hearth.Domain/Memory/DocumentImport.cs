using System.Globalization;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Hearth.Search;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;

namespace Hearth.Memory;

/// <summary>One document of an import, with the line (or file number) it came from.</summary>
public sealed record ImportDocument(int Line, string Id, string? Title, string Text, string? Source, DateTimeOffset? CreatedAt, string? Domain);

/// <summary>Why part of an import cannot be taken; <paramref name="Where"/> is e.g. <c>line 3</c> or <c>file 'notes.pdf'</c>.</summary>
public sealed record ImportProblem(string Where, string Error);

/// <summary>Documents that could not be indexed, and why: one document (its id and line), or a run of documents when their batch gave up.</summary>
public sealed record ImportFailure(string? DocumentId, int? Line, string Error, int Documents = 1);

/// <summary>An imported document as the index holds it.</summary>
public sealed record StoredDocument(string Id, string? Title, string? Source, string Domain, int Chunks, string ImportId, DateTimeOffset CreatedAt, DateTimeOffset IndexedAt);

/// <summary>What one batch of an import indexed.</summary>
public sealed record ImportBatchResult(int Documents, int Chunks, IReadOnlyList<ImportFailure> Failures);

/// <summary>
/// Reading import input. JSON lines: one object per line, <c>{ "id"?, "title"?, "text", "source"?, "createdAt"?, "domain"? }</c>;
/// blank lines are skipped, unknown fields ignored. Without an id a document is known by the SHA-256 of its text, so
/// importing the same text again replaces it instead of adding it twice.
/// </summary>
public static class ImportInput
{
    public const int MaxTextLength = 5_000_000;

    /// <summary>Documents or problems, line by line.</summary>
    public static async IAsyncEnumerable<(ImportDocument? Document, ImportProblem? Problem)> ReadJsonLinesAsync(
        Stream stream, [EnumeratorCancellation] CancellationToken ct)
    {
        using var reader = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16);
        var line = 0;
        while (await reader.ReadLineAsync(ct) is { } text)
        {
            line++;
            if (string.IsNullOrWhiteSpace(text)) continue;
            yield return ParseLine(text, line);
        }
    }

    /// <summary>One JSON line as a document, or the problem with it.</summary>
    public static (ImportDocument? Document, ImportProblem? Problem) ParseLine(string json, int line)
    {
        JsonDocument parsed;
        try
        {
            parsed = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            return (null, new ImportProblem($"line {line}", $"not valid JSON ({e.Message.Split(" Path:", 2)[0].TrimEnd('.')})."));
        }
        using (parsed)
        {
            var root = parsed.RootElement;
            if (root.ValueKind != JsonValueKind.Object) return (null, new ImportProblem($"line {line}", "each line must be a JSON object."));
            if (!root.TryGetProperty("text", out var textElement) || textElement.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(textElement.GetString()))
                return (null, new ImportProblem($"line {line}", "text is required (a non-empty string)."));
            var text = textElement.GetString()!;
            if (text.Length > MaxTextLength) return (null, new ImportProblem($"line {line}", $"text is longer than {MaxTextLength:N0} characters."));

            string? id = null;
            if (root.TryGetProperty("id", out var idElement) && idElement.ValueKind != JsonValueKind.Null)
            {
                id = idElement.ValueKind switch
                {
                    JsonValueKind.String => idElement.GetString(),
                    JsonValueKind.Number => idElement.GetRawText(),
                    _ => null,
                };
                if (id is null) return (null, new ImportProblem($"line {line}", "id must be a string or a number."));
                if (id.Length is 0 or > 200 || id.Any(char.IsControl)) return (null, new ImportProblem($"line {line}", "id must be 1-200 characters without control characters."));
            }
            if (!OptionalString(root, "title", 500, line, out var title, out var problem)) return (null, problem);
            if (!OptionalString(root, "source", 2000, line, out var source, out problem)) return (null, problem);
            if (!OptionalString(root, "domain", 60, line, out var domain, out problem)) return (null, problem);
            if (domain is not null && !IsDomainName(domain))
                return (null, new ImportProblem($"line {line}", "domain must be lower-case letters, digits and dashes."));
            DateTimeOffset? createdAt = null;
            if (!OptionalString(root, "createdAt", 100, line, out var created, out problem)) return (null, problem);
            if (created is not null)
            {
                if (!DateTimeOffset.TryParse(created, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
                    return (null, new ImportProblem($"line {line}", "createdAt must be an ISO 8601 date and time."));
                createdAt = at.ToUniversalTime();
            }
            return (new ImportDocument(line, id ?? ContentId(text), title, text, source, createdAt, domain), null);
        }
    }

    /// <summary>A file as a document: its name is its id, title and source.</summary>
    public static ImportDocument FromFile(int number, string fileName, string text, DateTimeOffset? createdAt) =>
        new(number, "file:" + fileName, fileName, text, fileName, createdAt, null);

    /// <summary>The id of a document imported without one.</summary>
    public static string ContentId(string text) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..32];

    private static bool IsDomainName(string value) =>
        value.Length > 0 && value.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-');

    private static bool OptionalString(JsonElement root, string name, int max, int line, out string? value, out ImportProblem? problem)
    {
        value = null;
        problem = null;
        if (!root.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null) return true;
        if (element.ValueKind != JsonValueKind.String)
        {
            problem = new ImportProblem($"line {line}", $"{name} must be a string.");
            return false;
        }
        value = element.GetString()!.Trim();
        if (value.Length > max)
        {
            problem = new ImportProblem($"line {line}", $"{name} is longer than {max} characters.");
            return false;
        }
        if (value.Length == 0) value = null;
        return true;
    }
}

/// <summary>
/// The import's database side: staging documents (binary COPY, inside the transaction that starts the orchestration),
/// reading a batch, indexing it (<see cref="IndexBatchAsync"/>) and removing the staging rows when the import ends.
/// </summary>
public sealed class DocumentImports(NpgsqlDataSource db, SearchService search, DomainRouter router, MemoryOptions options, TimeProvider time, ILogger<DocumentImports> logger)
{
    public const string Kind = "document";

    /// <summary>
    /// Stages the documents of an import inside <paramref name="tx"/>. Stops at <paramref name="maxProblems"/> problems;
    /// when there are any, nothing must be committed (the caller rolls back). Ids repeated within one import are a problem.
    /// </summary>
    public async Task<(int Documents, IReadOnlyList<ImportProblem> Problems)> StageAsync(
        NpgsqlTransaction tx, string importId, IAsyncEnumerable<(ImportDocument? Document, ImportProblem? Problem)> input, int maxProblems, CancellationToken ct)
    {
        var problems = new List<ImportProblem>();
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        var count = 0;
        await using (var copy = await tx.Connection!.BeginBinaryImportAsync(
            "copy memory.import_documents (import_id, seq, line, doc_id, title, text, source, domain, created_at) from stdin (format binary)", ct))
        {
            await foreach (var (document, problem) in input.WithCancellation(ct))
            {
                if (problem is not null) problems.Add(problem);
                else if (document is not null && seen.TryGetValue(document.Id, out var first))
                    problems.Add(new ImportProblem($"line {document.Line}", $"id '{document.Id}' repeats the document of line {first}."));
                else if (document is not null && problems.Count == 0)
                {
                    seen[document.Id] = document.Line;
                    await copy.StartRowAsync(ct);
                    await copy.WriteAsync(importId, NpgsqlDbType.Text, ct);
                    await copy.WriteAsync(count++, NpgsqlDbType.Integer, ct);
                    await copy.WriteAsync(document.Line, NpgsqlDbType.Integer, ct);
                    await copy.WriteAsync(document.Id, NpgsqlDbType.Text, ct);
                    await WriteNullableAsync(copy, document.Title, ct);
                    await copy.WriteAsync(document.Text, NpgsqlDbType.Text, ct);
                    await WriteNullableAsync(copy, document.Source, ct);
                    await WriteNullableAsync(copy, document.Domain, ct);
                    if (document.CreatedAt is { } at) await copy.WriteAsync(at.UtcDateTime, NpgsqlDbType.TimestampTz, ct);
                    else await copy.WriteNullAsync(ct);
                }
                else if (document is not null) seen[document.Id] = document.Line;
                if (problems.Count >= maxProblems) break;
            }
            if (problems.Count == 0) await copy.CompleteAsync(ct);
        }
        return (count, problems);
    }

    /// <summary>Staged documents <paramref name="first"/> .. first + count - 1 of an import.</summary>
    public async Task<IReadOnlyList<ImportDocument>> ReadBatchAsync(string importId, int first, int count, CancellationToken ct)
    {
        await using var command = db.CreateCommand("""
            select line, doc_id, title, text, source, created_at, domain from memory.import_documents
             where import_id = @import and seq >= @first and seq < @end order by seq
            """);
        command.Parameters.AddWithValue("import", importId);
        command.Parameters.AddWithValue("first", first);
        command.Parameters.AddWithValue("end", first + count);
        var documents = new List<ImportDocument>(count);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            documents.Add(new ImportDocument(reader.GetInt32(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetFieldValue<DateTimeOffset>(5),
                reader.IsDBNull(6) ? null : reader.GetString(6)));
        }
        return documents;
    }

    /// <summary>
    /// Chunks and indexes one batch (searchable by keywords when it commits; the collection's vector job embeds the chunks
    /// after, <see cref="SearchService.IndexKeywordsFirstAsync"/>), then records each document's chunk count (removing chunks a shorter new
    /// version no longer has). When the batch as a whole fails, each document is tried alone so one bad document does
    /// not fail the others; if every one fails the error is thrown (the activity is retried).
    /// </summary>
    public async Task<ImportBatchResult> IndexBatchAsync(string ownerId, string importId, IReadOnlyList<ImportDocument> documents, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var prepared = documents.Select(d => Prepare(ownerId, importId, d, now)).ToList();
        var indexed = new List<(ImportDocument Document, string Domain, int Chunks)>();
        var failures = new List<ImportFailure>();
        try
        {
            await search.IndexKeywordsFirstAsync(options.DocumentsCollection, prepared.SelectMany(p => p.Chunks).ToList(), ct);
            indexed.AddRange(prepared.Select(p => (p.Document, p.Domain, p.Chunks.Count)));
        }
        catch (Exception e) when (e is not (OperationCanceledException or EmbeddingMismatchException) && documents.Count > 1)
        {
            logger.LogWarning(e, "Import {ImportId}: a batch of {Count} documents failed; indexing them one by one", importId, documents.Count);
            Exception? last = null;
            foreach (var p in prepared)
            {
                try
                {
                    await search.IndexKeywordsFirstAsync(options.DocumentsCollection, p.Chunks, ct);
                    indexed.Add((p.Document, p.Domain, p.Chunks.Count));
                }
                catch (Exception one) when (one is not (OperationCanceledException or EmbeddingMismatchException))
                {
                    last = one;
                    failures.Add(new ImportFailure(p.Document.Id, p.Document.Line, one.Message));
                }
            }
            if (indexed.Count == 0) throw last ?? e;
        }
        await RecordAsync(ownerId, importId, indexed, now, ct);
        return new ImportBatchResult(indexed.Count, indexed.Sum(i => i.Chunks), failures);
    }

    /// <summary>A page of the owner's imported documents, by id.</summary>
    public async Task<(IReadOnlyList<StoredDocument> Documents, string? NextCursor)> ListAsync(string ownerId, string? after, int limit, CancellationToken ct)
    {
        await using var command = db.CreateCommand("""
            select id, title, source, domain, chunks, import_id, created_at, indexed_at from memory.documents
             where owner_id = @owner::uuid and (@after::text is null or id > @after) order by id limit @limit
            """);
        command.Parameters.AddWithValue("owner", ownerId);
        command.Parameters.Add(new NpgsqlParameter("after", NpgsqlDbType.Text) { Value = (object?)after ?? DBNull.Value });
        command.Parameters.AddWithValue("limit", limit + 1);
        var documents = new List<StoredDocument>();
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
                documents.Add(new StoredDocument(reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2),
                    reader.GetString(3), reader.GetInt32(4), reader.GetString(5), reader.GetFieldValue<DateTimeOffset>(6), reader.GetFieldValue<DateTimeOffset>(7)));
        }
        if (documents.Count <= limit) return (documents, null);
        documents.RemoveAt(documents.Count - 1);
        return (documents, documents[^1].Id);
    }

    /// <summary>Removes a document and its chunks from the index; false when the owner has no such document.</summary>
    public async Task<bool> DeleteAsync(string ownerId, string id, CancellationToken ct)
    {
        await using var command = db.CreateCommand("delete from memory.documents where owner_id = @owner::uuid and id = @id returning chunks");
        command.Parameters.AddWithValue("owner", ownerId);
        command.Parameters.AddWithValue("id", id);
        if (await command.ExecuteScalarAsync(ct) is not int chunks) return false;
        await search.DeleteAsync(options.DocumentsCollection, ownerId, Enumerable.Range(0, chunks).Select(n => ChunkId(id, n)).ToList(), ct);
        return true;
    }

    /// <summary>
    /// Removes an import's staging rows, and refreshes the planner's statistics of the tables a bulk import changed
    /// (autovacuum gets there within a minute or so; queries right after a large import should not wait for it).
    /// </summary>
    public async Task<int> DeleteStagingAsync(string importId, CancellationToken ct)
    {
        await using var command = db.CreateCommand("delete from memory.import_documents where import_id = @import");
        command.Parameters.AddWithValue("import", importId);
        var deleted = await command.ExecuteNonQueryAsync(ct);
        await using var analyze = db.CreateCommand("analyze search.documents; analyze memory.documents");
        await analyze.ExecuteNonQueryAsync(ct);
        return deleted;
    }

    private (ImportDocument Document, string Domain, List<SearchDocument> Chunks) Prepare(string ownerId, string importId, ImportDocument document, DateTimeOffset now)
    {
        // Without configured domains every document is general: no need to analyse its text for keywords.
        var domain = document.Domain ?? (options.Domains.Count == 0 ? router.Fallback.Name
            : router.Tag((document.Title + " " + (document.Text.Length > 4000 ? document.Text[..4000] : document.Text)).Trim()).Name);
        var chunks = TextChunker.Chunk(document.Text);
        var list = new List<SearchDocument>(chunks.Count);
        for (var n = 0; n < chunks.Count; n++)
        {
            list.Add(new SearchDocument(ChunkId(document.Id, n), ownerId, document.Title is null ? chunks[n] : document.Title + "\n" + chunks[n])
            {
                Domain = domain, Kind = Kind, Source = document.Source ?? document.Title ?? document.Id, CreatedAt = document.CreatedAt ?? now,
                Tags = ["doc=" + document.Id, "import=" + importId],
            });
        }
        return (document, domain, list);
    }

    public static string ChunkId(string documentId, int chunk) => $"{documentId}#{chunk}";

    private async Task RecordAsync(string ownerId, string importId, List<(ImportDocument Document, string Domain, int Chunks)> indexed, DateTimeOffset now, CancellationToken ct)
    {
        if (indexed.Count == 0) return;
        await using var connection = await db.OpenConnectionAsync(ct);
        var previous = new Dictionary<string, int>(StringComparer.Ordinal);
        await using (var read = new NpgsqlCommand("select id, chunks from memory.documents where owner_id = @owner::uuid and id = any(@ids)", connection))
        {
            read.Parameters.AddWithValue("owner", ownerId);
            read.Parameters.Add(new NpgsqlParameter("ids", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = indexed.Select(i => i.Document.Id).ToArray() });
            await using var reader = await read.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct)) previous[reader.GetString(0)] = reader.GetInt32(1);
        }
        var surplus = indexed.Where(i => previous.GetValueOrDefault(i.Document.Id) > i.Chunks)
            .SelectMany(i => Enumerable.Range(i.Chunks, previous[i.Document.Id] - i.Chunks).Select(n => ChunkId(i.Document.Id, n)))
            .ToList();
        if (surplus.Count > 0) await search.DeleteAsync(options.DocumentsCollection, ownerId, surplus, ct);

        await using var upsert = new NpgsqlCommand("""
            insert into memory.documents (owner_id, id, title, source, domain, chunks, import_id, created_at, indexed_at)
            select @owner::uuid, * , @now from unnest(@ids, @titles, @sources, @domains, @chunks, @imports, @created)
            on conflict (owner_id, id) do update
               set title = excluded.title, source = excluded.source, domain = excluded.domain, chunks = excluded.chunks,
                   import_id = excluded.import_id, created_at = excluded.created_at, indexed_at = excluded.indexed_at
            """, connection);
        upsert.Parameters.AddWithValue("owner", ownerId);
        upsert.Parameters.AddWithValue("now", now);
        upsert.Parameters.Add(new NpgsqlParameter("ids", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = indexed.Select(i => i.Document.Id).ToArray() });
        upsert.Parameters.Add(new NpgsqlParameter("titles", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = indexed.Select(i => i.Document.Title).ToArray() });
        upsert.Parameters.Add(new NpgsqlParameter("sources", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = indexed.Select(i => i.Document.Source).ToArray() });
        upsert.Parameters.Add(new NpgsqlParameter("domains", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = indexed.Select(i => i.Domain).ToArray() });
        upsert.Parameters.Add(new NpgsqlParameter("chunks", NpgsqlDbType.Array | NpgsqlDbType.Integer) { Value = indexed.Select(i => i.Chunks).ToArray() });
        upsert.Parameters.Add(new NpgsqlParameter("imports", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = indexed.Select(_ => importId).ToArray() });
        upsert.Parameters.Add(new NpgsqlParameter("created", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz)
        {
            Value = indexed.Select(i => (i.Document.CreatedAt ?? now).UtcDateTime).ToArray(),
        });
        await upsert.ExecuteNonQueryAsync(ct);
    }

    private static async Task WriteNullableAsync(NpgsqlBinaryImporter copy, string? value, CancellationToken ct)
    {
        if (value is null) await copy.WriteNullAsync(ct);
        else await copy.WriteAsync(value, NpgsqlDbType.Text, ct);
    }
}
