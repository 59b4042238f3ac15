using Hearth.Companions;
using Hearth.Durable;
using RetryPolicy = Hearth.Durable.RetryPolicy;
using Hearth.Durable.Orchestrations;
using Hearth.Durable.Tasks;
using Microsoft.DurableTask;
using Hearth.Memory;
using Hearth.Search;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Hearth.Functions.Documents;

/// <summary>An import to run: its staged documents are indexed in batches of <paramref name="BatchSize"/>.</summary>
public sealed record DocumentImportInput(string ImportId, string OwnerId, int Documents, int BatchSize, int Parallelism);

/// <summary>One batch: staged documents <paramref name="First"/> .. First + Count - 1, on its <paramref name="Attempt"/>-th attempt.</summary>
/// <param name="IsLastAttempt">An error on this attempt becomes a report of every document of the batch failed with the reason.</param>
public sealed record ImportBatch(string ImportId, string OwnerId, int Batch, int First, int Count, int Attempt = 1, bool IsLastAttempt = true);

/// <summary>Progress of an import, as its custom status.</summary>
public sealed record DocumentImportProgress(int Documents, int DocumentsDone, int Indexed, int Chunks, int Failed, int Batches, int BatchesDone);

/// <summary>The final report: documents, what was indexed, chunks, and every failure with its reason (the first 100).</summary>
public sealed record DocumentImportReport(
    int Documents, int Indexed, int Chunks, int Failed, IReadOnlyList<ImportFailure> Failures, DateTimeOffset StartedAt, DateTimeOffset FinishedAt, double Seconds);

/// <summary>
/// The corpus import: one <see cref="ImportBatchActivity"/> per batch of staged documents in a sliding window of
/// <see cref="DocumentImportInput.Parallelism"/>, each tried up to <see cref="BatchRetry"/> attempts with backoff (the
/// attempt travels in the input, so the last one reports its documents failed instead of failing); progress as custom
/// status; when every batch is done, removes the staging rows and completes with a <see cref="DocumentImportReport"/>.
/// </summary>
public sealed class DocumentImportOrchestration : TaskOrchestrator<DocumentImportInput, DocumentImportReport>
{
    public const string Name = "DocumentImport";
    public const int MaxFailuresReported = 100;

    /// <summary>Attempts of a batch: the embedder or the database may be briefly away.</summary>
    public static readonly RetryPolicy BatchRetry = new(4, TimeSpan.FromSeconds(2), 2, TimeSpan.FromSeconds(30));

    public override async Task<DocumentImportReport> RunAsync(TaskOrchestrationContext context, DocumentImportInput input)
    {
        var startedAt = Utc(context.CurrentUtcDateTime);
        var batches = (input.Documents + input.BatchSize - 1) / input.BatchSize;
        var progress = new DocumentImportProgress(input.Documents, 0, 0, 0, 0, batches, 0);
        var failures = new List<ImportFailure>();
        var window = new List<Task<ImportBatchResult>>();
        var next = 0;
        context.SetCustomStatus(progress);

        while (next < batches && window.Count < Math.Max(1, input.Parallelism)) window.Add(ImportBatchAsync(context, input, next++));
        while (window.Count > 0)
        {
            var settled = await Task.WhenAny(window);
            window.Remove(settled);
            var result = await settled;
            if (next < batches) window.Add(ImportBatchAsync(context, input, next++));
            var failed = result.Failures.Sum(f => f.Documents);
            failures.AddRange(result.Failures.Take(MaxFailuresReported - failures.Count));
            progress = progress with
            {
                DocumentsDone = progress.DocumentsDone + result.Documents + failed,
                Indexed = progress.Indexed + result.Documents,
                Chunks = progress.Chunks + result.Chunks,
                Failed = progress.Failed + failed,
                BatchesDone = progress.BatchesDone + 1,
            };
            context.SetCustomStatus(progress);
        }

        try
        {
            await context.CallActivityAsync<int>(ImportCleanupActivity.Name, input.ImportId, TaskOptions.FromRetryPolicy(
                new Microsoft.DurableTask.RetryPolicy(BatchRetry.MaxNumberOfAttempts, BatchRetry.FirstRetryInterval, BatchRetry.BackoffCoefficient, BatchRetry.MaxRetryInterval)));
        }
        catch (TaskFailedException)
        {
            // Staging rows left by a failed cleanup do no harm beyond space; the report is what matters.
        }
        var finishedAt = Utc(context.CurrentUtcDateTime);
        return new DocumentImportReport(input.Documents, progress.Indexed, progress.Chunks, progress.Failed, failures, startedAt, finishedAt,
            (finishedAt - startedAt).TotalSeconds);
    }

