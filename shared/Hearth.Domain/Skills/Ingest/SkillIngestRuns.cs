using System.Text.Json;
using Hearth.Durable;
using Hearth.Durable.Orchestrations;
using Hearth.Skills.Splitting;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace Hearth.Skills.Ingest;

/// <summary>
/// Starts bulk ingest runs and reports on them. A run's uploaded bytes are stored as blobs in the request (content
/// addressed, so they are the very rows the versions will point to), with one row per file in <c>skills.run_files</c>,
/// and its orchestration is started in the same transaction: a run exists, with its files, if and only if the request
/// succeeded. Activities then split and store each file, a slice of the run is indexed per activity, and the last
/// activity writes the report.
/// </summary>
public sealed class SkillIngestRuns(NpgsqlDataSource db, IOrchestrationClient orchestrations, IOptions<SkillLibraryOptions> options, TimeProvider time)
{
    /// <summary>Stores the files' bytes and starts the run; returns its id.</summary>
    public async Task<string> StartAsync(string owner, IReadOnlyList<UploadedFile> files, string source, CancellationToken ct)
    {
        if (files.Count == 0) throw new ArgumentException("A run needs at least one file.", nameof(files));
        var runId = Guid.CreateVersion7().ToString("N");
        var now = time.GetUtcNow();
        var hashes = files.Select(f => SkillSplitter.Sha256Hex(f.Content)).ToArray();
        var blobs = files.Select((f, i) => (Sha: hashes[i], f.Content)).DistinctBy(b => b.Sha).ToList();

        await using var tx = await db.BeginDurableAsync(ct);
        await using (var batch = new NpgsqlBatch(tx.Connection, tx.Transaction))
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand("""
                insert into skills.runs (id, owner_id, status, total, source, created_at) values ($1, $2::uuid, 'running', $3, $4, $5)
                """) { Parameters = { new() { Value = runId }, new() { Value = owner }, new() { Value = files.Count }, new() { Value = source }, new() { Value = now } } });
            batch.BatchCommands.Add(new NpgsqlBatchCommand("""
                insert into skills.blobs (owner_id, sha256, length, content)
                select $1::uuid, b.sha256, octet_length(b.content), b.content from unnest($2::text[], $3::bytea[]) as b(sha256, content)
                on conflict (owner_id, sha256) do nothing
                """)
            {
                Parameters =
                {
                    new() { Value = owner },
                    new() { Value = blobs.Select(b => b.Sha).ToArray() },
                    new() { Value = blobs.Select(b => b.Content).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea },
                },
            });
            batch.BatchCommands.Add(new NpgsqlBatchCommand("""
                insert into skills.run_files (run_id, ord, owner_id, path, sha256, length)
                select $1, f.ord, $2::uuid, f.path, f.sha256, f.length from unnest($3::int[], $4::text[], $5::text[], $6::int[]) as f(ord, path, sha256, length)
                """)
            {
                Parameters =
                {
                    new() { Value = runId },
                    new() { Value = owner },
                    new() { Value = Enumerable.Range(0, files.Count).ToArray() },
                    new() { Value = files.Select(f => f.Path).ToArray() },
                    new() { Value = hashes },
                    new() { Value = files.Select(f => f.Content.Length).ToArray() },
                },
            });
            await batch.ExecuteNonQueryAsync(ct);
        }
        await orchestrations.StartAsync(nameof(SkillIngestOrchestration),
            new IngestRunInput(runId, owner, files.Count, options.Value.IngestParallelism, options.Value.IndexBatch, options.Value.FileRetry),
            new StartOptions { InstanceId = runId, Owner = owner }, tx.Transaction, ct);
        await tx.CommitAsync(ct);
        return runId;
    }

    /// <summary>A run's status for its owner (null when there is no such run for them); <paramref name="withFiles"/> lists every file.</summary>
    public async Task<IngestRunStatus?> GetAsync(string owner, string runId, bool withFiles, CancellationToken ct) =>
        runId.Length is 0 or > 64 ? null : (await LoadAsync(owner, [runId], withFiles, ct)).SingleOrDefault();

    /// <summary>The owner's most recent runs, newest first (without file lists), in one round trip for all of them.</summary>
    public async Task<IReadOnlyList<IngestRunStatus>> RecentAsync(string owner, int limit, CancellationToken ct)
    {
        var ids = new List<string>();
        await using (var command = db.CreateCommand("select id from skills.runs where owner_id = $1::uuid order by created_at desc limit $2"))
        {
            command.Parameters.Add(new() { Value = owner });
            command.Parameters.Add(new() { Value = limit });
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct)) ids.Add(reader.GetString(0));
        }
        return ids.Count == 0 ? [] : await LoadAsync(owner, [.. ids], withFiles: false, ct);
    }

    private sealed record StoredRun(string Id, string Status, int Total, string Source, DateTimeOffset CreatedAt, DateTimeOffset? FinishedAt, IngestReport? Report)
    {
        public Dictionary<string, (int Files, int Sections)> Counts { get; } = new(StringComparer.Ordinal);
        public List<IngestRunFile> Files { get; } = [];
    }

    /// <summary>The owner's runs of <paramref name="runIds"/>, in that order (absent ones left out).</summary>
    private async Task<IReadOnlyList<IngestRunStatus>> LoadAsync(string owner, string[] runIds, bool withFiles, CancellationToken ct)
    {
        await using var batch = db.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand("select id, status, total, source, created_at, finished_at, report::text from skills.runs where id = any($1) and owner_id = $2::uuid")
            { Parameters = { new() { Value = runIds }, new() { Value = owner } } });
        batch.BatchCommands.Add(new NpgsqlBatchCommand("select run_id, status, count(*)::int, coalesce(sum(sections), 0)::int from skills.run_files where run_id = any($1) and owner_id = $2::uuid group by run_id, status")
            { Parameters = { new() { Value = runIds }, new() { Value = owner } } });
        batch.BatchCommands.Add(new NpgsqlBatchCommand($"""
            select run_id, ord, path, status, file_id, version, sections, attempts, error from skills.run_files
            where run_id = any($1) and owner_id = $2::uuid {(withFiles ? "" : "and status = 'failed'")} order by run_id, ord
            """) { Parameters = { new() { Value = runIds }, new() { Value = owner } } });
        var runs = new Dictionary<string, StoredRun>(StringComparer.Ordinal);
        await using (var reader = await batch.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
                runs[reader.GetString(0)] = new StoredRun(reader.GetString(0), reader.GetString(1), reader.GetInt32(2), reader.GetString(3), reader.GetFieldValue<DateTimeOffset>(4),
                    reader.IsDBNull(5) ? null : reader.GetFieldValue<DateTimeOffset>(5),
                    reader.IsDBNull(6) ? null : JsonSerializer.Deserialize<IngestReport>(reader.GetString(6), DurableJson.Options));
            await reader.NextResultAsync(ct);
            while (await reader.ReadAsync(ct))
                if (runs.TryGetValue(reader.GetString(0), out var run)) run.Counts[reader.GetString(1)] = (reader.GetInt32(2), reader.GetInt32(3));
            await reader.NextResultAsync(ct);
            while (await reader.ReadAsync(ct))
                if (runs.TryGetValue(reader.GetString(0), out var run))
                    run.Files.Add(new IngestRunFile(reader.GetInt32(1), reader.GetString(2), reader.GetString(3),
                        reader.IsDBNull(4) ? null : reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetInt32(5),
                        reader.IsDBNull(6) ? null : reader.GetInt32(6), reader.GetInt32(7), reader.IsDBNull(8) ? null : reader.GetString(8)));
        }
        var statuses = new List<IngestRunStatus>(runs.Count);
        foreach (var id in runIds)
            if (runs.TryGetValue(id, out var run)) statuses.Add(await StatusAsync(owner, run, withFiles, ct));
        return statuses;
    }

    /// <summary>
    /// A stored run as its owner sees it: the orchestration's phase while it runs (or its failure), and only the
    /// problems that still hold.
    /// </summary>
    private async Task<IngestRunStatus> StatusAsync(string owner, StoredRun run, bool withFiles, CancellationToken ct)
    {
        var (runStatus, report) = (run.Status, run.Report);
        var finished = runStatus is IngestRunStatuses.Completed or IngestRunStatuses.CompletedWithProblems;
        var phase = IngestPhases.Done;
        string? error = null;
        if (!finished)
        {
            var instance = await orchestrations.GetAsync(run.Id, owner, ct);
            phase = instance?.CustomStatus is { } custom && custom.TryGetProperty("phase", out var p) ? p.GetString() ?? IngestPhases.Ingesting : IngestPhases.Ingesting;
            if (instance?.Status is OrchestrationRuntimeStatus.Failed or OrchestrationRuntimeStatus.Terminated)
            {
                runStatus = "failed";
                error = instance.Error ?? $"The run was {instance.Status.ToString().ToLowerInvariant()}.";
            }
        }

        // A file the run could not index may have been indexed since (the queued index job, a later push): the run's
        // problems are what is still true now.
        if (report is { Problems.Count: > 0 })
        {
            var problems = await StillTrueAsync(owner, report.Problems, ct);
            if (problems.Count != report.Problems.Count)
            {
                report = report with { Status = problems.Count == 0 ? IngestRunStatuses.Completed : report.Status, Problems = problems };
                if (problems.Count == 0) runStatus = IngestRunStatuses.Completed;
            }
        }

        int Count(string status) => run.Counts.TryGetValue(status, out var c) ? c.Files : 0;
        var sections = run.Counts.Where(c => c.Key is "created" or "updated" or "unchanged").Sum(c => c.Value.Sections);
        var failures = run.Files.Where(f => f.Status == "failed").Select(f => new IngestFileFailure(f.Path, f.Error ?? "failed", f.Attempts)).ToList();
        return new IngestRunStatus(run.Id, runStatus, phase, run.Source, run.Total,
            Count("created") + Count("updated") + Count("unchanged"), Count("failed"), Count("pending"),
            Count("created"), Count("updated"), Count("unchanged"), sections, run.CreatedAt, run.FinishedAt, failures,
            withFiles ? run.Files : null, report, error)
        {
            Problems = report?.Problems ?? [],
        };
    }

    /// <summary>The problems that still hold: a not-searchable file whose current version is now indexed is no longer one.</summary>
    private async Task<IReadOnlyList<IngestProblem>> StillTrueAsync(string owner, IReadOnlyList<IngestProblem> problems, CancellationToken ct)
    {
        var paths = problems.Where(p => p.Problem == IngestProblems.NotSearchable).Select(p => p.Path).ToArray();
        if (paths.Length == 0) return problems;
        await using var command = db.CreateCommand("select path from skills.files where owner_id = $1::uuid and path = any($2) and indexed_version = version");
        command.Parameters.Add(new() { Value = owner });
        command.Parameters.Add(new() { Value = paths });
        var searchable = new HashSet<string>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) searchable.Add(reader.GetString(0));
        return problems.Where(p => p.Problem != IngestProblems.NotSearchable || !searchable.Contains(p.Path)).ToList();
    }
}
