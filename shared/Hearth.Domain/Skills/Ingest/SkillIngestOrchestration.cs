using Hearth.Durable.Jobs;
using Microsoft.DurableTask;

namespace Hearth.Skills.Ingest;

/// <summary>
/// A bulk ingest run: one <see cref="SkillQueues.IngestFile"/> activity per file in a sliding window of
/// <see cref="IngestRunInput.Parallelism"/>, each tried up to the run's <see cref="IngestRunInput.FileRetry"/> attempts
/// with backoff (the attempt number travels in the input, so the activity records it and knows its last attempt). The
/// files are cut into slices of <see cref="IngestRunInput.IndexBatch"/>; as soon as every file of a slice is settled,
/// one <see cref="SkillQueues.IndexRun"/> activity indexes that slice, so search indexing overlaps storing. When
/// everything is settled <see cref="SkillQueues.FinishRun"/> writes the report and the run completes with it. Progress
/// is the custom status. A file that fails every attempt is counted and reported; it never fails the run.
/// </summary>
public sealed class SkillIngestOrchestration : TaskOrchestrator<IngestRunInput, IngestReport>
{
    /// <summary>Attempts of a slice's indexing and of the finish, with backoff (trouble of ours: the database, the embedder).</summary>
    internal static readonly Hearth.Durable.RetryPolicy IndexRetry = new(5, TimeSpan.FromSeconds(1), 2, TimeSpan.FromSeconds(30));
    internal static readonly Hearth.Durable.RetryPolicy FinishRetry = new(10, TimeSpan.FromSeconds(1), 2, TimeSpan.FromMinutes(1));

    public override async Task<IngestReport> RunAsync(TaskOrchestrationContext context, IngestRunInput input)
    {
        var startedAt = Utc(context.CurrentUtcDateTime);
        var batch = Math.Max(1, input.IndexBatch);
        var sliceSettled = new int[(input.Total + batch - 1) / batch];
        var progress = new IngestProgress(IngestPhases.Ingesting, input.Total, 0, 0, 0);
        var failures = new List<IngestFailure>();
        var indexing = new List<Task<IndexFailure?>>();
        var window = new List<Task<FileOutcome>>();
        var next = 0;
        context.SetCustomStatus(progress);

        while (next < input.Total && window.Count < Math.Max(1, input.Parallelism)) window.Add(IngestFileAsync(context, input, next++));
        while (window.Count > 0)
        {
            var settled = await Task.WhenAny(window);
            window.Remove(settled);
            var file = await settled;
            if (next < input.Total) window.Add(IngestFileAsync(context, input, next++));
            if (file.Failure is { } failure)
            {
                failures.Add(failure);
                progress = progress with { Failed = progress.Failed + 1 };
            }
            else
            {
                progress = progress with { Done = progress.Done + 1, Sections = progress.Sections + file.Sections };
            }
            var slice = file.Ord / batch;
            var from = slice * batch;
            var to = Math.Min(input.Total, from + batch);
            if (++sliceSettled[slice] == to - from) indexing.Add(IndexSliceAsync(context, input, from, to));
            context.SetCustomStatus(progress);
        }

        progress = progress with { Phase = IngestPhases.Indexing };
        context.SetCustomStatus(progress);
        var indexingAt = Utc(context.CurrentUtcDateTime);
        var indexFailures = (await Task.WhenAll(indexing)).OfType<IndexFailure>().ToList();

        context.SetCustomStatus(progress with { Phase = IngestPhases.Finishing });
        var finishingAt = Utc(context.CurrentUtcDateTime);
        IngestReport report;
        try
        {
            report = await CallWithAttemptsAsync<IngestReport>(context, SkillQueues.FinishRun, FinishRetry, (attempt, last) =>
                new FinishRunInput(input.RunId, input.Owner, failures, indexFailures, startedAt, indexingAt, finishingAt, attempt, last));
        }
        catch (AttemptsExhaustedException e)
        {
            throw new InvalidOperationException($"The run's report could not be written: {e.Message}");
        }
        context.SetCustomStatus(progress with { Phase = IngestPhases.Done });
        return report;
    }

    /// <summary>One file through its attempts: its section count, or why it failed after the last one.</summary>
    private static async Task<FileOutcome> IngestFileAsync(TaskOrchestrationContext context, IngestRunInput input, int ord)
    {
        try
        {
            var result = await CallWithAttemptsAsync<IngestFileResult>(context, SkillQueues.IngestFile, input.FileRetry,
                (attempt, last) => new IngestFileInput(input.RunId, input.Owner, ord, attempt, last));
            return new FileOutcome(ord, result.Sections, null);
        }
        catch (AttemptsExhaustedException e)
        {
            return new FileOutcome(ord, 0, new IngestFailure(ord, Trim(e.Failure.ErrorMessage), e.Attempts));
        }
    }

    /// <summary>Indexes one slice; null when it worked, else the failure the report names (the finish queues it again).</summary>
    private static async Task<IndexFailure?> IndexSliceAsync(TaskOrchestrationContext context, IngestRunInput input, int from, int to)
    {
        try
        {
            await CallWithAttemptsAsync<int>(context, SkillQueues.IndexRun, IndexRetry, (_, _) => new IndexRunInput(input.RunId, input.Owner, from, to));
            return null;
        }
        catch (AttemptsExhaustedException e)
        {
            return new IndexFailure(from, to, Trim(e.Failure.ErrorMessage));
        }
    }

    /// <summary>
    /// Calls an activity until it succeeds, waiting <see cref="Hearth.Durable.RetryPolicy.NextDelay"/> (without jitter:
    /// orchestrators are deterministic) between attempts. A <see cref="PermanentJobFailureException"/> is not tried again.
    /// Throws <see cref="AttemptsExhaustedException"/> with the last failure.
    /// </summary>
    private static async Task<T> CallWithAttemptsAsync<T>(TaskOrchestrationContext context, string activity, Hearth.Durable.RetryPolicy policy,
        Func<int, bool, object> input)
    {
        var attempts = Math.Max(1, policy.MaxNumberOfAttempts);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await context.CallActivityAsync<T>(activity, input(attempt, attempt == attempts));
            }
            catch (TaskFailedException e)
            {
                if (attempt == attempts || e.FailureDetails.ErrorType == typeof(PermanentJobFailureException).FullName)
                    throw new AttemptsExhaustedException(e.FailureDetails, attempt);
                await context.CreateTimer(context.CurrentUtcDateTime + policy.NextDelay(attempt, jitterSample: 0.5), CancellationToken.None);
            }
        }
    }

    private static DateTimeOffset Utc(DateTime time) => new(DateTime.SpecifyKind(time, DateTimeKind.Utc));

    private static string Trim(string error) => error.Length <= 2000 ? error : error[..2000] + "…";

    private sealed record FileOutcome(int Ord, int Sections, IngestFailure? Failure);

    /// <summary>An activity failed its last attempt (or a permanent failure): the last failure and how many attempts were made.</summary>
    private sealed class AttemptsExhaustedException(TaskFailureDetails failure, int attempts) : Exception(failure.ErrorMessage)
    {
        public TaskFailureDetails Failure => failure;

        public int Attempts => attempts;
    }
}
