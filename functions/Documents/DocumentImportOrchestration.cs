using Hearth.Companions;
using Hearth.Durable;
using Hearth.Durable.Jobs;
using Hearth.Durable.Orchestrations;
using Hearth.Memory;
using Hearth.Search;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Hearth.Functions.Documents;

/// <summary>An import to run: its staged documents are indexed in batches of <paramref name="BatchSize"/>.</summary>
public sealed record DocumentImportInput(string ImportId, string OwnerId, int Documents, int BatchSize, int Parallelism);

/// <summary>One batch: staged documents <paramref name="First"/> .. First + Count - 1.</summary>
public sealed record ImportBatch(string ImportId, string OwnerId, int Batch, int First, int Count);

/// <summary>Progress of an import, as its custom status.</summary>
public sealed record DocumentImportProgress(int Documents, int DocumentsDone, int Indexed, int Chunks, int Failed, int Batches, int BatchesDone);

/// <summary>The final report: documents, what was indexed, chunks, and every failure with its reason (the first 100).</summary>
public sealed record DocumentImportReport(
    int Documents, int Indexed, int Chunks, int Failed, IReadOnlyList<ImportFailure> Failures, DateTimeOffset StartedAt, DateTimeOffset FinishedAt, double Seconds);

/// <summary>What the orchestration keeps between events.</summary>
public sealed class DocumentImportState
{
    public int Batches { get; set; }
    public int BatchesDone { get; set; }
    public int Indexed { get; set; }
    public int Chunks { get; set; }
    public int Failed { get; set; }
    public List<ImportFailure> Failures { get; set; } = [];
    public DateTimeOffset StartedAt { get; set; }
}

/// <summary>
/// The corpus import: fans out one <see cref="ImportBatchActivity"/> per batch of staged documents, at most
/// <see cref="DocumentImportInput.Parallelism"/> at a time, with retries; reports progress as custom status; when every
/// batch is done, removes the staging rows and completes with a <see cref="DocumentImportReport"/>.
/// </summary>
public sealed class DocumentImportOrchestration : Orchestration<DocumentImportInput, DocumentImportState, DocumentImportReport>
{
    public const string Name = "DocumentImport";
    public const int MaxFailuresReported = 100;

    /// <summary>Retries of a batch: the embedder or the database may be briefly away.</summary>
    public static readonly RetryPolicy BatchRetry = new(4, TimeSpan.FromSeconds(2), 2, TimeSpan.FromSeconds(30));

    private const string CleanupTag = "cleanup";

    public override void OnEvent(OrchestrationContext<DocumentImportInput, DocumentImportState, DocumentImportReport> context, OrchestrationEvent e)
    {
        var input = context.Input;
        var state = context.State;
        switch (e)
        {
            case OrchestrationStarted:
                state.StartedAt = context.CurrentTime;
                state.Batches = (input.Documents + input.BatchSize - 1) / input.BatchSize;
                context.MaxActivitiesInFlight = input.Parallelism;
                for (var batch = 0; batch < state.Batches; batch++)
                {
                    var first = batch * input.BatchSize;
                    context.CallActivity(ImportBatchActivity.Name,
                        new ImportBatch(input.ImportId, input.OwnerId, batch, first, Math.Min(input.BatchSize, input.Documents - first)), batch.ToString(System.Globalization.CultureInfo.InvariantCulture));
                }
                Progress(context);
                if (state.Batches == 0) context.CallActivity(ImportCleanupActivity.Name, input.ImportId, CleanupTag);
                break;

            case ActivityCompleted { Tag: CleanupTag }:
            case ActivityFailed { Tag: CleanupTag }:
                // Staging rows left by a failed cleanup do no harm beyond space; the report is what matters.
                context.Complete(new DocumentImportReport(input.Documents, state.Indexed, state.Chunks, state.Failed, state.Failures,
                    state.StartedAt, context.CurrentTime, (context.CurrentTime - state.StartedAt).TotalSeconds));
                break;

            case ActivityCompleted done:
                var result = done.GetResult<ImportBatchResult>();
                state.Indexed += result.Documents;
                state.Chunks += result.Chunks;
                state.Failed += result.Failures.Sum(f => f.Documents);
                AddFailures(state, result.Failures);
                BatchDone(context);
                break;

            case ActivityFailed failed:
                var (batchFirst, count) = BatchOf(input, failed.Tag);
                state.Failed += count;
                AddFailures(state, [new ImportFailure(null, null, $"documents {batchFirst + 1}-{batchFirst + count}: {failed.Error}", count)]);
                BatchDone(context);
                break;
        }
    }

