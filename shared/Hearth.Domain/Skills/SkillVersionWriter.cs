using System.Text.Json;
using Hearth.Archive;
using Hearth.Durable.Jobs;
using Hearth.Skills.Splitting;
using Npgsql;
using NpgsqlTypes;

namespace Hearth.Skills;

/// <summary>What <see cref="SkillVersionWriter.WriteAsync"/> did.</summary>
internal sealed record WriteOutcome(SkillFile File, FileChange Change);

/// <summary>
/// Writes a split file as a new version inside the caller's transaction: the bytes (once per hash), the file row, the
/// version, its sections, and — when a mirror is configured — the sync message. Bytes equal to the current version
/// write nothing. Concurrent writers of one file are serialised by a transaction-scoped advisory lock on its id, so two
/// ingests of the same path never race to the same version number.
/// </summary>
public sealed class SkillVersionWriter(IJobClient jobs, IArchiveMirror mirror, TimeProvider time)
{
    /// <param name="alsoRun">A command to run in the same round trip as the version's inserts (given the outcome), e.g. recording it on a run.</param>
    /// <param name="asyncCommit">Commit without waiting for the WAL flush: for work that is retried until recorded anyway (see docs/decisions.md).</param>
    internal async Task<WriteOutcome> WriteAsync(
        NpgsqlTransaction tx, string owner, SplitResult split, string source, string? runId, bool blobStored, CancellationToken ct,
        bool requireNew = false, Func<WriteOutcome, NpgsqlBatchCommand>? alsoRun = null, bool asyncCommit = false)
    {
        CheckTiling(split);
        var connection = tx.Connection!;
        var path = split.Path;
        var fileId = SkillIds.File(owner, path);
        var now = time.GetUtcNow();

        // One round trip: take the file's lock, store the bytes (once per hash), read the current version.
        SkillFile? current = null;
        await using (var batch = new NpgsqlBatch(connection, tx))
        {
            if (asyncCommit) batch.BatchCommands.Add(Command("set local synchronous_commit = off"));
            batch.BatchCommands.Add(Command("select pg_advisory_xact_lock(hashtextextended(@id, 1147))", ("id", fileId)));
            if (!blobStored)
                batch.BatchCommands.Add(Command("""
                    insert into skills.blobs (owner_id, sha256, length, content) values (@owner::uuid, @sha, @length, @content)
                    on conflict (owner_id, sha256) do nothing
                    """, ("owner", owner), ("sha", split.Sha256), ("length", split.Length), ("content", split.Content.ToArray())));
            batch.BatchCommands.Add(Command(SkillSql.SelectFile + " where f.id = @id", ("id", fileId)));
            await using var reader = await batch.ExecuteReaderAsync(ct);
            await reader.NextResultAsync(ct); // past the lock's row (the insert returns no result set)
            if (await reader.ReadAsync(ct)) current = SkillSql.ReadFile(reader);
        }
        if (current is not null && requireNew)
            throw new SkillConflictException($"'{path}' already exists in the library.");
        if (current is not null && current.Sha256 == split.Sha256)
            return new WriteOutcome(current, FileChange.Unchanged);

        var version = (current?.Version ?? 0) + 1;
        var name = split.Frontmatter.TryGetValue("name", out var n) && !string.IsNullOrWhiteSpace(n) ? n.Trim() : null;
        var file = new SkillFile(fileId, path, split.Type.ToName(), split.Format.ToName(), version, split.Sha256, split.Length,
            split.Sections.Count, name, current?.CreatedAt ?? now, now);
        var outcome = new WriteOutcome(file, current is null ? FileChange.Created : FileChange.Updated);

        await using (var batch = new NpgsqlBatch(connection, tx))
        {
            batch.BatchCommands.Add(Command("""
                insert into skills.files (id, owner_id, path, type, format, version, sha256, length, section_count, name, created_at, updated_at)
                values (@id, @owner::uuid, @path, @type, @format, @version, @sha, @length, @sections, @name, @now, @now)
                on conflict (id) do update
                   set type = excluded.type, format = excluded.format, version = excluded.version, sha256 = excluded.sha256,
                       length = excluded.length, section_count = excluded.section_count, name = excluded.name, updated_at = excluded.updated_at
                """,
                ("id", fileId), ("owner", owner), ("path", path), ("type", file.Type), ("format", file.Format), ("version", version),
                ("sha", split.Sha256), ("length", split.Length), ("sections", split.Sections.Count), ("name", name), ("now", now)));
            batch.BatchCommands.Add(Command("""
                insert into skills.versions (file_id, version, owner_id, path, sha256, length, type, format, section_count, source, run_id, frontmatter, warnings, created_at)
                values (@id, @version, @owner::uuid, @path, @sha, @length, @type, @format, @sections, @source, @run, @frontmatter::jsonb, @warnings::jsonb, @now)
                """,
                ("id", fileId), ("version", version), ("owner", owner), ("path", path), ("sha", split.Sha256), ("length", split.Length),
                ("type", file.Type), ("format", file.Format), ("sections", split.Sections.Count), ("source", source), ("run", runId),
                ("frontmatter", JsonSerializer.Serialize(split.Frontmatter)), ("warnings", JsonSerializer.Serialize(split.Warnings)), ("now", now)));
            if (split.Sections.Count > 0) batch.BatchCommands.Add(SectionsInsert(owner, fileId, version, split));
            if (alsoRun is not null) batch.BatchCommands.Add(alsoRun(outcome));
            await batch.ExecuteNonQueryAsync(ct);
        }

        if (mirror.IsEnabled)
            await jobs.EnqueueAsync(SkillQueues.Sync, new SkillVersionCommitted(owner, fileId, version), new EnqueueOptions { Owner = owner }, tx, ct);
        return outcome;
    }

