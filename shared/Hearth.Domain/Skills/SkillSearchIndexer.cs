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
/// Keeps the search collection <c>skills</c> in step with the library and searches it. A document per section of each
/// file's current version: id = section id, owner = the file's owner, text = title and the section's own bytes, kind =
/// the file type, source = the path, tags <c>file=&lt;file id&gt;</c> (filtered on) and the section's version, key,
/// title, kind and lines (shown in results, so a search costs no query of the library). Indexing reads the current
/// version and is idempotent, so running it twice (a retried job, the inline call and the queued one) does no harm.
/// A result describes the section as last indexed; indexing follows every change (in the same request for single
/// files, within the run for bulk ingests), and sections that disappear are removed from the index.
/// </summary>
public sealed class SkillSearchIndexer(NpgsqlDataSource db, SearchService search)
{
    public const string Collection = "skills";
    private const int MaxRounds = 5;

    /// <summary>
    /// Indexes the current sections of these files and removes documents of sections that no longer exist. Returns the
    /// number of documents written. A version committed while indexing is picked up by re-checking afterwards.
    /// </summary>
    public async Task<int> IndexFilesAsync(string owner, IReadOnlyCollection<string> fileIds, CancellationToken ct)
    {
        var pending = fileIds.Distinct(StringComparer.Ordinal).ToList();
        var written = 0;
        for (var round = 0; round < MaxRounds && pending.Count > 0; round++)
        {
            var (documents, versions, stale) = await ReadAsync(owner, pending, ct);
            if (documents.Count > 0) await search.IndexAsync(Collection, SectionEmbeddingText.Apply(documents), ct);
            if (stale.Count > 0) await search.DeleteAsync(Collection, owner, stale, ct);
            written += documents.Count;
            // A writer that committed a newer version may have indexed it before our upsert landed: index those again.
            pending = await MovedOnAsync(owner, versions, ct);
        }
        return written;
    }

    /// <summary>Ranked sections of the owner's current files; <paramref name="fileId"/> and <paramref name="type"/> narrow the search.</summary>
    public async Task<IReadOnlyList<SkillSearchResult>> SearchAsync(
        string owner, string query, SearchMode mode, int limit, string? fileId, string? type, CancellationToken ct)
    {
        var filter = new SearchFilter(owner)
        {
            Tags = fileId is null ? null : [$"file={fileId}"],
            Kinds = type is null ? null : [type],
        };
        var hits = await search.SearchAsync(Collection, query, mode, limit, filter, ct);
        return hits.Select(h =>
        {
            var d = h.Document;
            var tags = d.Tags.Select(t => t.Split('=', 2)).Where(p => p.Length == 2).GroupBy(p => p[0], StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.First()[1], StringComparer.Ordinal);
            string Tag(string name) => tags.TryGetValue(name, out var value) ? value : "";
            var lines = Tag("lines").Split('-');
            int Number(string text) => int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : 0;
            return new SkillSearchResult(d.Id, Tag("file"), d.Source ?? "", d.Kind ?? "", Number(Tag("v")), Tag("key"), Tag("title"), Tag("kind"),
                Number(lines[0]), lines.Length > 1 ? Number(lines[1]) : 0, h.Score, h.Bm25Rank, h.Bm25Score, h.VectorRank, h.VectorScore, Snippet(d.Text, Tag("title")));
        }).ToList();
    }

    private async Task<(List<SearchDocument> Documents, Dictionary<string, int> Versions, List<string> Stale)> ReadAsync(
        string owner, List<string> fileIds, CancellationToken ct)
    {
        var files = new Dictionary<string, (string Path, string Type, int Version, DateTimeOffset At, byte[] Content)>(StringComparer.Ordinal);
        var documents = new List<SearchDocument>();
        var current = new HashSet<string>(StringComparer.Ordinal);
        var stale = new List<string>();
        await using var batch = db.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand("""
            select f.id, f.path, f.type, f.version, f.updated_at, b.content
            from skills.files f join skills.blobs b on b.owner = f.owner and b.sha256 = f.sha256
            where f.owner = $1 and f.id = any($2)
            """) { Parameters = { new() { Value = owner }, new() { Value = fileIds.ToArray() } } });
        batch.BatchCommands.Add(new NpgsqlBatchCommand($"""
            select s.id, s.file_id, s.title, s.byte_offset, s.length, s.key, s.kind, s.start_line, s.end_line, s.version
            from {SkillSql.CurrentSections}
            where f.owner = $1 and f.id = any($2)
            order by s.file_id, s.ord
            """) { Parameters = { new() { Value = owner }, new() { Value = fileIds.ToArray() } } });
        // Sections of earlier versions whose keys did not survive: their documents must go.
        batch.BatchCommands.Add(new NpgsqlBatchCommand("""
            select distinct s.id
            from skills.sections s join skills.files f on f.id = s.file_id
            where f.owner = $1 and f.id = any($2) and f.version > 1 and s.version < f.version
            """) { Parameters = { new() { Value = owner }, new() { Value = fileIds.ToArray() } } });
        await using var reader = await batch.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            files[reader.GetString(0)] = (reader.GetString(1), reader.GetString(2), reader.GetInt32(3), reader.GetFieldValue<DateTimeOffset>(4), reader.GetFieldValue<byte[]>(5));
        await reader.NextResultAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var id = reader.GetString(0);
            var file = files[reader.GetString(1)];
            var title = reader.GetString(2);
            var text = Encoding.UTF8.GetString(file.Content, reader.GetInt32(3), reader.GetInt32(4));
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
            where f.owner = $1 and f.version <> x.version
            """);
        command.Parameters.Add(new() { Value = owner });
        command.Parameters.Add(new() { Value = versions.Keys.ToArray() });
        command.Parameters.Add(new() { Value = versions.Values.ToArray() });
        var moved = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) moved.Add(reader.GetString(0));
        return moved;
    }

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
