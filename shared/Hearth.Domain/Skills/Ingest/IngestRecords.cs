namespace Hearth.Skills.Ingest;

/// <summary>Input of a bulk ingest run's orchestration (the files wait in <c>skills.run_files</c>, not here).</summary>
/// <param name="Parallelism">File activities in flight at once.</param>
/// <param name="IndexBatch">Files per search-indexing activity.</param>
/// <param name="FileRetry">Retry policy of each file's activity.</param>
public sealed record IngestRunInput(string RunId, string Owner, int Total, int Parallelism, int IndexBatch, Hearth.Durable.RetryPolicy FileRetry);

/// <summary>Seconds each phase of a run took: storing the files (indexing runs alongside), the indexing that remained after the last file was stored, finishing (mirror, report).</summary>
public sealed record IngestPhaseTimes(double Storing, double Indexing, double Finishing);

/// <summary>The phases a run goes through, as shown in its progress.</summary>
public static class IngestPhases
{
    public const string Ingesting = "ingesting";
    public const string Indexing = "indexing";
    public const string Finishing = "finishing";
    public const string Done = "done";
}

/// <summary>Progress, as the orchestration's custom status: <c>{ phase, total, done, failed, sections }</c>.</summary>
/// <param name="Done">Files stored (new, updated or unchanged).</param>
/// <param name="Failed">Files that failed every attempt.</param>
/// <param name="Sections">Sections of the stored files.</param>
public sealed record IngestProgress(string Phase, int Total, int Done, int Failed, int Sections);

/// <summary>A file that failed every attempt (by its position in the run).</summary>
public sealed record IngestFailure(int Ord, string Error, int Attempts);

/// <summary>A search-indexing slice that failed every attempt (its files get queued index jobs instead).</summary>
public sealed record IndexFailure(int From, int To, string Error);

/// <param name="Attempt">Which attempt this is (1-based); recorded on the file's row.</param>
/// <param name="IsLastAttempt">When this attempt fails, the file fails: the activity records why on the row.</param>
public sealed record IngestFileInput(string RunId, string Owner, int Ord, int Attempt = 1, bool IsLastAttempt = true);

/// <summary>What became of one file: created, updated or unchanged, and its section count.</summary>
public sealed record IngestFileResult(string Status, int Sections);

public sealed record IndexRunInput(string RunId, string Owner, int From, int To);

public sealed record FinishRunInput(
    string RunId,
    string Owner,
    IReadOnlyList<IngestFailure> Failures,
    IReadOnlyList<IndexFailure> IndexFailures,
    DateTimeOffset? StartedAt = null,
    DateTimeOffset? IndexingAt = null,
    DateTimeOffset? FinishingAt = null,
    int Attempt = 1,
    bool IsLastAttempt = true);

/// <summary>
/// The report of a finished run. <see cref="Ingested"/> = created + updated + unchanged; <see cref="Sections"/> counts the
/// sections of every ingested file; <see cref="Retried"/> counts files that needed more than one attempt.
/// </summary>
public sealed record IngestReport(
    string RunId,
    string Status,
    int Total,
    int Ingested,
    int Created,
    int Updated,
    int Unchanged,
    int Failed,
    int Sections,
    long Bytes,
    int Retried,
    IReadOnlyList<IngestFileFailure> Failures,
    IReadOnlyList<IngestFileWarning> Warnings,
    IReadOnlyList<string> IndexErrors,
    DateTimeOffset StartedAt,
    DateTimeOffset FinishedAt,
    double Seconds,
    IngestPhaseTimes? Phases,
    MirrorReport? Mirror,
    string? MirrorError)
{
    /// <summary>Every file that is not both stored and searchable, and why; empty exactly when <see cref="Status"/> is <c>completed</c>.</summary>
    public IReadOnlyList<IngestProblem> Problems { get; init; } = [];

    /// <summary>Paths of the binary files (images, fonts, PDFs, archives...): stored exactly and flagged, not searchable as text, not problems.</summary>
    public IReadOnlyList<string> Binary { get; init; } = [];
}

/// <summary>A file a run could not make both stored and searchable: <see cref="Problem"/> is <c>not_stored</c> or <c>not_searchable</c>.</summary>
public sealed record IngestProblem(string Path, string Problem, string Reason);

/// <summary>The kinds of <see cref="IngestProblem"/>.</summary>
public static class IngestProblems
{
    /// <summary>Every attempt to store the file failed.</summary>
    public const string NotStored = "not_stored";

    /// <summary>Stored, but the search index does not hold its current version.</summary>
    public const string NotSearchable = "not_searchable";
}

/// <summary>A run's status.</summary>
public static class IngestRunStatuses
{
    public const string Running = "running";
    /// <summary>Every file stored, every text file searchable.</summary>
    public const string Completed = "completed";
    /// <summary>Finished, but some files are not stored or not searchable: the report's <c>problems</c> says which and why.</summary>
    public const string CompletedWithProblems = "completed_with_problems";
    /// <summary>The run itself failed or was terminated.</summary>
    public const string Failed = "failed";
}

/// <summary>A file that could not be ingested, and why.</summary>
public sealed record IngestFileFailure(string Path, string Error, int Attempts);

/// <summary>A file ingested with warnings from the splitter (invalid UTF-8, invalid JSON...).</summary>
public sealed record IngestFileWarning(string Path, IReadOnlyList<string> Warnings);

/// <summary>One file of a run as the status shows it.</summary>
public sealed record IngestRunFile(int Ord, string Path, string Status, string? FileId, int? Version, int? Sections, int Attempts, string? Error);

/// <summary>A run as <c>GET /api/skills/runs/{id}</c> shows it: live counts while it runs, the report when it is done.</summary>
/// <param name="Status">running, completed (every file stored and every text file searchable), completed_with_problems (see the report's
/// problems), or failed (the run itself failed or was terminated; files failing do not fail a run).</param>
public sealed record IngestRunStatus(
    string Id,
    string Status,
    string Phase,
    string Source,
    int Total,
    int Done,
    int Failed,
    int Pending,
    int Created,
    int Updated,
    int Unchanged,
    int Sections,
    DateTimeOffset CreatedAt,
    DateTimeOffset? FinishedAt,
    IReadOnlyList<IngestFileFailure> Failures,
    IReadOnlyList<IngestRunFile>? Files,
    IngestReport? Report,
    string? Error)
{
    /// <summary>Once finished: every file not both stored and searchable now, and why (see <see cref="IngestReport.Problems"/>).</summary>
    public IReadOnlyList<IngestProblem> Problems { get; init; } = [];
}
