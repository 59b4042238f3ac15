using Hearth.Functions.Pictures;
using Microsoft.DurableTask;
using NSubstitute;

namespace Hearth.Images.Tests.Pictures;

/// <summary>
/// <see cref="PictureOrchestration"/> on an NSubstitute <see cref="TaskOrchestrationContext"/> (as Microsoft's Durable
/// Functions samples test orchestrators): the test answers each activity, fires timers and raises the webhook event, and
/// sees what the orchestrator asks for next. No engine, no database, no clock.
/// </summary>
public sealed class PictureOrchestrationTests
{
    private static readonly PicturePacing Pacing = new(
        WebhookTimeout: TimeSpan.FromMinutes(1), PollInterval: TimeSpan.FromSeconds(5), PollBackoff: 2, MaxPollInterval: TimeSpan.FromSeconds(30),
        Deadline: TimeSpan.FromMinutes(10), SubmitAttempts: 3, SubmitRetryInterval: TimeSpan.FromSeconds(2));

    private static readonly PictureJobInput Input = new("job-1", "owner-1", PictureKind.Variation, Pacing);

    private static readonly ResultImage Image = new(new Uri("https://fal.example/pic.png"), "image/png", 512, 512);

    [Fact]
    public async Task A_webhook_completes_the_job_without_polling_and_the_stored_picture_is_delivered()
    {
        var script = new Script();
        script.Submit.Enqueue(SubmitPictureResult.Submitted("req-1", completedAtSubmit: false, webhookRequested: true));
        var run = script.Run();

        script.Raise(new PictureResultEvent("req-1", Hearth.Images.ImageJobOutcomeKind.Succeeded, null, [Image]));
        var output = await run;

        Assert.Equal(new[] { PictureActivities.Submit, PictureActivities.Store, PictureActivities.Deliver }, script.Calls.Select(c => c.Name));
        Assert.Equal([Image], ((StorePictureInput)script.Calls[1].Input!).Images);
        Assert.Equal(["media-1"], output.MediaIds);
        Assert.Equal("msg-1", output.MessageId);
        // The webhook timeout and the deadline were cancelled once the picture was found.
        Assert.All(script.Timers, t => Assert.True(t.Token.IsCancellationRequested));
    }

    [Fact]
    public async Task A_webhook_raised_before_the_wait_begins_is_taken_at_once()
    {
        var script = new Script();
        script.Raise(new PictureResultEvent("req-1", Hearth.Images.ImageJobOutcomeKind.Succeeded, null, [Image])); // buffered by the engine
        script.Submit.Enqueue(SubmitPictureResult.Submitted("req-1", completedAtSubmit: false, webhookRequested: true));

        var output = await script.Run();

        Assert.Equal(["media-1"], output.MediaIds);
        Assert.DoesNotContain(script.Calls, c => c.Name == PictureActivities.Poll);
    }

    [Fact]
    public async Task When_the_webhook_times_out_the_job_polls_with_growing_waits_until_Fal_has_the_picture()
    {
        var script = new Script();
        script.Submit.Enqueue(SubmitPictureResult.Submitted("req-1", completedAtSubmit: false, webhookRequested: true));
        script.Polls.Enqueue(new PollPictureResult(PollOutcome.Pending, null));
        script.Polls.Enqueue(new PollPictureResult(PollOutcome.Pending, "Fal answered 503"));
        script.Polls.Enqueue(new PollPictureResult(PollOutcome.Completed, null));
        var run = script.Run();

        script.Fire(Script.Start + Pacing.WebhookTimeout); // the webhook did not come: poll
        script.Fire(Script.Start + Pacing.PollDelay(1));    // wait after the first poll
        script.Fire(Script.Start + Pacing.PollDelay(2));    // a longer wait after the second
        var output = await run;

        Assert.Equal(3, script.Calls.Count(c => c.Name == PictureActivities.Poll));
        Assert.Null(((StorePictureInput)script.Calls.Single(c => c.Name == PictureActivities.Store).Input!).Images); // read from Fal
        Assert.Equal(["media-1"], output.MediaIds);
        Assert.Contains(script.Statuses, s => s.Phase == PicturePhase.Polling && s.Polls == 2 && s.LastError == "Fal answered 503");
    }

