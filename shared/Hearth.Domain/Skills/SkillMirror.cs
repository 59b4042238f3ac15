using Hearth.Archive;
using Hearth.Durable.Jobs;
using Npgsql;

namespace Hearth.Skills;

/// <summary>
/// How the library compares with the archive. <see cref="InSyncPercent"/> = in sync ÷ (library files + extra) × 100
/// (100 when both are empty): a hash mismatch counts as out of sync, like a missing or an extra file. The lists are
/// capped at 100 entries each (<see cref="Truncated"/>); the counts are exact.
/// </summary>
/// <param name="Missing">Library files with no archived version.</param>
/// <param name="Extra">Archived paths that are not in the library.</param>
/// <param name="Mismatched">Paths whose newest archived bytes differ from the library's current bytes.</param>
public sealed record MirrorReport(
    int LibraryFiles,
    int ArchivedFiles,
    int InSync,
    int MissingCount,
    int ExtraCount,
    int MismatchedCount,
    double InSyncPercent,
    IReadOnlyList<MirrorPath> Missing,
    IReadOnlyList<MirrorPath> Extra,
    IReadOnlyList<MirrorMismatch> Mismatched,
    bool Truncated);

/// <summary>A path on one side only.</summary>
public sealed record MirrorPath(string Owner, string Path, int Version, string Sha256);

/// <summary>A path on both sides with different bytes.</summary>
public sealed record MirrorMismatch(string Owner, string Path, int LibraryVersion, string LibrarySha256, int ArchiveVersion, string ArchiveSha256);

/// <summary>
/// The one-way mirror of the skill library into the archive database: appends file versions (from the
/// <see cref="SkillQueues.Sync"/> message each changed file enqueues, and in bulk at the end of a run) and verifies
/// that the archive's newest version of every path matches the library.
/// </summary>
public sealed class SkillMirror(NpgsqlDataSource db, ArchiveStore archive) : IQueueFunction<SkillVersionCommitted>
{
    private const int ListCap = 100;
    private const int AppendBatch = 500;

    public bool IsEnabled => archive.IsEnabled;

    /// <summary>The <c>skills.sync</c> function: appends one committed version.</summary>
    public Task RunAsync(SkillVersionCommitted message, JobContext context, CancellationToken ct) =>
        MirrorAsync(message.Owner, [(message.FileId, message.Version)], ct);

    /// <summary>Appends these versions (read from the library) to the archive; returns how many were new there.</summary>
    public async Task<int> MirrorAsync(string owner, IReadOnlyList<(string FileId, int Version)> versions, CancellationToken ct)
    {
        var added = 0;
        foreach (var chunk in versions.Chunk(AppendBatch))
        {
            var rows = new List<ArchivedSkillVersion>(chunk.Length);
            await using (var command = db.CreateCommand("""
                select v.file_id, v.path, v.version, v.sha256, v.type, b.content, v.created_at
                from unnest($2::text[], $3::int[]) as x(file_id, version)
                join skills.versions v on v.file_id = x.file_id and v.version = x.version and v.owner_id = $1::uuid
                join skills.blobs b on b.owner_id = v.owner_id and b.sha256 = v.sha256
                """))
            {
                command.Parameters.Add(new() { Value = owner });
                command.Parameters.Add(new() { Value = chunk.Select(c => c.FileId).ToArray() });
                command.Parameters.Add(new() { Value = chunk.Select(c => c.Version).ToArray() });
                await using var reader = await command.ExecuteReaderAsync(ct);
                while (await reader.ReadAsync(ct))
                    rows.Add(new ArchivedSkillVersion(owner, reader.GetString(0), reader.GetString(1), reader.GetInt32(2), reader.GetString(3),
                        reader.GetString(4), reader.GetFieldValue<byte[]>(5), reader.GetFieldValue<DateTimeOffset>(6)));
            }
            added += await archive.AppendSkillVersionsAsync(rows, ct);
        }
        return added;
    }

    /// <summary>Appends the versions a run wrote.</summary>
    public async Task<int> MirrorRunAsync(string owner, string runId, CancellationToken ct)
    {
        var versions = new List<(string, int)>();
        await using (var command = db.CreateCommand("""
            select file_id, version from skills.run_files
            where run_id = $1 and owner_id = $2::uuid and status in ('created', 'updated') and version is not null
            """))
        {
            command.Parameters.Add(new() { Value = runId });
            command.Parameters.Add(new() { Value = owner });
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct)) versions.Add((reader.GetString(0), reader.GetInt32(1)));
        }
        return await MirrorAsync(owner, versions, ct);
    }

    /// <summary>Compares the library's current files with the archive's newest versions (one owner, or everyone when null).</summary>
    public async Task<MirrorReport> VerifyAsync(string? owner, CancellationToken ct)
    {
        var library = new Dictionary<(string Owner, string Path), (int Version, string Sha)>();
        await using (var command = db.CreateCommand("select owner_id::text, path, version, sha256 from skills.files where $1::text is null or owner_id = $1::uuid"))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = (object?)owner ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct)) library[(reader.GetString(0), reader.GetString(1))] = (reader.GetInt32(2), reader.GetString(3));
        }
        var archived = await archive.LatestSkillVersionsAsync(owner, ct);

        var missing = new List<MirrorPath>();
        var extra = new List<MirrorPath>();
        var mismatched = new List<MirrorMismatch>();
        int missingCount = 0, extraCount = 0, mismatchedCount = 0, inSync = 0;
        var seen = new HashSet<(string, string)>();
        foreach (var head in archived)
        {
            var key = (head.Owner, head.Path);
            seen.Add(key);
            if (!library.TryGetValue(key, out var current))
            {
                if (extraCount++ < ListCap) extra.Add(new MirrorPath(head.Owner, head.Path, head.Version, head.Sha256));
            }
            else if (!string.Equals(current.Sha, head.Sha256, StringComparison.Ordinal))
            {
                if (mismatchedCount++ < ListCap) mismatched.Add(new MirrorMismatch(head.Owner, head.Path, current.Version, current.Sha, head.Version, head.Sha256));
            }
            else inSync++;
        }
        foreach (var ((fileOwner, path), current) in library)
        {
            if (seen.Contains((fileOwner, path))) continue;
            if (missingCount++ < ListCap) missing.Add(new MirrorPath(fileOwner, path, current.Version, current.Sha));
        }
        var denominator = library.Count + extraCount;
        var percent = denominator == 0 ? 100.0 : Math.Round(100.0 * inSync / denominator, 2);
        return new MirrorReport(library.Count, archived.Count, inSync, missingCount, extraCount, mismatchedCount, percent,
            missing.OrderBy(m => m.Path, StringComparer.Ordinal).ToList(), extra.OrderBy(m => m.Path, StringComparer.Ordinal).ToList(),
            mismatched.OrderBy(m => m.Path, StringComparer.Ordinal).ToList(), missingCount > ListCap || extraCount > ListCap || mismatchedCount > ListCap);
    }
}
