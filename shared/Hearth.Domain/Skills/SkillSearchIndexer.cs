using System.Text;
using Hearth.Search;
using Npgsql;

namespace Hearth.Skills;

/// <summary>One ranked section (as it was when last indexed): the scores as the engine reports them (see <see cref="SearchHit"/>) and a snippet.</summary>
public sealed record SkillSearchResult(
    string SectionId,
    string FileId,
    string Path,
    string FileType,
    int Version,
    string Key,
    string Title,
    string Kind,
    int StartLine,
    int EndLine,
    double Score,
    int? Bm25Rank,
    double? Bm25Score,
    int? VectorRank,
    double? VectorScore,
    string Snippet);

/// <summary>
/// Ranked sections and the ranking that answered: <see cref="Mode"/> is <see cref="SearchMode.Bm25"/> when a vector or
/// hybrid search could not use vectors, and <see cref="VectorFallback"/> says why (see <see cref="SearchResults"/>).
/// </summary>
public sealed record SkillSearchResults(IReadOnlyList<SkillSearchResult> Items, SearchMode Mode, string? VectorFallback, bool VectorsPending = false);

/// <summary>A file that could not be indexed, and why (it stays stored; it is not searchable until indexed).</summary>
public sealed record SkillIndexFailure(string FileId, string Error);

/// <summary>What <see cref="SkillSearchIndexer.IndexFilesAsync"/> did: documents written, and the files it could not index.</summary>
public sealed record SkillIndexOutcome(int Written, IReadOnlyList<SkillIndexFailure> Failures);

/// <summary>
/// Keeps the search collection <c>skills</c> in step with the library and searches it. A document per section of each
/// file's current version: id = section id, owner = the file's owner, text = title and the section's own bytes, kind =
/// the file type, source = the path, tags <c>file=&lt;file id&gt;</c> (filtered on) and the section's version, key,
/// title, kind and lines (shown in results, so a search costs no query of the library). Indexing reads the current
/// version and is idempotent, so running it twice (a retried job, the inline call and the queued one) does no harm.
/// Text is indexed as text: U+0000 (which PostgreSQL refuses) is dropped, UTF-16 files are decoded, and binary files
/// have no documents at all. Each file is indexed on its own when a batch fails, so one file can never keep another
/// out of search; <c>skills.files.indexed_version</c> records the version the index holds (a file is searchable when
/// it equals the file's version) and <c>index_error</c> why the last attempt failed.
/// A result describes the section as last indexed; indexing follows every change (in the same request for single
/// files, within the run for bulk ingests), and sections that disappear are removed from the index.
/// </summary>
public sealed class SkillSearchIndexer(NpgsqlDataSource db, SearchService search)
{
    public const string Collection = "skills";
    private const int MaxRounds = 5;