    [Fact]
    public async Task A_webhook_arriving_while_the_job_polls_wins_and_a_duplicate_changes_nothing()
    {
        var script = new Script();
        script.Submit.Enqueue(SubmitPictureResult.Submitted("req-1", completedAtSubmit: false, webhookRequested: true));
        var inFlight = new TaskCompletionSource<PollPictureResult>();
        script.PendingPoll = inFlight.Task;
        var run = script.Run();

        script.Fire(Script.Start + Pacing.WebhookTimeout);
        script.Raise(new PictureResultEvent("req-other", Hearth.Images.ImageJobOutcomeKind.Succeeded, null, [Image])); // another submission's
        Assert.DoesNotContain(script.Calls, c => c.Name == PictureActivities.Store);
        script.Raise(new PictureResultEvent("req-1", Hearth.Images.ImageJobOutcomeKind.Succeeded, null, [Image]));
        var output = await run;
        inFlight.SetResult(new PollPictureResult(PollOutcome.Completed, null)); // the poll's late answer is not waited for

        Assert.Single(script.Calls, c => c.Name == PictureActivities.Store);
        Assert.Single(script.Calls, c => c.Name == PictureActivities.Deliver);
        Assert.Equal(["media-1"], output.MediaIds);
    }

    [Fact]
    public async Task Past_the_deadline_the_job_fails_with_the_reason_and_is_cancelled_at_Fal()
    {
        var script = new Script();
        script.Submit.Enqueue(SubmitPictureResult.Submitted("req-1", completedAtSubmit: false, webhookRequested: true));
        script.PendingPoll = new TaskCompletionSource<PollPictureResult>().Task; // Fal never answers
        var run = script.Run();

        script.Fire(Script.Start + Pacing.WebhookTimeout);
        script.Fire(Script.Start + Pacing.Deadline);
        var failed = await Assert.ThrowsAsync<PictureJobFailedException>(() => run);

        Assert.Contains("deadline of 10 min", failed.Message);
        var fail = (FailPictureInput)script.Calls.Single(c => c.Name == PictureActivities.Fail).Input!;
        Assert.True(fail.CancelAtProvider);
        Assert.Equal(failed.Message, fail.Reason);
        Assert.DoesNotContain(script.Calls, c => c.Name == PictureActivities.Store);
    }

    [Fact]
    public async Task A_refused_submission_is_tried_again_after_Retry_After_then_succeeds()
    {
        var script = new Script();
        script.Submit.Enqueue(SubmitPictureResult.Retryable("Fal answered 429", TimeSpan.FromSeconds(30)));
        script.Submit.Enqueue(SubmitPictureResult.Submitted("req-2", completedAtSubmit: true, webhookRequested: false));
        var run = script.Run();

        script.Fire(Script.Start + TimeSpan.FromSeconds(30)); // Retry-After beats the 2 s backoff
        var output = await run;

        Assert.Equal([1, 2], script.Calls.Where(c => c.Name == PictureActivities.Submit).Select(c => ((SubmitPictureInput)c.Input!).Attempt));
        Assert.Equal(["media-1"], output.MediaIds);
    }

    [Fact]
    public async Task Fal_failing_the_request_fails_the_job_with_Fals_reason_without_copying()
    {
        var script = new Script();
        script.Submit.Enqueue(SubmitPictureResult.Submitted("req-1", completedAtSubmit: false, webhookRequested: true));
        var run = script.Run();

        script.Raise(new PictureResultEvent("req-1", Hearth.Images.ImageJobOutcomeKind.Failed, "NSFW content detected", []));
        var failed = await Assert.ThrowsAsync<PictureJobFailedException>(() => run);

        Assert.Equal("Fal failed the request: NSFW content detected", failed.Message);
        Assert.False(((FailPictureInput)script.Calls.Single(c => c.Name == PictureActivities.Fail).Input!).CancelAtProvider);
        Assert.DoesNotContain(script.Calls, c => c.Name == PictureActivities.Store);
    }