    private static NpgsqlBatchCommand SectionsInsert(string owner, string fileId, int version, SplitResult split)
    {
        var sections = split.Sections;
        var count = sections.Count;
        var ids = new string[count];
        var parents = new string?[count];
        var subtreeEnd = SubtreeEnds(sections);
        var subtreeBytes = new int[count];
        for (var i = 0; i < count; i++)
        {
            ids[i] = SkillIds.Section(owner, split.Path, sections[i].Key);
            parents[i] = sections[i].ParentIndex is { } p ? ids[p] : null;
            var end = subtreeEnd[i] < count ? sections[subtreeEnd[i]].Offset : split.Length;
            subtreeBytes[i] = end - sections[i].Offset;
        }
        var command = new NpgsqlBatchCommand("""
            insert into skills.sections (file_id, version, ord, id, owner_id, key, parent_id, depth, heading_level, kind, title,
                                         byte_offset, length, start_line, end_line, sha256, subtree_end, subtree_bytes)
            select @file, @version, s.ord, s.id, @owner::uuid, s.key, s.parent_id, s.depth, s.heading_level, s.kind, s.title,
                   s.byte_offset, s.length, s.start_line, s.end_line, s.sha256, s.subtree_end, s.subtree_bytes
            from unnest(@ords, @ids, @keys, @parents, @depths, @levels, @kinds, @titles, @offsets, @lengths, @starts, @ends, @shas, @subtree_ends, @subtree_bytes)
                 as s(ord, id, key, parent_id, depth, heading_level, kind, title, byte_offset, length, start_line, end_line, sha256, subtree_end, subtree_bytes)
            """);
        command.Parameters.AddWithValue("file", fileId);
        command.Parameters.AddWithValue("version", version);
        command.Parameters.AddWithValue("owner", owner);
        command.Parameters.AddWithValue("ords", sections.Select(s => s.Index).ToArray());
        command.Parameters.AddWithValue("ids", ids);
        command.Parameters.AddWithValue("keys", sections.Select(s => s.Key).ToArray());
        command.Parameters.Add(new NpgsqlParameter("parents", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = parents });
        command.Parameters.AddWithValue("depths", sections.Select(s => s.Depth).ToArray());
        command.Parameters.AddWithValue("levels", sections.Select(s => s.HeadingLevel).ToArray());
        command.Parameters.AddWithValue("kinds", sections.Select(s => s.Kind.ToName()).ToArray());
        command.Parameters.AddWithValue("titles", sections.Select(s => s.Title).ToArray());
        command.Parameters.AddWithValue("offsets", sections.Select(s => s.Offset).ToArray());
        command.Parameters.AddWithValue("lengths", sections.Select(s => s.Length).ToArray());
        command.Parameters.AddWithValue("starts", sections.Select(s => s.StartLine).ToArray());
        command.Parameters.AddWithValue("ends", sections.Select(s => s.EndLine).ToArray());
        command.Parameters.AddWithValue("shas", sections.Select(s => s.Sha256).ToArray());
        command.Parameters.AddWithValue("subtree_ends", subtreeEnd);
        command.Parameters.AddWithValue("subtree_bytes", subtreeBytes);
        return command;
    }

    /// <summary>The sections must tile the bytes exactly (the splitter's promise); a defect there must never reach storage.</summary>
    private static void CheckTiling(SplitResult split)
    {
        var at = 0;
        foreach (var section in split.Sections)
        {
            if (section.Offset != at || section.Length <= 0)
                throw new SectionIntegrityException($"'{split.Path}': section {section.Index} starts at byte {section.Offset}, expected {at}; nothing was stored.");
            at += section.Length;
        }
        if (at != split.Length)
            throw new SectionIntegrityException($"'{split.Path}': the sections cover {at} of {split.Length} bytes; nothing was stored.");
    }

    /// <summary>For each section, the index of the first section after its descendants (which follow it contiguously).</summary>
    internal static int[] SubtreeEnds(IReadOnlyList<SkillSection> sections)
    {
        var ends = new int[sections.Count];
        var open = new Stack<int>();
        for (var i = 0; i < sections.Count; i++)
        {
            while (open.Count > 0 && sections[open.Peek()].Depth >= sections[i].Depth) ends[open.Pop()] = i;
            open.Push(i);
        }
        while (open.Count > 0) ends[open.Pop()] = sections.Count;
        return ends;
    }

    private static NpgsqlBatchCommand Command(string sql, params (string Name, object? Value)[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var (name, value) in parameters)
            command.Parameters.Add(value is null ? new NpgsqlParameter(name, NpgsqlDbType.Text) { Value = DBNull.Value } : new NpgsqlParameter(name, value));
        return command;
    }
}