    /// <summary>
    /// Indexes the current sections of these files and removes documents of sections that no longer exist. When the
    /// files cannot be indexed together, each is indexed alone and the ones that still fail are returned with the
    /// reason (also kept on the file). A version committed while indexing is picked up by re-checking afterwards.
    /// Throws only when nothing could be indexed for a reason that is not the files' own (the database or the
    /// embedder is down, the index's model does not match).
    /// </summary>
    public async Task<SkillIndexOutcome> IndexFilesAsync(string owner, IReadOnlyCollection<string> fileIds, CancellationToken ct)
    {
        var pending = fileIds.Distinct(StringComparer.Ordinal).ToList();
        var written = 0;
        var failures = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var round = 0; round < MaxRounds && pending.Count > 0; round++)
        {
            Dictionary<string, int> versions;
            try
            {
                var (w, v) = await IndexAsync(owner, pending, ct);
                written += w;
                versions = v;
                foreach (var id in pending) failures.Remove(id);
            }
            catch (Exception e) when (pending.Count > 1 && IsFilesOwn(e))
            {
                // One file's content may be what the batch choked on: index each alone, so the others are searchable.
                versions = new Dictionary<string, int>(StringComparer.Ordinal);
                var succeeded = 0;
                foreach (var id in pending)
                {
                    try
                    {
                        var (w, v) = await IndexAsync(owner, [id], ct);
                        written += w;
                        foreach (var (file, version) in v) versions[file] = version;
                        failures.Remove(id);
                        succeeded++;
                    }
                    catch (Exception one) when (IsFilesOwn(one))
                    {
                        failures[id] = Describe(one);
                        await RecordFailureAsync(owner, id, failures[id]);
                        if (succeeded == 0 && failures.Count >= 3 && failures.Values.Distinct(StringComparer.Ordinal).Count() == 1)
                            throw; // the same error for every file: not the files' fault
                    }
                }
            }
            catch (Exception e) when (pending.Count == 1 && IsFilesOwn(e))
            {
                failures[pending[0]] = Describe(e);
                await RecordFailureAsync(owner, pending[0], failures[pending[0]]);
                versions = [];
            }
            // A writer that committed a newer version may have indexed it before our upsert landed: index those again.
            pending = await MovedOnAsync(owner, versions, ct);
        }
        return new SkillIndexOutcome(written, failures.Select(f => new SkillIndexFailure(f.Key, f.Value)).ToList());
    }

    /// <summary>Errors that may come from what a file holds, rather than from the service being down or misconfigured.</summary>
    private static bool IsFilesOwn(Exception e) => e is not (OperationCanceledException or EmbeddingMismatchException or NpgsqlException { IsTransient: true });

    private static string Describe(Exception e)
    {
        var message = e is PostgresException p ? $"{p.MessageText} ({p.SqlState})" : e.Message;
        return message.Length <= 500 ? message : message[..500] + "…";
    }

    /// <summary>Reads, indexes and marks these files in one go; the versions it indexed.</summary>
    private async Task<(int Written, Dictionary<string, int> Versions)> IndexAsync(string owner, List<string> fileIds, CancellationToken ct)
    {
        var (documents, versions, stale) = await ReadAsync(owner, fileIds, ct);
        if (documents.Count > 0) await search.IndexAsync(Collection, SectionEmbeddingText.Apply(documents), ct);
        if (stale.Count > 0) await search.DeleteAsync(Collection, owner, stale, ct);
        await MarkIndexedAsync(owner, versions, ct);
        return (documents.Count, versions);
    }

    private async Task MarkIndexedAsync(string owner, Dictionary<string, int> versions, CancellationToken ct)
    {
        if (versions.Count == 0) return;
        await using var command = db.CreateCommand("""
            update skills.files f set indexed_version = x.version, index_error = null
            from unnest($2::text[], $3::int[]) as x(id, version)
            where f.owner_id = $1::uuid and f.id = x.id and f.version = x.version
            """);
        command.Parameters.Add(new() { Value = owner });
        command.Parameters.Add(new() { Value = versions.Keys.ToArray() });
        command.Parameters.Add(new() { Value = versions.Values.ToArray() });
        await command.ExecuteNonQueryAsync(ct);
    }

    private async Task RecordFailureAsync(string owner, string fileId, string error)
    {
        try
        {
            await using var command = db.CreateCommand("update skills.files set index_error = $3 where owner_id = $1::uuid and id = $2");
            command.Parameters.Add(new() { Value = owner });
            command.Parameters.Add(new() { Value = fileId });
            command.Parameters.Add(new() { Value = error });
            await command.ExecuteNonQueryAsync(CancellationToken.None);
        }
        catch (NpgsqlException)
        {
            // The reason is also returned to the caller; keeping it on the file is a convenience.
        }
    }

    /// <summary>Ranked sections of the owner's current files; <paramref name="fileId"/> and <paramref name="type"/> narrow the search.</summary>
    public async Task<SkillSearchResults> SearchAsync(
        string owner, string query, SearchMode mode, int limit, string? fileId, string? type, CancellationToken ct)
    {
        var filter = new SearchFilter(owner)
        {
            Tags = fileId is null ? null : [$"file={fileId}"],
            Kinds = type is null ? null : [type],
        };
        var hits = await search.SearchAsync(Collection, query, mode, limit, filter, ct);
        return new SkillSearchResults(hits.Select(h =>
        {
            var d = h.Document;
            var tags = d.Tags.Select(t => t.Split('=', 2)).Where(p => p.Length == 2).GroupBy(p => p[0], StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.First()[1], StringComparer.Ordinal);
            string Tag(string name) => tags.TryGetValue(name, out var value) ? value : "";
            var lines = Tag("lines").Split('-');
            int Number(string text) => int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : 0;
            return new SkillSearchResult(d.Id, Tag("file"), d.Source ?? "", d.Kind ?? "", Number(Tag("v")), Tag("key"), Tag("title"), Tag("kind"),
                Number(lines[0]), lines.Length > 1 ? Number(lines[1]) : 0, h.Score, h.Bm25Rank, h.Bm25Score, h.VectorRank, h.VectorScore, Snippet(d.Text, Tag("title")));
        }).ToList(), hits.Mode, hits.VectorFallback, hits.VectorsPending);
    }

    private async Task<(List<SearchDocument> Documents, Dictionary<string, int> Versions, List<string> Stale)> ReadAsync(
        string owner, List<string> fileIds, CancellationToken ct)
    {
        var files = new Dictionary<string, (string Path, string Type, int Version, DateTimeOffset At, byte[] Content, string Format)>(StringComparer.Ordinal);
        var documents = new List<SearchDocument>();
        var current = new HashSet<string>(StringComparer.Ordinal);
        var stale = new List<string>();
        await using var batch = db.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand("""
            select f.id, f.path, f.type, f.version, f.updated_at, case when f.format <> 'binary' then b.content end, f.format
            from skills.files f join skills.blobs b on b.owner_id = f.owner_id and b.sha256 = f.sha256
            where f.owner_id = $1::uuid and f.id = any($2)
            """) { Parameters = { new() { Value = owner }, new() { Value = fileIds.ToArray() } } });
        batch.BatchCommands.Add(new NpgsqlBatchCommand($"""
            select s.id, s.file_id, s.title, s.byte_offset, s.length, s.key, s.kind, s.start_line, s.end_line, s.version
            from {SkillSql.CurrentSections}
            where f.owner_id = $1::uuid and f.id = any($2)
            order by s.file_id, s.ord
            """) { Parameters = { new() { Value = owner }, new() { Value = fileIds.ToArray() } } });
        // Sections of earlier versions whose keys did not survive: their documents must go.
        batch.BatchCommands.Add(new NpgsqlBatchCommand("""
            select distinct s.id
            from skills.sections s join skills.files f on f.id = s.file_id
            where f.owner_id = $1::uuid and f.id = any($2) and f.version > 1 and s.version < f.version
            """) { Parameters = { new() { Value = owner }, new() { Value = fileIds.ToArray() } } });
        await using var reader = await batch.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            files[reader.GetString(0)] = (reader.GetString(1), reader.GetString(2), reader.GetInt32(3), reader.GetFieldValue<DateTimeOffset>(4),
                reader.IsDBNull(5) ? [] : reader.GetFieldValue<byte[]>(5), reader.GetString(6));
        await reader.NextResultAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var id = reader.GetString(0);
            var file = files[reader.GetString(1)];
            if (file.Format == "binary") continue; // stored and flagged, never indexed as text (its old documents go as stale)
            var title = IndexText(reader.GetString(2));
            var text = SectionText(file.Content, reader.GetInt32(3), reader.GetInt32(4));
            current.Add(id);
            documents.Add(new SearchDocument(id, owner, title + "\n" + text)
            {
                Kind = file.Type,
                Source = file.Path,
                CreatedAt = file.At,
                Tags =
                [
                    $"file={reader.GetString(1)}", $"v={reader.GetInt32(9)}", $"key={reader.GetString(5)}", $"title={title}",
                    $"kind={reader.GetString(6)}", $"lines={reader.GetInt32(7)}-{reader.GetInt32(8)}",
                ],
            });
        }
        await reader.NextResultAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var id = reader.GetString(0);
            if (!current.Contains(id)) stale.Add(id);
        }
        return (documents, files.ToDictionary(f => f.Key, f => f.Value.Version, StringComparer.Ordinal), stale);
    }

    private async Task<List<string>> MovedOnAsync(string owner, Dictionary<string, int> versions, CancellationToken ct)
    {
        if (versions.Count == 0) return [];
        await using var command = db.CreateCommand("""
            select f.id from skills.files f join unnest($2::text[], $3::int[]) as x(id, version) on x.id = f.id
            where f.owner_id = $1::uuid and f.version <> x.version
            """);
        command.Parameters.Add(new() { Value = owner });
        command.Parameters.Add(new() { Value = versions.Keys.ToArray() });
        command.Parameters.Add(new() { Value = versions.Values.ToArray() });
        var moved = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) moved.Add(reader.GetString(0));
        return moved;
    }

    /// <summary>
    /// A section's bytes as the text to index: UTF-8 (invalid bytes as U+FFFD), or UTF-16 when the file starts with
    /// its byte-order mark (such files are one section), without U+0000, which PostgreSQL cannot store in text.
    /// </summary>
    internal static string SectionText(byte[] content, int offset, int length)
    {
        var bytes = content.AsSpan(offset, length);
        var whole = offset == 0 && length == content.Length && length % 2 == 0;
        var text = whole && bytes.StartsWith([(byte)0xFF, (byte)0xFE]) ? Encoding.Unicode.GetString(bytes[2..])
            : whole && bytes.StartsWith([(byte)0xFE, (byte)0xFF]) ? Encoding.BigEndianUnicode.GetString(bytes[2..])
            : Encoding.UTF8.GetString(bytes);
        return IndexText(text);
    }

    /// <summary>Text without U+0000 (the only character PostgreSQL's text type refuses).</summary>
    internal static string IndexText(string text) => text.Contains('\0', StringComparison.Ordinal) ? text.Replace("\0", "", StringComparison.Ordinal) : text;

    /// <summary>The first 240 characters of the section's text after its title, on one line.</summary>
    private static string Snippet(string text, string title)
    {
        var body = text.StartsWith(title + "\n", StringComparison.Ordinal) ? text[(title.Length + 1)..] : text;
        var builder = new StringBuilder(256);
        var space = false;
        foreach (var c in body)
        {
            if (char.IsWhiteSpace(c) || char.IsControl(c))
            {
                space = builder.Length > 0;
                continue;
            }
            if (space) builder.Append(' ');
            space = false;
            builder.Append(c);
            if (builder.Length >= 240) break;
        }
        return builder.ToString();
    }
}