    /// <summary>A scripted context: activity answers in order, timers fired by the test, the result event raised by the test.</summary>
    private sealed class Script
    {
        public static readonly DateTime Start = new(2026, 3, 1, 12, 0, 0, DateTimeKind.Utc);

        private readonly TaskOrchestrationContext _context = Substitute.For<TaskOrchestrationContext>();
        private readonly Queue<PictureResultEvent> _raised = new();
        private TaskCompletionSource<PictureResultEvent>? _waiting;

        public Queue<SubmitPictureResult> Submit { get; } = new();
        public Queue<PollPictureResult> Polls { get; } = new();
        public Task<PollPictureResult>? PendingPoll { get; set; }
        public List<(string Name, object? Input)> Calls { get; } = [];
        public List<(DateTime FireAt, TaskCompletionSource Done, CancellationToken Token)> Timers { get; } = [];
        public List<PictureProgress> Statuses { get; } = [];

        public Script()
        {
            _context.CurrentUtcDateTime.Returns(Start);
            _context.InstanceId.Returns(Input.JobId);
            _context.CreateTimer(Arg.Any<DateTime>(), Arg.Any<CancellationToken>()).Returns(call =>
            {
                var done = new TaskCompletionSource();
                Timers.Add((call.Arg<DateTime>(), done, call.Arg<CancellationToken>()));
                return done.Task;
            });
            _context.WaitForExternalEvent<PictureResultEvent>(PictureOrchestration.ResultEvent, Arg.Any<CancellationToken>()).Returns(_ =>
            {
                _waiting = new TaskCompletionSource<PictureResultEvent>();
                if (_raised.TryDequeue(out var buffered)) _waiting.SetResult(buffered);
                return _waiting.Task;
            });
            _context.When(c => c.SetCustomStatus(Arg.Any<object?>())).Do(call => Statuses.Add((PictureProgress)call.Arg<object?>()!));
            Answer<SubmitPictureResult>(PictureActivities.Submit, _ => Task.FromResult(Submit.Dequeue()));
            Answer<PollPictureResult>(PictureActivities.Poll, _ => PendingPoll ?? Task.FromResult(Polls.Dequeue()));
            Answer<StorePictureResult>(PictureActivities.Store, _ => Task.FromResult(new StorePictureResult(["media-1"], null)));
            Answer<DeliverPictureResult>(PictureActivities.Deliver, _ => Task.FromResult(new DeliverPictureResult(true, "msg-1", null)));
            Answer<bool>(PictureActivities.Fail, _ => Task.FromResult(true));
        }

        public Task<PictureJobOutput> Run() => new PictureOrchestration().RunAsync(_context, Input);

        /// <summary>Raises the result event: delivered to the wait in progress, or buffered until the next wait (as the engine does).</summary>
        public void Raise(PictureResultEvent result)
        {
            if (_waiting is { Task.IsCompleted: false } waiting) waiting.SetResult(result);
            else _raised.Enqueue(result);
        }

        /// <summary>Fires the one live timer due at <paramref name="at"/>.</summary>
        public void Fire(DateTime at) =>
            Timers.Single(t => t.FireAt == at && !t.Done.Task.IsCompleted && !t.Token.IsCancellationRequested).Done.SetResult();

        private void Answer<T>(string name, Func<object?, Task<T>> answer) =>
            _context.CallActivityAsync<T>(Arg.Is<TaskName>(n => n.Name == name), Arg.Any<object?>(), Arg.Any<TaskOptions?>()).Returns(call =>
            {
                Calls.Add((name, call.ArgAt<object?>(1)));
                return answer(call.ArgAt<object?>(1));
            });
    }
}
