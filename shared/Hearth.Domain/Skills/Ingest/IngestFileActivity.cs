using System.Text.Json;
using Hearth.Durable;
using Hearth.Durable.Jobs;
using Microsoft.DurableTask;
using Hearth.Skills.Splitting;
using Npgsql;
using NpgsqlTypes;

namespace Hearth.Skills.Ingest;

/// <summary>
/// Stores one file of a run: splits the uploaded bytes and writes the version, and records the outcome on the run's
/// file row in the same transaction. Idempotent: a retried or rescued attempt finds the row already settled and
/// returns its outcome; the version writer's per-file lock and hash check mean it can never write a version (or its
/// sections) twice. On the last attempt, a failure is recorded on the row with its reason before it is rethrown.
/// Round trips: one read (the row, whether the bytes changed, and the bytes when they did), then for a changed file
/// lock-and-read, the inserts with the row's update, and the commit.
/// </summary>
public sealed class IngestFileActivity(NpgsqlDataSource db, SkillVersionWriter writer, TimeProvider time)
    : TaskActivity<IngestFileInput, IngestFileResult>
{
    public override async Task<IngestFileResult> RunAsync(TaskActivityContext context, IngestFileInput input)
    {
        var ct = CancellationToken.None;
        var row = await ReadAsync(input, ct) ?? throw new PermanentJobFailureException($"Run {input.RunId} has no file {input.Ord}.");
        if (row.Status != "pending") return new IngestFileResult(row.Status, row.Sections ?? 0);
        try
        {
            if (row.UnchangedSections is { } sections)
            {
                // The bytes are already the file's current version (a library pushed again): nothing to split or write.
                await using var update = db.CreateCommand(RecordSql);
                update.Parameters.AddRange(RecordParameters(input, "unchanged", sections, [], input.Attempt));
                await update.ExecuteNonQueryAsync(ct);
                return new IngestFileResult("unchanged", sections);
            }
            if (row.Content is null) throw new PermanentJobFailureException($"The bytes of '{row.Path}' are missing (blob {row.Sha256}).");
            return await StoreAsync(input, row, input.Attempt, ct);
        }
        catch (Exception e) when (input.IsLastAttempt && e is not OperationCanceledException)
        {
            await RecordFailureAsync(input, e.Message, input.Attempt);
            throw;
        }
    }

    private async Task<IngestFileResult> StoreAsync(IngestFileInput input, RunFileRow row, int attempt, CancellationToken ct)
    {
        var split = SkillSplitter.Split(row.Path, row.Content!);
        await using var tx = await db.BeginDurableAsync(ct);
        var outcome = await writer.WriteAsync(tx.Transaction, input.Owner, split, "ingest", input.RunId, blobStored: true, ct,
            alsoRun: o =>
            {
                var command = new NpgsqlBatchCommand(RecordSql);
                command.Parameters.AddRange(RecordParameters(input, Status(o.Change), o.File.Sections, split.Warnings, attempt));
                return command;
            },
            // An operating-system crash that loses this commit also loses the (later) record that the activity finished, so it runs again.
            asyncCommit: true);
        if (outcome.Change == FileChange.Unchanged)
        {
            // Another run stored the same bytes between our read and our lock.
            await using var update = new NpgsqlCommand(RecordSql, tx.Connection, tx.Transaction);
            update.Parameters.AddRange(RecordParameters(input, "unchanged", outcome.File.Sections, [], attempt));
            await update.ExecuteNonQueryAsync(ct);
        }
        await tx.CommitAsync(ct);
        return new IngestFileResult(Status(outcome.Change), outcome.File.Sections);
    }

    private static string Status(FileChange change) => change switch
    {
        FileChange.Created => "created",
        FileChange.Updated => "updated",
        _ => "unchanged",
    };

    /// <summary>Settles the run's file row (only while it is pending: a second attempt changes nothing).</summary>
    private const string RecordSql = """
        update skills.run_files r
           set status = $3, file_id = f.id, version = f.version, sections = $4, attempts = $5, warnings = $6::jsonb, finished_at = $7
          from skills.files f
         where r.run_id = $1 and r.ord = $2 and r.status = 'pending' and f.owner_id = r.owner_id and f.path = r.path
        """;

    private NpgsqlParameter[] RecordParameters(IngestFileInput input, string status, int sections, IReadOnlyList<string> warnings, int attempt) =>
    [
        new() { Value = input.RunId },
        new() { Value = input.Ord },
        new() { Value = status },
        new() { Value = sections },
        new() { Value = attempt },
        new() { Value = warnings.Count == 0 ? DBNull.Value : JsonSerializer.Serialize(warnings), NpgsqlDbType = NpgsqlDbType.Text },
        new() { Value = time.GetUtcNow() },
    ];

    private async Task<RunFileRow?> ReadAsync(IngestFileInput input, CancellationToken ct)
    {
        await using var command = db.CreateCommand("""
            select r.path, r.sha256, r.status, r.sections,
                   case when f.sha256 = r.sha256 then f.section_count end,
                   case when r.status = 'pending' and f.sha256 is distinct from r.sha256 then b.content end
            from skills.run_files r
            left join skills.files f on f.owner_id = r.owner_id and f.path = r.path
            left join skills.blobs b on b.owner_id = r.owner_id and b.sha256 = r.sha256
            where r.run_id = $1 and r.ord = $2 and r.owner_id = $3::uuid
            """);
        command.Parameters.Add(new() { Value = input.RunId });
        command.Parameters.Add(new() { Value = input.Ord });
        command.Parameters.Add(new() { Value = input.Owner });
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) return null;
        return new RunFileRow(reader.GetString(0), reader.GetString(1), reader.GetString(2),
            reader.IsDBNull(3) ? null : reader.GetInt32(3), reader.IsDBNull(4) ? null : reader.GetInt32(4),
            reader.IsDBNull(5) ? null : reader.GetFieldValue<byte[]>(5));
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

    private sealed record RunFileRow(string Path, string Sha256, string Status, int? Sections, int? UnchangedSections, byte[]? Content);
}
