using System.Text;
using Hearth.Durable;
using Hearth.Durable.Jobs;
using Hearth.Skills.Splitting;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;

namespace Hearth.Skills;

/// <summary>A file's sections at one version.</summary>
public sealed record FileSections(SkillFile File, int Version, IReadOnlyList<StoredSection> Sections);

/// <summary>The exact bytes of one version of a file.</summary>
public sealed record RawFile(string FileId, string Path, int Version, string Sha256, byte[] Content);

/// <summary>An owner's library at a glance.</summary>
public sealed record LibraryStats(long Files, long Sections, long Bytes, long Versions, IReadOnlyDictionary<string, long> ByType);

/// <summary>The answer to "what comes next": <see cref="Found"/> is false when the section itself does not exist.</summary>
public sealed record NextSection(bool Found, SectionRead? Next);

/// <summary>
/// The skill library: stores files as immutable versions split into sections, and reads them back — listings, trees,
/// sections with or without their children, the section after one, the exact bytes of any version. Every call is
/// scoped to an owner: another owner's file or section is simply not found.
/// </summary>
public sealed class SkillLibrary(
    NpgsqlDataSource db,
    SkillVersionWriter writer,
    SkillSearchIndexer indexer,
    IJobClient jobs,
    ILogger<SkillLibrary> logger)
{
    /// <summary>
    /// Stores one file (path normalised, bytes split) as a new version, or does nothing when the bytes equal the
    /// current version, then indexes its sections. <paramref name="source"/>: upload, compose, checkin, section.
    /// </summary>
    public Task<StoredFile> PutAsync(string owner, string path, ReadOnlyMemory<byte> content, string source, CancellationToken ct)
    {
        var split = SkillSplitter.Split(SkillPath.Normalize(path), content);
        return StoreAsync(owner, split, source, ct);
    }

    internal async Task<StoredFile> StoreAsync(string owner, SplitResult split, string source, CancellationToken ct, bool requireNew = false)
    {
        WriteOutcome outcome;
        // A durable transaction: the index (and mirror) jobs wake the workers after the commit, not from inside it.
        await using (var tx = await db.BeginDurableAsync(ct))
        {
            outcome = await writer.WriteAsync(tx.Transaction, owner, split, source, runId: null, blobStored: false, ct, requireNew);
            // The queued job makes indexing durable; indexing inline below makes the new sections searchable at once.
            if (outcome.Change != FileChange.Unchanged)
                await jobs.EnqueueAsync(SkillQueues.Index, new SkillIndexRequested(owner, [outcome.File.Id]), new EnqueueOptions { Owner = owner }, tx.Transaction, ct);
            await tx.CommitAsync(ct);
        }
        var file = outcome.File;
        // A new version is indexed at once; so is an unchanged file the index does not hold yet (a past failure).
        if (outcome.Change != FileChange.Unchanged || (!file.Searchable && !file.Binary))
        {
            try
            {
                var indexed = await indexer.IndexFilesAsync(owner, [file.Id], ct);
                var failure = indexed.Failures.FirstOrDefault();
                file = file with { Searchable = failure is null && !file.Binary, IndexError = failure?.Error };
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Stored and committed; the queued index job will try again.
                logger.LogWarning(e, "Indexing {Path} inline failed; the index job will retry", file.Path);
                file = file with { Searchable = false, IndexError = $"Indexing failed ({e.Message}); queued to try again." };
            }
        }
        return new StoredFile(file, outcome.Change, split.Warnings);
    }

    /// <summary>
    /// Files, ordered by path. <paramref name="path"/> matches that file and everything under it as a folder
    /// (<c>skills/pdf</c> → <c>skills/pdf</c> and <c>skills/pdf/…</c>); <paramref name="type"/> narrows by file type;
    /// <paramref name="contains"/> keeps paths holding that text (any case); <paramref name="problems"/> keeps text files
    /// that are not searchable.
    /// </summary>
    public async Task<Page<SkillFile>> ListAsync(string owner, string? path, string? type, string? cursor, int limit, CancellationToken ct,
        string? contains = null, bool problems = false)
    {
        var folder = path is null ? null : SkillPath.Normalize(path);
        var after = PageCursor.Decode(cursor);
        await using var command = db.CreateCommand(SkillSql.SelectFile + """
             where f.owner_id = @owner::uuid
               and (@path::text is null or f.path = @path or starts_with(f.path, @path || '/'))
               and (@type::text is null or f.type = @type)
               and (@contains::text is null or strpos(lower(f.path), lower(@contains)) > 0)
               and (not @problems or (f.format <> 'binary' and f.indexed_version is distinct from f.version))
               and (@after::text is null or f.path > @after collate "C")
             order by f.path collate "C"
             limit @limit
            """);
        command.Parameters.AddWithValue("owner", owner);
        command.Parameters.Add(new NpgsqlParameter("path", NpgsqlDbType.Text) { Value = (object?)folder ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("type", NpgsqlDbType.Text) { Value = (object?)type ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("contains", NpgsqlDbType.Text) { Value = (object?)contains ?? DBNull.Value });
        command.Parameters.AddWithValue("problems", problems);
        command.Parameters.Add(new NpgsqlParameter("after", NpgsqlDbType.Text) { Value = (object?)after ?? DBNull.Value });
        command.Parameters.AddWithValue("limit", limit + 1);
        var items = new List<SkillFile>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) items.Add(SkillSql.ReadFile(reader));
        var next = items.Count > limit ? PageCursor.Encode(items[limit - 1].Path) : null;
        return new Page<SkillFile>(items.Take(limit).ToList(), next);
    }

    public async Task<SkillFile?> FindAsync(string owner, string fileId, CancellationToken ct)
    {
        if (!SkillIds.IsWellFormed(fileId)) return null;
        await using var command = db.CreateCommand(SkillSql.SelectFile + " where f.id = @id and f.owner_id = @owner::uuid");
        command.Parameters.AddWithValue("id", fileId);
        command.Parameters.AddWithValue("owner", owner);
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? SkillSql.ReadFile(reader) : null;
    }

    /// <summary>A current file whose frontmatter <c>name</c> is <paramref name="name"/>, if any.</summary>
    public async Task<SkillFile?> FindByNameAsync(string owner, string name, CancellationToken ct)
    {
        await using var command = db.CreateCommand(SkillSql.SelectFile + " where f.owner_id = @owner::uuid and f.name = @name order by f.path limit 1");
        command.Parameters.AddWithValue("owner", owner);
        command.Parameters.AddWithValue("name", name);
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? SkillSql.ReadFile(reader) : null;
    }

    public Task<SkillFile?> FindByPathAsync(string owner, string path, CancellationToken ct) =>
        FindAsync(owner, SkillIds.File(owner, SkillPath.Normalize(path)), ct);

    /// <summary>
    /// A page of a file's versions, newest first (<paramref name="cursor"/> from the previous page); null when the file
    /// does not exist for this owner.
    /// </summary>
    public async Task<Page<SkillFileVersion>?> VersionsAsync(string owner, string fileId, string? cursor, int limit, CancellationToken ct)
    {
        var before = PageCursor.Decode(cursor) is { } text
            ? int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var v) ? v : throw new InvalidCursorException()
            : int.MaxValue;
        if (await FindAsync(owner, fileId, ct) is null) return null;
        await using var command = db.CreateCommand("""
            select version, sha256, length, type, format, section_count, source, run_id, warnings::text, created_at
            from skills.versions where file_id = @id and owner_id = @owner::uuid and version < @before order by version desc limit @limit
            """);
        command.Parameters.AddWithValue("id", fileId);
        command.Parameters.AddWithValue("owner", owner);
        command.Parameters.AddWithValue("before", before);
        command.Parameters.AddWithValue("limit", limit + 1);
        var versions = new List<SkillFileVersion>();
        await using (var reader = await command.ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct))
                versions.Add(new SkillFileVersion(reader.GetInt32(0), reader.GetString(1), reader.GetInt32(2), reader.GetString(3), reader.GetString(4),
                    reader.GetInt32(5), reader.GetString(6), reader.IsDBNull(7) ? null : reader.GetString(7),
                    System.Text.Json.JsonSerializer.Deserialize<string[]>(reader.GetString(8)) ?? [], reader.GetFieldValue<DateTimeOffset>(9)));
        if (versions.Count <= limit) return new Page<SkillFileVersion>(versions, null);
        return new Page<SkillFileVersion>(versions[..limit],
            PageCursor.Encode(versions[limit - 1].Version.ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }

    /// <summary>
    /// The exact bytes of a version (the current one when <paramref name="version"/> is null), recomposed from its stored
    /// sections and checked against each section's and the file's SHA-256; null when there is no such file or version.
    /// Stored bytes that no longer match throw <see cref="SectionIntegrityException"/> naming the file, version and section.
    /// </summary>
    public async Task<RawFile?> RawAsync(string owner, string fileId, int? version, CancellationToken ct)
    {
        if (!SkillIds.IsWellFormed(fileId)) return null;
        await using var command = db.CreateCommand("""
            select v.path, v.version, v.sha256, b.content,
                   array(select s.byte_offset from skills.sections s where s.file_id = v.file_id and s.version = v.version order by s.ord),
                   array(select s.length from skills.sections s where s.file_id = v.file_id and s.version = v.version order by s.ord),
                   array(select s.sha256 from skills.sections s where s.file_id = v.file_id and s.version = v.version order by s.ord)
            from skills.files f
            join skills.versions v on v.file_id = f.id and v.version = coalesce(@version, f.version)
            join skills.blobs b on b.owner_id = v.owner_id and b.sha256 = v.sha256
            where f.id = @id and f.owner_id = @owner::uuid
            """);
        command.Parameters.AddWithValue("id", fileId);
        command.Parameters.AddWithValue("owner", owner);
        command.Parameters.Add(new NpgsqlParameter("version", NpgsqlDbType.Integer) { Value = version is { } v ? v : DBNull.Value });
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) return null;
        var (path, at, sha256, blob) = (reader.GetString(0), reader.GetInt32(1), reader.GetString(2), reader.GetFieldValue<byte[]>(3));
        var offsets = reader.GetFieldValue<int[]>(4);
        var lengths = reader.GetFieldValue<int[]>(5);
        var hashes = reader.GetFieldValue<string[]>(6);
        return new RawFile(fileId, path, at, sha256, Recompose(path, at, sha256, blob, offsets, lengths, hashes));
    }

    /// <summary>The version's bytes put back together from its stored sections (byte ranges of the blob), proven by SHA-256.</summary>
    private static byte[] Recompose(string path, int version, string sha256, byte[] blob, int[] offsets, int[] lengths, string[] hashes)
    {
        var pieces = new ReadOnlyMemory<byte>[offsets.Length];
        for (var i = 0; i < offsets.Length; i++)
        {
            if (offsets[i] < 0 || lengths[i] < 0 || (long)offsets[i] + lengths[i] > blob.Length)
                throw new SectionIntegrityException($"Version {version} of '{path}': section {i} lies outside the stored bytes.");
            pieces[i] = blob.AsMemory(offsets[i], lengths[i]);
        }
        try
        {
            return SkillRecomposer.Recompose(pieces, sha256, hashes);
        }
        catch (SectionIntegrityException e)
        {
            throw new SectionIntegrityException($"Version {version} of '{path}' does not recompose to its stored SHA-256: {e.Message}");
        }
    }

    /// <summary>A file's sections in order (the current version when <paramref name="version"/> is null); null when there is no such file or version.</summary>
    public async Task<FileSections?> SectionsAsync(string owner, string fileId, int? version, CancellationToken ct)
    {
        var file = await FindAsync(owner, fileId, ct);
        if (file is null) return null;
        var at = version ?? file.Version;
        if (at < 1 || at > file.Version) return null;
        await using var command = db.CreateCommand($"""
            select {SkillSql.SectionColumns}
            from skills.sections s join skills.files f on f.id = s.file_id
            where s.file_id = @id and s.version = @version and s.owner_id = @owner::uuid
            order by s.ord
            """);
        command.Parameters.AddWithValue("id", fileId);
        command.Parameters.AddWithValue("version", at);
        command.Parameters.AddWithValue("owner", owner);
        var sections = new List<StoredSection>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) sections.Add(SkillSql.ReadSection(reader));
        return new FileSections(file, at, sections);
    }

    /// <summary>
    /// A section of a file's current version with its bytes — its own, or (<paramref name="withChildren"/>) with all
    /// its descendants, which follow it contiguously — and its direct children. Null when not found for this owner.
    /// </summary>
    public async Task<SectionRead?> GetSectionAsync(string owner, string sectionId, bool withChildren, CancellationToken ct)
    {
        if (!SkillIds.IsWellFormed(sectionId)) return null;
        return await ReadSectionAsync(owner, "s.id = @id", ("id", sectionId), withChildren, ct);
    }

    /// <summary>
    /// The section after this one. By default the one that follows it and its descendants in document order (its next
    /// sibling, or what follows its parent); with <paramref name="child"/>, its first child. <see cref="NextSection.Next"/>
    /// is null at the end of the file (or when the section has no children).
    /// </summary>
    public async Task<NextSection> NextAsync(string owner, string sectionId, bool child, CancellationToken ct)
    {
        if (!SkillIds.IsWellFormed(sectionId)) return new NextSection(false, null);
        await using var command = db.CreateCommand($"""
            select s.file_id, s.version, case when @child then s.ord + 1 else s.subtree_end end, s.subtree_end > s.ord + 1
            from {SkillSql.CurrentSections}
            where s.id = @id and s.owner_id = @owner::uuid
            """);
        command.Parameters.AddWithValue("id", sectionId);
        command.Parameters.AddWithValue("owner", owner);
        command.Parameters.AddWithValue("child", child);
        string fileId;
        int version, ord;
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            if (!await reader.ReadAsync(ct)) return new NextSection(false, null);
            if (child && !reader.GetBoolean(3)) return new NextSection(true, null);
            (fileId, version, ord) = (reader.GetString(0), reader.GetInt32(1), reader.GetInt32(2));
        }
        var next = await ReadSectionAsync(owner, "s.file_id = @file and s.version = @version and s.ord = @ord",
            [("file", fileId), ("version", version), ("ord", ord)], withChildren: false, ct);
        return new NextSection(true, next);
    }

    private Task<SectionRead?> ReadSectionAsync(string owner, string where, (string, object) parameter, bool withChildren, CancellationToken ct) =>
        ReadSectionAsync(owner, where, [parameter], withChildren, ct);

    private async Task<SectionRead?> ReadSectionAsync(string owner, string where, (string Name, object Value)[] parameters, bool withChildren, CancellationToken ct)
    {
        await using var command = db.CreateCommand($"""
            select {SkillSql.SectionColumns},
                   substring(b.content from s.byte_offset + 1 for case when @children then s.subtree_bytes else s.length end)
            from {SkillSql.CurrentSections}
            join skills.blobs b on b.owner_id = f.owner_id and b.sha256 = f.sha256
            where {where} and s.owner_id = @owner::uuid;

            select {SkillSql.SectionColumns}
            from {SkillSql.CurrentSections}
            join skills.sections p on p.file_id = s.file_id and p.version = s.version and p.id = s.parent_id
            where {where.Replace("s.", "p.", StringComparison.Ordinal)} and s.owner_id = @owner::uuid
            order by s.ord
            """);
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
        command.Parameters.AddWithValue("owner", owner);
        command.Parameters.AddWithValue("children", withChildren);
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) return null;
        var section = SkillSql.ReadSection(reader);
        var fileType = reader.GetString(SkillSql.SectionColumnCount - 1);
        var content = reader.GetFieldValue<byte[]>(SkillSql.SectionColumnCount);
        await reader.NextResultAsync(ct);
        var children = new List<StoredSection>();
        while (await reader.ReadAsync(ct)) children.Add(SkillSql.ReadSection(reader));
        return new SectionRead(section, fileType, content, withChildren, children);
    }

    /// <summary>Counts of the owner's current files, sections, bytes and versions, and files by type.</summary>
    public async Task<LibraryStats> StatsAsync(string owner, CancellationToken ct)
    {
        await using var command = db.CreateCommand("""
            select type, count(*), sum(section_count), sum(length), sum(version) from skills.files where owner_id = $1::uuid group by type order by type
            """);
        command.Parameters.Add(new() { Value = owner });
        long files = 0, sections = 0, bytes = 0, versions = 0;
        var byType = new Dictionary<string, long>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var count = reader.GetInt64(1);
            byType[reader.GetString(0)] = count;
            files += count;
            sections += reader.GetInt64(2);
            bytes += reader.GetInt64(3);
            versions += reader.GetInt64(4);
        }
        return new LibraryStats(files, sections, bytes, versions, byType);
    }

    /// <summary>Which of these local files are new or differ from the library (for a push that uploads only those).</summary>
    public async Task<CompareResult> CompareAsync(string owner, IReadOnlyList<PathHash> files, CancellationToken ct)
    {
        var invalid = new List<InvalidPath>();
        var byPath = new Dictionary<string, PathHash>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            if (!SkillPath.TryNormalize(file.Path, out var normalized, out var reason)) invalid.Add(new InvalidPath(file.Path, reason));
            else byPath[normalized] = file;
        }
        var stored = new Dictionary<string, (string Sha, bool Indexed)>(StringComparer.Ordinal);
        await using (var command = db.CreateCommand("""
            select path, sha256, indexed_version is not distinct from version from skills.files where owner_id = @owner::uuid and path = any(@paths)
            """))
        {
            command.Parameters.AddWithValue("owner", owner);
            command.Parameters.AddWithValue("paths", byPath.Keys.ToArray());
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct)) stored[reader.GetString(0)] = (reader.GetString(1), reader.GetBoolean(2));
        }
        var changed = new List<ChangedPath>();
        var unchanged = 0;
        foreach (var (path, file) in byPath)
        {
            if (!stored.TryGetValue(path, out var known)) changed.Add(new ChangedPath(file.Path, "new"));
            else if (!string.Equals(known.Sha, file.Sha256, StringComparison.OrdinalIgnoreCase)) changed.Add(new ChangedPath(file.Path, "modified"));
            else if (!known.Indexed) changed.Add(new ChangedPath(file.Path, "unindexed"));
            else unchanged++;
        }
        return new CompareResult(changed, unchanged, invalid);
    }

    /// <summary>
    /// Replaces a section's own bytes in the file's current version and stores the result as a new version (the rest of
    /// the file byte for byte as it was). With <paramref name="expectedSha256"/>, refuses (<see cref="SkillConflictException"/>)
    /// when the section changed since the caller read it. Null when the section does not exist for this owner.
    /// </summary>
    public async Task<StoredFile?> ReplaceSectionAsync(string owner, string sectionId, ReadOnlyMemory<byte> content, string? expectedSha256, string source, CancellationToken ct)
    {
        var current = await GetSectionAsync(owner, sectionId, withChildren: false, ct);
        if (current is null) return null;
        if (expectedSha256 is not null && !string.Equals(expectedSha256, current.Section.Sha256, StringComparison.OrdinalIgnoreCase))
            throw new SkillConflictException($"Section '{current.Section.Title}' of {current.Section.Path} changed since it was read (its SHA-256 is now {current.Section.Sha256}); read it again.");
        var raw = await RawAsync(owner, current.Section.FileId, current.Section.Version, ct)
            ?? throw new SkillConflictException($"{current.Section.Path} changed while its section was replaced; try again.");
        var spliced = Splice(raw.Content, current.Section.Offset, current.Section.Size, content.Span);
        return await StoreAsync(owner, SkillSplitter.Split(current.Section.Path, spliced), source, ct);
    }

    /// <summary>The file with <paramref name="length"/> bytes at <paramref name="offset"/> replaced by <paramref name="replacement"/>.</summary>
    internal static byte[] Splice(byte[] file, int offset, int length, ReadOnlySpan<byte> replacement)
    {
        var result = new byte[file.Length - length + replacement.Length];
        file.AsSpan(0, offset).CopyTo(result);
        replacement.CopyTo(result.AsSpan(offset));
        file.AsSpan(offset + length).CopyTo(result.AsSpan(offset + replacement.Length));
        return result;
    }
}
