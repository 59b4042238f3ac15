using System.Text.Json;
using Hearth.Durable.Jobs;
using Hearth.Skills.Splitting;
using Npgsql;

namespace Hearth.Skills.Ingest;

/// <summary>
/// Stores one file of a run: splits the uploaded bytes and writes the version, and records the outcome on the run's
/// file row in the same transaction. Idempotent: a retried or rescued attempt finds the row already settled and
/// returns its outcome; the version writer's per-file lock and hash check mean it can never write a version (or its
/// sections) twice. On the last attempt, a failure is recorded on the row with its reason before it is rethrown.
/// </summary>
public sealed class IngestFileActivity(NpgsqlDataSource db, SkillVersionWriter writer, ISkillIngestFaults faults, TimeProvider time)
    : IActivity<IngestFileInput, IngestFileResult>
{
    public async Task<IngestFileResult> RunAsync(IngestFileInput input, JobContext context, CancellationToken ct)
    {
        var row = await ReadRowAsync(input, ct)
            ?? throw new PermanentJobFailureException($"Run {input.RunId} has no file {input.Ord}.");
        if (row.Status != "pending") return new IngestFileResult(row.Status, row.Sections ?? 0);
        try
        {
            await faults.BeforeIngestAsync(input.RunId, row.Path, context.Attempt, ct);
            return await StoreAsync(input, row, context.Attempt, ct);
        }
        catch (Exception e) when (context.IsLastAttempt && e is not OperationCanceledException)
        {
            await RecordFailureAsync(input, e.Message, context.Attempt);
            throw;
        }
    }

    private async Task<IngestFileResult> StoreAsync(IngestFileInput input, RunFileRow row, int attempt, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);

        // Unchanged bytes (the common case when a library is pushed again): no blob read, no split.
        int? unchangedSections = null;
        byte[]? content = null;
        await using (var read = new NpgsqlCommand("""
            select f.sha256, f.section_count, case when f.sha256 is distinct from @sha then b.content end
            from skills.blobs b left join skills.files f on f.id = @file
            where b.owner = @owner and b.sha256 = @sha
            """, connection, tx))
        {
            read.Parameters.AddWithValue("file", SkillIds.File(input.Owner, row.Path));
            read.Parameters.AddWithValue("owner", input.Owner);
            read.Parameters.AddWithValue("sha", row.Sha256);
            await using var reader = await read.ExecuteReaderAsync(ct);
            if (!await reader.ReadAsync(ct)) throw new PermanentJobFailureException($"The bytes of '{row.Path}' are missing (blob {row.Sha256}).");
            if (!reader.IsDBNull(2)) content = reader.GetFieldValue<byte[]>(2);
            else unchangedSections = reader.GetInt32(1);
        }

        string status;
        int sections;
        var fileId = SkillIds.File(input.Owner, row.Path);
        int? version = null;
        IReadOnlyList<string> warnings = [];
        if (content is null)
        {
            (status, sections) = ("unchanged", unchangedSections!.Value);
        }
        else
        {
            var split = SkillSplitter.Split(row.Path, content!);
            var outcome = await writer.WriteAsync(tx, input.Owner, split, "ingest", input.RunId, blobStored: true, ct);
            status = outcome.Change switch { FileChange.Created => "created", FileChange.Updated => "updated", _ => "unchanged" };
            (sections, version, warnings) = (outcome.File.Sections, outcome.File.Version, split.Warnings);
        }

        await using (var update = new NpgsqlCommand("""
            update skills.run_files
               set status = @status, file_id = @file, version = coalesce(@version, (select version from skills.files where id = @file)),
                   sections = @sections, attempts = @attempt, warnings = @warnings::jsonb, finished_at = @now
             where run_id = @run and ord = @ord and status = 'pending'
            """, connection, tx))
        {
            update.Parameters.AddWithValue("status", status);
            update.Parameters.AddWithValue("file", fileId);
            update.Parameters.Add(new NpgsqlParameter("version", NpgsqlTypes.NpgsqlDbType.Integer) { Value = version is { } v ? v : DBNull.Value });
            update.Parameters.AddWithValue("sections", sections);
            update.Parameters.AddWithValue("attempt", attempt);
            update.Parameters.Add(new NpgsqlParameter("warnings", NpgsqlTypes.NpgsqlDbType.Text) { Value = warnings.Count == 0 ? DBNull.Value : JsonSerializer.Serialize(warnings) });
            update.Parameters.AddWithValue("now", time.GetUtcNow());
            update.Parameters.AddWithValue("run", input.RunId);
            update.Parameters.AddWithValue("ord", input.Ord);
            await update.ExecuteNonQueryAsync(ct);
        }
        await tx.CommitAsync(ct);
        return new IngestFileResult(status, sections);
    }

    private async Task<RunFileRow?> ReadRowAsync(IngestFileInput input, CancellationToken ct)
    {
        await using var command = db.CreateCommand("select path, sha256, length, status, sections from skills.run_files where run_id = $1 and ord = $2 and owner = $3");
        command.Parameters.Add(new() { Value = input.RunId });
        command.Parameters.Add(new() { Value = input.Ord });
        command.Parameters.Add(new() { Value = input.Owner });
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) return null;
        return new RunFileRow(reader.GetString(0), reader.GetString(1), reader.GetInt32(2), reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetInt32(4));
    }

    private async Task RecordFailureAsync(IngestFileInput input, string error, int attempt)
    {
        // Not the job's token: the failure must be recorded even when the attempt was cancelled by a timeout.
        await using var command = db.CreateCommand("""
            update skills.run_files set status = 'failed', error = $3, attempts = $4, finished_at = $5
            where run_id = $1 and ord = $2 and status = 'pending'
            """);
        command.Parameters.Add(new() { Value = input.RunId });
        command.Parameters.Add(new() { Value = input.Ord });
        command.Parameters.Add(new() { Value = error.Length <= 2000 ? error : error[..2000] });
        command.Parameters.Add(new() { Value = attempt });
        command.Parameters.Add(new() { Value = time.GetUtcNow() });
        await command.ExecuteNonQueryAsync(CancellationToken.None);
    }

    private sealed record RunFileRow(string Path, string Sha256, int Length, string Status, int? Sections);
}
