using Hearth.Functions.Documents;
using Hearth.Memory;
using Microsoft.DurableTask;
using NSubstitute;

namespace Hearth.Memory.Tests;

/// <summary>
/// <see cref="DocumentImportOrchestration"/> on an NSubstitute <see cref="TaskOrchestrationContext"/>: the test settles
/// each batch's activity call and sees the sliding window, the retries with attempt numbers and backoff timers, the
/// progress as custom status, the cleanup and the report.
/// </summary>
public sealed class DocumentImportOrchestrationTests
{
    [Fact]
    public async Task At_most_Parallelism_batches_are_in_flight_and_the_report_adds_up_every_batch()
    {
        var script = new Script();
        var run = script.Run(new DocumentImportInput("import-1", "owner-1", Documents: 10, BatchSize: 4, Parallelism: 2));

        Assert.Equal([(0, 0, 4), (1, 4, 4)], script.Calls.Select(c => (c.Input.Batch, c.Input.First, c.Input.Count)));
        script.Succeed(batch: 1, documents: 4, chunks: 9);
        Assert.Equal([0, 1, 2], script.Calls.Select(c => c.Input.Batch)); // one settled, the last batch called
        Assert.Equal((2, 8, 2), (script.Calls[2].Input.Batch, script.Calls[2].Input.First, script.Calls[2].Input.Count));
        Assert.Contains(script.Statuses, s => s is { DocumentsDone: 4, Indexed: 4, Chunks: 9, BatchesDone: 1, Batches: 3 });
        Assert.Null(script.CleanedUp);                                          // not before every batch is done
        script.Succeed(batch: 0, documents: 3, chunks: 5, new ImportFailure("doc-2", 2, "empty text"));
        script.Succeed(batch: 2, documents: 2, chunks: 2);
        var report = await run;

        Assert.Equal("import-1", script.CleanedUp);
        Assert.Equal((10, 9, 16, 1), (report.Documents, report.Indexed, report.Chunks, report.Failed));
        Assert.Equal("doc-2", Assert.Single(report.Failures).DocumentId);
        Assert.Equal(new DocumentImportProgress(10, 10, 9, 16, 1, 3, 3), script.Statuses[^1]);
        Assert.True(script.Calls.All(c => c.Input is { Attempt: 1, IsLastAttempt: false }));
    }

    [Fact]
    public async Task A_failing_batch_is_tried_again_after_a_backoff_and_after_its_last_attempt_every_document_is_reported_failed()
    {
        var script = new Script();
        var run = script.Run(new DocumentImportInput("import-1", "owner-1", Documents: 3, BatchSize: 3, Parallelism: 2));

        for (var attempt = 1; attempt <= DocumentImportOrchestration.BatchRetry.MaxNumberOfAttempts; attempt++)
            script.Fail(batch: 0, $"database away ({attempt})");
        var report = await run;

        Assert.Equal(Enumerable.Range(1, DocumentImportOrchestration.BatchRetry.MaxNumberOfAttempts),
            script.Calls.Select(c => c.Input.Attempt));
        Assert.Equal([false, false, false, true], script.Calls.Select(c => c.Input.IsLastAttempt));
        // A wait before each retry, growing: the policy's delays without jitter (orchestrators are deterministic).
        Assert.Equal(DocumentImportOrchestration.BatchRetry.MaxNumberOfAttempts - 1, script.Timers.Count);
        Assert.True(script.Timers.Zip(script.Timers.Skip(1)).All(p => p.First < p.Second));
        var failure = Assert.Single(report.Failures);
        Assert.Equal((3, "documents 1-3: database away (4)"), (failure.Documents, failure.Error));
        Assert.Equal((3, 0, 3), (report.Documents, report.Indexed, report.Failed));
        Assert.Equal("import-1", script.CleanedUp); // the staging rows go even when nothing was indexed
    }

    private sealed class Script
    {
        private static readonly DateTime Start = new(2026, 3, 1, 12, 0, 0, DateTimeKind.Utc);
        private readonly TaskOrchestrationContext _context = Substitute.For<TaskOrchestrationContext>();

        public sealed record BatchCall(ImportBatch Input, TaskCompletionSource<ImportBatchResult> Result);

        public List<BatchCall> Calls { get; } = [];
        public List<DateTime> Timers { get; } = [];
        public List<DocumentImportProgress> Statuses { get; } = [];
        public string? CleanedUp { get; private set; }

        public Script()
        {
            _context.CurrentUtcDateTime.Returns(Start);
            _context.CreateTimer(Arg.Any<DateTime>(), Arg.Any<CancellationToken>()).Returns(call =>
            {
                Timers.Add(call.Arg<DateTime>());
                return Task.CompletedTask;
            });
            _context.When(c => c.SetCustomStatus(Arg.Any<object?>())).Do(call => Statuses.Add((DocumentImportProgress)call.Arg<object?>()!));
            _context.CallActivityAsync<ImportBatchResult>(Arg.Is<TaskName>(n => n.Name == ImportBatchActivity.Name), Arg.Any<object?>(), Arg.Any<TaskOptions?>())
                .Returns(call =>
                {
                    var batch = new BatchCall((ImportBatch)call.ArgAt<object?>(1)!, new TaskCompletionSource<ImportBatchResult>());
                    Calls.Add(batch);
                    return batch.Result.Task;
                });
            _context.CallActivityAsync<int>(Arg.Is<TaskName>(n => n.Name == ImportCleanupActivity.Name), Arg.Any<object?>(), Arg.Any<TaskOptions?>())
                .Returns(call =>
                {
                    CleanedUp = (string)call.ArgAt<object?>(1)!;
                    return Task.FromResult(0);
                });
        }

        public Task<DocumentImportReport> Run(DocumentImportInput input) => new DocumentImportOrchestration().RunAsync(_context, input);

        public void Succeed(int batch, int documents, int chunks, params ImportFailure[] failures) =>
            Pending(batch).Result.SetResult(new ImportBatchResult(documents, chunks, failures));

        public void Fail(int batch, string error) =>
            Pending(batch).Result.SetException(new TaskFailedException(ImportBatchActivity.Name, 1,
                new TaskFailureDetails(typeof(IOException).FullName!, error, null, null, null)));

        private BatchCall Pending(int batch) => Calls.Single(c => c.Input.Batch == batch && !c.Result.Task.IsCompleted);
    }
}
