using Hearth.Skills.Ingest;
using Microsoft.DurableTask;
using NSubstitute;

namespace Hearth.Skills.Tests.Ingest;

/// <summary>
/// <see cref="SkillIngestOrchestration"/> on an NSubstitute <see cref="TaskOrchestrationContext"/>: the test settles each
/// file's activity call and sees the sliding window, the slice indexing, the retries with attempt numbers and the report.
/// </summary>
public sealed class SkillIngestOrchestrationTests
{
    private static readonly Hearth.Durable.RetryPolicy ThreeAttempts = new(3, TimeSpan.FromSeconds(1), 2, TimeSpan.FromSeconds(10));

    [Fact]
    public async Task At_most_Parallelism_files_are_in_flight_and_each_full_slice_is_indexed_as_soon_as_it_settles()
    {
        var script = new Script();
        var run = script.Run(new IngestRunInput("run-1", "owner-1", Total: 5, Parallelism: 2, IndexBatch: 2, ThreeAttempts));

        Assert.Equal([0, 1], script.FileCalls.Select(c => c.Input.Ord));
        script.Succeed(ord: 1, sections: 3);
        Assert.Equal([0, 1, 2], script.FileCalls.Select(c => c.Input.Ord)); // one settled, one more called
        Assert.Empty(script.IndexCalls);                                       // slice [0, 2) is not settled yet
        script.Succeed(ord: 0, sections: 4);
        Assert.Equal((0, 2), Assert.Single(script.IndexCalls));
        script.Succeed(ord: 2, sections: 1);
        script.Succeed(ord: 3, sections: 1);
        script.Succeed(ord: 4, sections: 2);
        var report = await run;

        Assert.Equal([(0, 2), (2, 4), (4, 5)], script.IndexCalls);
        Assert.Same(script.Report, report);
        Assert.Empty(script.Finish!.Failures);
        Assert.Contains(script.Statuses, s => s is { Phase: IngestPhases.Ingesting, Done: 2, Sections: 7 });
        Assert.Equal(IngestPhases.Done, script.Statuses[^1].Phase);
        Assert.True(script.FileCalls.Max(c => script.InFlightAt(c)) <= 2);
    }

    [Fact]
    public async Task A_failing_file_is_tried_again_with_its_attempt_number_and_after_the_last_attempt_is_reported_not_fatal()
    {
        var script = new Script();
        var run = script.Run(new IngestRunInput("run-1", "owner-1", Total: 2, Parallelism: 2, IndexBatch: 10, ThreeAttempts));

        script.Fail(ord: 0, "disk full");
        script.Succeed(ord: 1, sections: 5);
        script.Fail(ord: 0, "disk full");
        script.Fail(ord: 0, "disk still full");
        var report = await run;

        Assert.Equal([(1, false), (2, false), (3, true)],
            script.FileCalls.Where(c => c.Input.Ord == 0).Select(c => (c.Input.Attempt, c.Input.IsLastAttempt)));
        Assert.Equal(2, script.Timers.Count); // a backoff wait before each retry
        var failure = Assert.Single(script.Finish!.Failures);
        Assert.Equal((0, "disk still full", 3), (failure.Ord, failure.Error, failure.Attempts));
        Assert.Same(script.Report, report);
        Assert.Equal((0, 2), Assert.Single(script.IndexCalls));
    }

    private sealed class Script
    {
        private readonly TaskOrchestrationContext _context = Substitute.For<TaskOrchestrationContext>();
        private int _inFlight;
        private readonly Dictionary<IngestFileCall, int> _inFlightAt = [];

        public sealed record IngestFileCall(IngestFileInput Input, TaskCompletionSource<IngestFileResult> Result);

        public List<IngestFileCall> FileCalls { get; } = [];
        public List<(int From, int To)> IndexCalls { get; } = [];
        public List<DateTime> Timers { get; } = [];
        public List<IngestProgress> Statuses { get; } = [];
        public FinishRunInput? Finish { get; private set; }
        public IngestReport Report { get; } = new("run-1", IngestRunStatuses.Completed, 0, 0, 0, 0, 0, 0, 0, 0, 0, [], [], [],
            DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, 0, null, null, null);

        public Script()
        {
            _context.CurrentUtcDateTime.Returns(new DateTime(2026, 3, 1, 12, 0, 0, DateTimeKind.Utc));
            _context.CreateTimer(Arg.Any<DateTime>(), Arg.Any<CancellationToken>()).Returns(call =>
            {
                Timers.Add(call.Arg<DateTime>());
                return Task.CompletedTask;
            });
            _context.When(c => c.SetCustomStatus(Arg.Any<object?>())).Do(call => Statuses.Add((IngestProgress)call.Arg<object?>()!));
            _context.CallActivityAsync<IngestFileResult>(Arg.Is<TaskName>(n => n.Name == SkillQueues.IngestFile), Arg.Any<object?>(), Arg.Any<TaskOptions?>())
                .Returns(call =>
                {
                    var file = new IngestFileCall((IngestFileInput)call.ArgAt<object?>(1)!, new TaskCompletionSource<IngestFileResult>());
                    FileCalls.Add(file);
                    _inFlightAt[file] = ++_inFlight;
                    return file.Result.Task;
                });
            _context.CallActivityAsync<int>(Arg.Is<TaskName>(n => n.Name == SkillQueues.IndexRun), Arg.Any<object?>(), Arg.Any<TaskOptions?>())
                .Returns(call =>
                {
                    var slice = (IndexRunInput)call.ArgAt<object?>(1)!;
                    IndexCalls.Add((slice.From, slice.To));
                    return Task.FromResult(slice.To - slice.From);
                });
            _context.CallActivityAsync<IngestReport>(Arg.Is<TaskName>(n => n.Name == SkillQueues.FinishRun), Arg.Any<object?>(), Arg.Any<TaskOptions?>())
                .Returns(call =>
                {
                    Finish = (FinishRunInput)call.ArgAt<object?>(1)!;
                    return Task.FromResult(Report);
                });
        }

        public Task<IngestReport> Run(IngestRunInput input) => new SkillIngestOrchestration().RunAsync(_context, input);

        public int InFlightAt(IngestFileCall call) => _inFlightAt[call];

        public void Succeed(int ord, int sections) => Pending(ord).Result.SetResult(new IngestFileResult("created", sections));

        public void Fail(int ord, string error) =>
            Pending(ord).Result.SetException(new TaskFailedException(SkillQueues.IngestFile, 1, new TaskFailureDetails(typeof(IOException).FullName!, error, null, null, null)));

        private IngestFileCall Pending(int ord)
        {
            var call = FileCalls.Single(c => c.Input.Ord == ord && !c.Result.Task.IsCompleted);
            _inFlight--;
            return call;
        }
    }
}
