using Hearth.Skills.Splitting;
using Npgsql;
using NpgsqlTypes;

namespace Hearth.Skills.Checkout;

/// <summary>A file or section written to the checkout folder.</summary>
/// <param name="SectionId">Set when one section was checked out (its bytes alone are in the file).</param>
/// <param name="BaseVersion">The file version the bytes were taken from.</param>
/// <param name="WrittenSha256">SHA-256 of the bytes written.</param>
/// <param name="Status">active, checked_in or replaced.</param>
/// <param name="LocalPath">Where the copy is inside the host's checkout folder (<c>&lt;owner&gt;/&lt;path&gt;</c>, relative: server paths are never shown).</param>
/// <param name="Modified">Whether the copy on disk differs from what was written (active checkouts; null when unknown).</param>
public sealed record CheckoutInfo(
    string Id,
    string Path,
    string FileId,
    string? SectionId,
    int BaseVersion,
    string WrittenSha256,
    string Status,
    string LocalPath,
    DateTimeOffset CreatedAt,
    DateTimeOffset? ClosedAt,
    int? CheckedInVersion,
    bool? Modified);

/// <summary>The checkout after a checkin, and the file as stored.</summary>
public sealed record CheckinResult(CheckoutInfo Checkout, StoredFile File);

/// <summary>
/// Checkout and checkin. Checking out a file writes its current bytes to <c>&lt;root&gt;/&lt;owner&gt;/&lt;path&gt;</c>;
/// checking out a section writes that section's bytes alone to the same place. Checking in reads the copy back: a
/// file becomes a new version as it is; a section is spliced back into the file (every other byte as it was) and the
/// result becomes a new version. One checkout per path is active at a time. Nothing is overwritten that the library
/// does not already hold (bytes on disk that match no version are refused unless forced), and a checkin never
/// silently undoes a change made in the library since the checkout (409 unless forced).
/// </summary>
public sealed class SkillCheckouts(NpgsqlDataSource db, SkillLibrary library, CheckoutFolder folder, int maxFileBytes, TimeProvider time)
{
    public string Root => folder.Root;

    public async Task<CheckoutInfo?> CheckoutFileAsync(string owner, string fileId, bool force, CancellationToken ct)
    {
        var raw = await library.RawAsync(owner, fileId, null, ct);
        if (raw is null) return null;
        return await WriteAsync(owner, raw.Path, raw.FileId, null, raw.Version, raw.Content, force, ct);
    }

    public async Task<CheckoutInfo?> CheckoutSectionAsync(string owner, string sectionId, bool force, CancellationToken ct)
    {
        var read = await library.GetSectionAsync(owner, sectionId, withChildren: false, ct);
        if (read is null) return null;
        return await WriteAsync(owner, read.Section.Path, read.Section.FileId, read.Section.Id, read.Section.Version, read.Content, force, ct);
    }