    /// <summary>One batch through its attempts; after the last, every document of the batch is reported failed.</summary>
    private static async Task<ImportBatchResult> ImportBatchAsync(TaskOrchestrationContext context, DocumentImportInput input, int batch)
    {
        var first = batch * input.BatchSize;
        var count = Math.Min(input.BatchSize, input.Documents - first);
        for (var attempt = 1; ; attempt++)
        {
            var last = attempt == BatchRetry.MaxNumberOfAttempts;
            try
            {
                return await context.CallActivityAsync<ImportBatchResult>(ImportBatchActivity.Name,
                    new ImportBatch(input.ImportId, input.OwnerId, batch, first, count, attempt, last));
            }
            catch (TaskFailedException e) when (last)
            {
                return new ImportBatchResult(0, 0, [new ImportFailure(null, null, $"documents {first + 1}-{first + count}: {e.FailureDetails.ErrorMessage}", count)]);
            }
            catch (TaskFailedException)
            {
                // Without jitter: orchestrators are deterministic.
                await context.CreateTimer(context.CurrentUtcDateTime + BatchRetry.NextDelay(attempt, jitterSample: 0.5), CancellationToken.None);
            }
        }
    }

    private static DateTimeOffset Utc(DateTime time) => new(DateTime.SpecifyKind(time, DateTimeKind.Utc));
}

/// <summary>
/// Indexes one batch of an import. A model/dimension mismatch, or any error on the last attempt, becomes a report of
/// every document of the batch failed with the reason, rather than a failed activity; earlier errors are retried.
/// </summary>
public sealed class ImportBatchActivity(DocumentImports imports, ActivityShutdown shutdown) : TaskActivity<ImportBatch, ImportBatchResult>
{
    public const string Name = "memory.import-batch";

    public override async Task<ImportBatchResult> RunAsync(TaskActivityContext context, ImportBatch input)
    {
        // Embedding a batch takes seconds: at shutdown it stops and the batch runs again (here or on another host),
        // which indexing allows (a rerun writes the same documents, as after a kill).
        var documents = await imports.ReadBatchAsync(input.ImportId, input.First, input.Count, shutdown.Token);
        try
        {
            return await imports.IndexBatchAsync(input.OwnerId, input.ImportId, documents, shutdown.Token);
        }
        catch (Exception e) when (e is EmbeddingMismatchException || (input.IsLastAttempt && e is not OperationCanceledException))
        {
            var reason = e is EmbeddingMismatchException ? e.Message : $"indexing failed after {input.Attempt} attempts: {e.Message}";
            return new ImportBatchResult(0, 0, documents.Select(d => new ImportFailure(d.Id, d.Line, reason)).ToList());
        }
    }
}

/// <summary>Removes an import's staging rows when it ends.</summary>
public sealed class ImportCleanupActivity(DocumentImports imports) : TaskActivity<string, int>
{
    public const string Name = "memory.import-cleanup";

    public override Task<int> RunAsync(TaskActivityContext context, string importId) => imports.DeleteStagingAsync(importId, CancellationToken.None);
}

/// <summary>Registration of the import orchestration (on the Durable Task store) and its activities.</summary>
public static class DocumentImportRegistration
{
    public static DurableBuilder AddDocumentImport(this DurableBuilder durable)
    {
        durable.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IAccountEraser, DocumentImportAccountEraser>());
        durable.Services.AddDurableTasks()
            .AddOrchestrator<DocumentImportOrchestration>(DocumentImportOrchestration.Name)
            .AddActivity<ImportBatchActivity>(ImportBatchActivity.Name)
            .AddActivity<ImportCleanupActivity>(ImportCleanupActivity.Name);
        return durable;
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