    private static void BatchDone(OrchestrationContext<DocumentImportInput, DocumentImportState, DocumentImportReport> context)
    {
        context.State.BatchesDone++;
        Progress(context);
        if (context.State.BatchesDone == context.State.Batches)
            context.CallActivity(ImportCleanupActivity.Name, context.Input.ImportId, CleanupTag);
    }

    private static void Progress(OrchestrationContext<DocumentImportInput, DocumentImportState, DocumentImportReport> context)
    {
        var s = context.State;
        context.SetCustomStatus(new DocumentImportProgress(context.Input.Documents, s.Indexed + s.Failed, s.Indexed, s.Chunks, s.Failed, s.Batches, s.BatchesDone));
    }

    private static void AddFailures(DocumentImportState state, IEnumerable<ImportFailure> failures)
    {
        foreach (var failure in failures)
            if (state.Failures.Count < MaxFailuresReported) state.Failures.Add(failure);
    }

    private static (int First, int Count) BatchOf(DocumentImportInput input, string? tag)
    {
        var batch = int.Parse(tag!, System.Globalization.CultureInfo.InvariantCulture);
        var first = batch * input.BatchSize;
        return (first, Math.Min(input.BatchSize, input.Documents - first));
    }
}

/// <summary>
/// Indexes one batch of an import. A model/dimension mismatch, or any error on the last attempt, becomes a report of
/// every document of the batch failed with the reason, rather than a failed activity; earlier errors are retried.
/// </summary>
public sealed class ImportBatchActivity(DocumentImports imports) : IActivity<ImportBatch, ImportBatchResult>
{
    public const string Name = "memory.import-batch";

    public async Task<ImportBatchResult> RunAsync(ImportBatch input, JobContext context, CancellationToken ct)
    {
        var documents = await imports.ReadBatchAsync(input.ImportId, input.First, input.Count, ct);
        try
        {
            return await imports.IndexBatchAsync(input.OwnerId, input.ImportId, documents, ct);
        }
        catch (Exception e) when (e is EmbeddingMismatchException || (context.IsLastAttempt && e is not OperationCanceledException))
        {
            var reason = e is EmbeddingMismatchException ? e.Message : $"indexing failed after {context.Attempt} attempts: {e.Message}";
            return new ImportBatchResult(0, 0, documents.Select(d => new ImportFailure(d.Id, d.Line, reason)).ToList());
        }
    }
}

/// <summary>Removes an import's staging rows when it ends.</summary>
public sealed class ImportCleanupActivity(DocumentImports imports) : IActivity<string, int>
{
    public const string Name = "memory.import-cleanup";

    public Task<int> RunAsync(string importId, JobContext context, CancellationToken ct) => imports.DeleteStagingAsync(importId, ct);
}

/// <summary>Registration of the import orchestration and its activities.</summary>
public static class DocumentImportRegistration
{
    public static DurableBuilder AddDocumentImport(this DurableBuilder durable)
    {
        durable.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IAccountEraser, DocumentImportAccountEraser>());
        return durable
        .AddOrchestration<DocumentImportOrchestration>(DocumentImportOrchestration.Name)
        .AddActivity<ImportBatchActivity, ImportBatch, ImportBatchResult>(ImportBatchActivity.Name, DocumentImportOrchestration.BatchRetry)
        .AddActivity<ImportCleanupActivity, string, int>(ImportCleanupActivity.Name, DocumentImportOrchestration.BatchRetry);
    }
}

/// <summary>
/// The imports' part of an account's deletion: the staged documents of the user's imports (a stopped import never
/// reaches its cleanup). The imported documents themselves are memory's to erase.
/// </summary>
public sealed class DocumentImportAccountEraser(IOrchestrationClient orchestrations, DocumentImports imports) : IAccountEraser
{
    public async Task EraseAccountAsync(string ownerId, CancellationToken ct)
    {
        foreach (var import in await OrchestrationErasure.ListAsync(orchestrations, ownerId, DocumentImportOrchestration.Name, _ => true, ct))
            await imports.DeleteStagingAsync(import.InstanceId, ct);
    }
}