    private async Task<CheckoutInfo> WriteAsync(string owner, string path, string fileId, string? sectionId, int version, byte[] content, bool force, CancellationToken ct)
    {
        var sha = SkillSplitter.Sha256Hex(content);
        var onDisk = await folder.HashAsync(owner, path, maxFileBytes, ct);
        if (onDisk is not null && onDisk != sha && !force && !await KnownAsync(owner, fileId, onDisk, ct))
            throw new SkillConflictException($"{folder.RelativePathOf(owner, path)} holds edits the library does not have; check them in first, or force the checkout to overwrite them.");
        await folder.WriteAsync(owner, path, content, ct);

        var id = Guid.CreateVersion7().ToString("N");
        var now = time.GetUtcNow();
        await using var batch = db.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand("update skills.checkouts set status = 'replaced', closed_at = $3 where owner_id = $1::uuid and path = $2 and status = 'active'")
            { Parameters = { new() { Value = owner }, new() { Value = path }, new() { Value = now } } });
        batch.BatchCommands.Add(new NpgsqlBatchCommand("""
            insert into skills.checkouts (id, owner_id, path, file_id, section_id, base_version, written_sha256, status, created_at)
            values ($1, $2::uuid, $3, $4, $5, $6, $7, 'active', $8)
            """)
        {
            Parameters =
            {
                new() { Value = id }, new() { Value = owner }, new() { Value = path }, new() { Value = fileId },
                new() { Value = (object?)sectionId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text }, new() { Value = version },
                new() { Value = sha }, new() { Value = now },
            },
        });
        await batch.ExecuteNonQueryAsync(ct); // a batch is one implicit transaction
        return new CheckoutInfo(id, path, fileId, sectionId, version, sha, "active", folder.RelativePathOf(owner, path), now, null, null, false);
    }

    /// <summary>True when the library already holds these bytes as a version of the file or as a section of it (overwriting loses nothing).</summary>
    private async Task<bool> KnownAsync(string owner, string fileId, string sha, CancellationToken ct)
    {
        await using var command = db.CreateCommand("""
            select exists(select 1 from skills.versions where file_id = $1 and owner_id = $2::uuid and sha256 = $3)
                or exists(select 1 from skills.sections where file_id = $1 and owner_id = $2::uuid and sha256 = $3)
            """);
        command.Parameters.Add(new() { Value = fileId });
        command.Parameters.Add(new() { Value = owner });
        command.Parameters.Add(new() { Value = sha });
        return (bool)(await command.ExecuteScalarAsync(ct))!;
    }

    /// <summary>
    /// Reads back the active checkout named by <paramref name="checkoutIdOrPath"/> (its id, its library path, or the full
    /// path of the copy) and stores it as a new version. Null when there is no such active checkout.
    /// </summary>
    public async Task<CheckinResult?> CheckinAsync(string owner, string checkoutIdOrPath, bool force, CancellationToken ct)
    {
        var checkout = await FindActiveAsync(owner, checkoutIdOrPath, ct);
        if (checkout is null) return null;
        var bytes = await folder.ReadAsync(owner, checkout.Path, maxFileBytes, ct)
            ?? throw new SkillConflictException($"{checkout.LocalPath} is gone; check the file or section out again.");
        var current = await library.FindAsync(owner, checkout.FileId, ct)
            ?? throw new SkillConflictException($"{checkout.Path} is no longer in the library.");

        StoredFile stored;
        if (SkillSplitter.Sha256Hex(bytes) == checkout.WrittenSha256)
            stored = new StoredFile(current, FileChange.Unchanged, []); // not edited: nothing to store, and nothing to undo
        else if (checkout.SectionId is null)
        {
            if (current.Version != checkout.BaseVersion && !force && current.Sha256 != SkillSplitter.Sha256Hex(bytes))
                throw new SkillConflictException($"{checkout.Path} changed in the library since it was checked out (version {checkout.BaseVersion} → {current.Version}); check it out again, or force the checkin to replace that change.");
            stored = await library.StoreAsync(owner, SkillSplitter.Split(checkout.Path, bytes), "checkin", ct);
        }
        else
        {
            var section = await library.GetSectionAsync(owner, checkout.SectionId, withChildren: false, ct)
                ?? throw new SkillConflictException($"The checked-out section is no longer in {checkout.Path} (its heading or place changed); check it out again.");
            if (section.Section.Sha256 != checkout.WrittenSha256 && !force)
                throw new SkillConflictException($"Section '{section.Section.Title}' of {checkout.Path} changed in the library since it was checked out; check it out again, or force the checkin to replace that change.");
            stored = await library.ReplaceSectionAsync(owner, checkout.SectionId, bytes, expectedSha256: null, "checkin", ct)
                ?? throw new SkillConflictException($"The checked-out section is no longer in {checkout.Path}; check it out again.");
        }

        var now = time.GetUtcNow();
        await using (var command = db.CreateCommand("update skills.checkouts set status = 'checked_in', closed_at = $3, checked_in_version = $4 where id = $1 and owner_id = $2::uuid and status = 'active'"))
        {
            command.Parameters.Add(new() { Value = checkout.Id });
            command.Parameters.Add(new() { Value = owner });
            command.Parameters.Add(new() { Value = now });
            command.Parameters.Add(new() { Value = stored.File.Version });
            await command.ExecuteNonQueryAsync(ct);
        }
        return new CheckinResult(checkout with { Status = "checked_in", ClosedAt = now, CheckedInVersion = stored.File.Version, Modified = null }, stored);
    }

    /// <summary>The owner's checkouts, newest first (active ones only unless <paramref name="all"/>), with whether each active copy was edited.</summary>
    public async Task<IReadOnlyList<CheckoutInfo>> ListAsync(string owner, bool all, CancellationToken ct)
    {
        var list = await QueryAsync(owner, all ? "true" : "status = 'active'", [], 200, ct);
        var result = new List<CheckoutInfo>(list.Count);
        foreach (var checkout in list)
        {
            bool? modified = null;
            if (checkout.Status == "active")
            {
                try { modified = await folder.HashAsync(owner, checkout.Path, maxFileBytes, ct) is { } sha ? sha != checkout.WrittenSha256 : null; }
                catch (CheckoutRefusedException) { modified = null; }
            }
            result.Add(checkout with { Modified = modified });
        }
        return result;
    }

    private async Task<CheckoutInfo?> FindActiveAsync(string owner, string checkoutIdOrPath, CancellationToken ct)
    {
        var byId = await QueryAsync(owner, "status = 'active' and id = $2", [checkoutIdOrPath], 1, ct);
        if (byId.Count > 0) return byId[0];
        var path = folder.LibraryPathOf(owner, checkoutIdOrPath) is { } inFolder && System.IO.Path.IsPathRooted(checkoutIdOrPath) ? inFolder
            : checkoutIdOrPath.StartsWith(owner + "/", StringComparison.Ordinal) ? checkoutIdOrPath[(owner.Length + 1)..]   // a localPath as answered
            : checkoutIdOrPath;
        if (!SkillPath.TryNormalize(path, out var normalized, out _)) return null;
        var byPath = await QueryAsync(owner, "status = 'active' and path = $2", [normalized], 1, ct);
        return byPath.Count > 0 ? byPath[0] : null;
    }

    private async Task<List<CheckoutInfo>> QueryAsync(string owner, string where, object[] values, int limit, CancellationToken ct)
    {
        await using var command = db.CreateCommand($"""
            select id, path, file_id, section_id, base_version, written_sha256, status, created_at, closed_at, checked_in_version
            from skills.checkouts where owner_id = $1::uuid and {where} order by created_at desc limit {limit}
            """);
        command.Parameters.Add(new() { Value = owner });
        foreach (var value in values) command.Parameters.Add(new() { Value = value });
        var list = new List<CheckoutInfo>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var path = reader.GetString(1);
            list.Add(new CheckoutInfo(reader.GetString(0), path, reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3),
                reader.GetInt32(4), reader.GetString(5), reader.GetString(6), folder.RelativePathOf(owner, path), reader.GetFieldValue<DateTimeOffset>(7),
                reader.IsDBNull(8) ? null : reader.GetFieldValue<DateTimeOffset>(8), reader.IsDBNull(9) ? null : reader.GetInt32(9), null));
        }
        return list;
    }
}
