using System.Text.Json;
using Hearth.Durable;
using Hearth.Durable.Jobs;
using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Hearth.Skills.Ingest;

/// <summary>
/// The end of a run: records failures the file activities could not record themselves, queues index jobs for slices
/// whose indexing failed, mirrors the run's new versions to the archive and verifies it (when a mirror is configured),
/// and writes the report. Idempotent: a second run of it writes the same report.
/// </summary>
public sealed class FinishRunActivity(NpgsqlDataSource db, SkillMirror mirror, IJobClient jobs, TimeProvider time, ILogger<FinishRunActivity> logger)
    : TaskActivity<FinishRunInput, IngestReport>
{
    public override async Task<IngestReport> RunAsync(TaskActivityContext context, FinishRunInput input)
    {
        var ct = CancellationToken.None;
        await RecordFailuresAsync(input, ct);
        var indexErrors = new List<string>();
        foreach (var failed in input.IndexFailures)
        {
            var files = await IndexRunActivity.UnindexedFilesAsync(db, input.RunId, input.Owner, failed.From, failed.To, ct);
            if (files.Count > 0)
                await jobs.EnqueueAsync(SkillQueues.Index, new SkillIndexRequested(input.Owner, files), new EnqueueOptions { Owner = input.Owner }, ct: ct);
            indexErrors.Add($"Indexing files {failed.From}-{failed.To - 1} failed ({failed.Error}); {files.Count} not searchable yet, queued to try again.");
        }

        MirrorReport? mirrorReport = null;
        string? mirrorError = null;
        if (mirror.IsEnabled)
        {
            try
            {
                await mirror.MirrorRunAsync(input.Owner, input.RunId, ct);
                mirrorReport = await mirror.VerifyAsync(input.Owner, ct);
            }
            catch (Exception e) when (input.IsLastAttempt && e is not OperationCanceledException)
            {
                // The archive is down: the run's files are stored all the same, and each one's sync message will mirror it later.
                mirrorError = $"The archive could not be updated or verified: {e.Message}";
            }
        }

        var report = await BuildReportAsync(input, indexErrors, mirrorReport, mirrorError, ct);
        if (report.Created + report.Updated >= AnalyzeAfter) await AnalyzeAsync(ct);
        await using var command = db.CreateCommand("""
            update skills.runs set status = $5, finished_at = coalesce(finished_at, $3), report = $4::jsonb
            where id = $1 and owner_id = $2::uuid
            """);
        command.Parameters.Add(new() { Value = input.RunId });
        command.Parameters.Add(new() { Value = input.Owner });
        command.Parameters.Add(new() { Value = report.FinishedAt });
        command.Parameters.Add(new() { Value = JsonSerializer.Serialize(report, DurableJson.Options) });
        command.Parameters.Add(new() { Value = report.Status });
        await command.ExecuteNonQueryAsync(ct);
        logger.LogInformation("Skill ingest run {RunId} {Status}: {Ingested}/{Total} files, {Sections} sections, {Failed} failed, {Problems} problems in {Seconds:F1} s",
            input.RunId, report.Status, report.Ingested, report.Total, report.Sections, report.Failed, report.Problems.Count, report.Seconds);
        return report;
    }

    /// <summary>Runs that wrote at least this many files refresh the planner's statistics of the tables they filled.</summary>
    public const int AnalyzeAfter = 200;

    /// <summary>
    /// A bulk load leaves the tables it filled without statistics until autovacuum gets to them (a minute or more);
    /// meanwhile the planner can choose sequential scans for the lookups searches and reads make (measured: search's
    /// hit fetch took 19 ms instead of 0.7 ms right after the 1,367-file run). ANALYZE samples, so it costs well
    /// under a second even for large tables.
    /// </summary>
    private async Task AnalyzeAsync(CancellationToken ct)
    {
        await using var command = db.CreateCommand("""
            select string_agg(t, ', ') from unnest(array['skills.blobs', 'skills.files', 'skills.versions', 'skills.sections', 'skills.run_files', 'search.documents']) as t
            where to_regclass(t) is not null
            """);
        var tables = await command.ExecuteScalarAsync(ct) as string;
        if (string.IsNullOrEmpty(tables)) return;
        await using var analyze = db.CreateCommand($"analyze {tables}");
        await analyze.ExecuteNonQueryAsync(ct);
    }

    private async Task RecordFailuresAsync(FinishRunInput input, CancellationToken ct)
    {
        if (input.Failures.Count == 0) return;
        await using var command = db.CreateCommand("""
            update skills.run_files r set status = 'failed', error = f.error, attempts = greatest(r.attempts, f.attempts), finished_at = $5
            from unnest($2::int[], $3::text[], $4::int[]) as f(ord, error, attempts)
            where r.run_id = $1 and r.ord = f.ord and r.status = 'pending'
            """);
        command.Parameters.Add(new() { Value = input.RunId });
        command.Parameters.Add(new() { Value = input.Failures.Select(f => f.Ord).ToArray() });
        command.Parameters.Add(new() { Value = input.Failures.Select(f => f.Error).ToArray() });
        command.Parameters.Add(new() { Value = input.Failures.Select(f => f.Attempts).ToArray() });
        command.Parameters.Add(new() { Value = time.GetUtcNow() });
        await command.ExecuteNonQueryAsync(ct);
    }

    private async Task<IngestReport> BuildReportAsync(FinishRunInput input, IReadOnlyList<string> indexErrors, MirrorReport? mirrorReport, string? mirrorError, CancellationToken ct)
    {
        await using var batch = db.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand("select created_at, finished_at from skills.runs where id = $1 and owner_id = $2::uuid")
            { Parameters = { new() { Value = input.RunId }, new() { Value = input.Owner } } });
        batch.BatchCommands.Add(new NpgsqlBatchCommand("""
            select r.status, r.path, coalesce(r.sections, 0), r.length, r.attempts, r.error, r.warnings::text, r.ord,
                   f.format, f.indexed_version is not distinct from f.version, f.index_error
            from skills.run_files r left join skills.files f on f.id = r.file_id
            where r.run_id = $1 and r.owner_id = $2::uuid order by r.ord
            """) { Parameters = { new() { Value = input.RunId }, new() { Value = input.Owner } } });
        await using var reader = await batch.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) throw new PermanentJobFailureException($"Run {input.RunId} does not exist.");
        var startedAt = reader.GetFieldValue<DateTimeOffset>(0);
        var finishedAt = reader.IsDBNull(1) ? time.GetUtcNow() : reader.GetFieldValue<DateTimeOffset>(1);
        await reader.NextResultAsync(ct);

        int total = 0, created = 0, updated = 0, unchanged = 0, failed = 0, sections = 0, retried = 0;
        long bytes = 0;
        var failures = new List<IngestFileFailure>();
        var warnings = new List<IngestFileWarning>();
        var problems = new List<IngestProblem>();
        var binary = new List<string>();
        while (await reader.ReadAsync(ct))
        {
            total++;
            var status = reader.GetString(0);
            var path = reader.GetString(1);
            switch (status)
            {
                case "created": created++; break;
                case "updated": updated++; break;
                case "unchanged": unchanged++; break;
                case "failed": failed++; break;
            }
            if (status != "failed") sections += reader.GetInt32(2);
            bytes += reader.GetInt32(3);
            if (reader.GetInt32(4) > 1) retried++;
            if (status == "failed")
            {
                var error = reader.IsDBNull(5) ? "failed" : reader.GetString(5);
                failures.Add(new IngestFileFailure(path, error, reader.GetInt32(4)));
                problems.Add(new IngestProblem(path, IngestProblems.NotStored, error));
            }
            if (!reader.IsDBNull(6)) warnings.Add(new IngestFileWarning(path, JsonSerializer.Deserialize<string[]>(reader.GetString(6)) ?? []));
            if (status != "failed" && !reader.IsDBNull(8))
            {
                if (reader.GetString(8) == "binary")
                    binary.Add(path);
                else if (!reader.GetBoolean(9))
                    problems.Add(new IngestProblem(path, IngestProblems.NotSearchable, NotSearchableReason(input, reader.GetInt32(7), reader.IsDBNull(10) ? null : reader.GetString(10))));
            }
        }
        IngestPhaseTimes? phases = input is { StartedAt: { } s, IndexingAt: { } i, FinishingAt: { } f }
            ? new IngestPhaseTimes(Math.Round((i - s).TotalSeconds, 3), Math.Round((f - i).TotalSeconds, 3), Math.Round((finishedAt - f).TotalSeconds, 3))
            : null;
        return new IngestReport(input.RunId, problems.Count == 0 ? IngestRunStatuses.Completed : IngestRunStatuses.CompletedWithProblems,
            total, created + updated + unchanged, created, updated, unchanged, failed,
            sections, bytes, retried, failures, warnings, indexErrors, startedAt, finishedAt,
            Math.Round((finishedAt - startedAt).TotalSeconds, 3), phases, mirrorReport, mirrorError)
        {
            Problems = problems,
            Binary = binary,
        };
    }

    /// <summary>Why a stored file is not searchable: the indexer's reason, else its slice's failure, else that indexing did not reach it.</summary>
    private static string NotSearchableReason(FinishRunInput input, int ord, string? indexError)
    {
        if (indexError is not null) return $"Not searchable: {indexError}";
        var slice = input.IndexFailures.FirstOrDefault(f => ord >= f.From && ord < f.To);
        return slice is not null
            ? $"Not searchable yet: indexing its slice failed ({slice.Error}); queued to try again."
            : "Not searchable: indexing did not reach this version (it changed during the run, or indexing was interrupted); pushing the file again indexes it.";
    }
}
