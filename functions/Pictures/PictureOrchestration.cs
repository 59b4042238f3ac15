using Hearth.Durable.Orchestrations;
using Hearth.Images;
using Context = Hearth.Durable.Orchestrations.OrchestrationContext<
    Hearth.Functions.Pictures.PictureJobInput, Hearth.Functions.Pictures.PictureJobState, Hearth.Functions.Pictures.PictureJobOutput>;

namespace Hearth.Functions.Pictures;

/// <summary>
/// Makes one picture: submit (retried with backoff on 429/5xx, honouring Retry-After) → wait for Fal's webhook event
/// with a timeout → on timeout poll the status URL with growing waits (a webhook arriving meanwhile still counts; whichever
/// comes first wins, once) → copy every picture into the media store → post it into the chat or set the base portrait →
/// complete. A deadline (from the start) fails it with the reason and cancels it at Fal. The placeholder painter runs the
/// same way and is complete at submission. Every step's I/O is an activity; the job row follows each step.
/// </summary>
public sealed class PictureOrchestration : Orchestration<PictureJobInput, PictureJobState, PictureJobOutput>
{
    /// <summary>The orchestration's registered name.</summary>
    public const string Name = "PictureJob";

    /// <summary>The external event a verified webhook raises; its data is a <see cref="PictureResultEvent"/>.</summary>
    public const string ResultEvent = "fal.result";

    private static class Tags
    {
        public const string Submit = "submit";
        public const string SubmitRetry = "submit-retry";
        public const string Poll = "poll";
        public const string Deadline = "deadline";
        public const string Store = "store";
        public const string Deliver = "deliver";
        public const string Fail = "fail";
    }

    public override void OnEvent(Context ctx, OrchestrationEvent e)
    {
        var state = ctx.State;
        switch (e)
        {
            case OrchestrationStarted:
                state.Deadline = ctx.CurrentTime + ctx.Input.Pacing.Deadline;
                ctx.CreateTimer(state.Deadline.Value, Tags.Deadline);
                Submit(ctx);
                break;

            case TimerFired { Tag: Tags.SubmitRetry } when state.Phase == PicturePhase.Submitting:
                Submit(ctx);
                break;
            case ActivityCompleted { Tag: Tags.Submit } completed when state.Phase == PicturePhase.Submitting:
                OnSubmitted(ctx, completed.GetResult<SubmitPictureResult>());
                break;
            case ActivityFailed { Tag: Tags.Submit } failed when state.Phase == PicturePhase.Submitting:
                Fail(ctx, $"Submitting the picture failed: {failed.Error}", cancelAtProvider: true);
                break;

            case EventRaised { Name: ResultEvent } raised when state.Phase is PicturePhase.WaitingForWebhook or PicturePhase.Polling:
                OnResult(ctx, raised.GetData<PictureResultEvent>());
                break;
            case EventWaitTimedOut { Name: ResultEvent } when state.Phase == PicturePhase.WaitingForWebhook:
                StartPolling(ctx);
                break;

            case TimerFired { Tag: Tags.Poll } when state.Phase == PicturePhase.Polling:
                Poll(ctx);
                break;
            case ActivityCompleted { Tag: Tags.Poll } completed when state.Phase == PicturePhase.Polling:
                OnPolled(ctx, completed.GetResult<PollPictureResult>());
                break;
            case ActivityFailed { Tag: Tags.Poll } failed when state.Phase == PicturePhase.Polling:
                // Trouble of ours (the database, say) after the activity's own retries: keep polling; the deadline bounds it.
                state.Polls++;
                state.LastError = failed.Error;
                SchedulePoll(ctx);
                break;

            case TimerFired { Tag: Tags.Deadline } when state.Phase is PicturePhase.Submitting or PicturePhase.WaitingForWebhook or PicturePhase.Polling:
                var last = state.LastError is null ? "" : $" (last problem: {state.LastError})";
                Fail(ctx, $"No picture within the deadline of {Describe(ctx.Input.Pacing.Deadline)}{last}; the request was cancelled.", cancelAtProvider: true);
                break;

            case ActivityCompleted { Tag: Tags.Store } completed when state.Phase == PicturePhase.Storing:
                var stored = completed.GetResult<StorePictureResult>();
                if (stored.Error is { } refused)
                {
                    Fail(ctx, refused, cancelAtProvider: false);
                    break;
                }
                state.MediaIds = [.. stored.MediaIds];
                state.Phase = PicturePhase.Delivering;
                ctx.CallActivity(PictureActivities.Deliver, ctx.Input.JobId, Tags.Deliver);
                Progress(ctx);
                break;
            case ActivityFailed { Tag: Tags.Store } failed when state.Phase == PicturePhase.Storing:
                Fail(ctx, $"Copying the picture into the media store failed: {failed.Error}", cancelAtProvider: false);
                break;

            case ActivityCompleted { Tag: Tags.Deliver } completed when state.Phase == PicturePhase.Delivering:
                var delivered = completed.GetResult<DeliverPictureResult>();
                if (!delivered.Delivered)
                {
                    Fail(ctx, delivered.Error ?? "The picture could not be delivered.", cancelAtProvider: false);
                    break;
                }
                ctx.Complete(new PictureJobOutput(ctx.Input.JobId, state.MediaIds, delivered.MessageId));
                break;
            case ActivityFailed { Tag: Tags.Deliver } failed when state.Phase == PicturePhase.Delivering:
                Fail(ctx, $"Delivering the picture failed: {failed.Error}", cancelAtProvider: false);
                break;

            case ActivityCompleted { Tag: Tags.Fail } when state.Phase == PicturePhase.Failing:
            case ActivityFailed { Tag: Tags.Fail } when state.Phase == PicturePhase.Failing:
                ctx.Fail(state.FailureReason ?? "The picture job failed.");
                break;

            // Anything else is late news for a phase that is over (a poll answer after the webhook won, a duplicate event,
            // the deadline while copying): nothing to do.
        }
    }

    private static void Submit(Context ctx)
    {
        var state = ctx.State;
        state.Phase = PicturePhase.Submitting;
        state.SubmitAttempts++;
        ctx.CallActivity(PictureActivities.Submit, new SubmitPictureInput(ctx.Input.JobId, state.SubmitAttempts), Tags.Submit);
        Progress(ctx);
    }

    private static void OnSubmitted(Context ctx, SubmitPictureResult result)
    {
        var state = ctx.State;
        var pacing = ctx.Input.Pacing;
        switch (result.Outcome)
        {
            case SubmitOutcome.Submitted:
                state.RequestId = result.RequestId;
                state.LastError = null;
                if (result.CompletedAtSubmit)
                {
                    Store(ctx, images: null);
                }
                else if (result.WebhookRequested)
                {
                    state.Phase = PicturePhase.WaitingForWebhook;
                    ctx.WaitForEvent(ResultEvent, pacing.WebhookTimeout);
                    Progress(ctx);
                }
                else
                {
                    StartPolling(ctx);
                }
                break;
            case SubmitOutcome.RetryableFailure when state.SubmitAttempts < pacing.SubmitAttempts:
                state.LastError = result.Error;
                ctx.CreateTimer(pacing.SubmitDelay(state.SubmitAttempts, result.RetryAfter), Tags.SubmitRetry);
                Progress(ctx);
                break;
            case SubmitOutcome.RetryableFailure:
                Fail(ctx, $"Fal did not take the request after {state.SubmitAttempts} attempt(s): {result.Error}", cancelAtProvider: false);
                break;
            default:
                Fail(ctx, result.Error ?? "The picture request was refused.", cancelAtProvider: false);
                break;
        }
    }

    private static void OnResult(Context ctx, PictureResultEvent result)
    {
        var state = ctx.State;
        if (state.RequestId is { } expected && !string.Equals(result.RequestId, expected, StringComparison.Ordinal))
        {
            // A result for another submission of this job (an activity that ran twice): ours is still to come.
            ctx.Logger.LogWarning("Picture job {JobId} ignores a result for request {Other}; it waits for {Expected}", ctx.Input.JobId, result.RequestId, expected);
            ctx.WaitForEvent(ResultEvent, state.Phase == PicturePhase.WaitingForWebhook ? ctx.Input.Pacing.WebhookTimeout : null);
            return;
        }
        switch (result.Kind)
        {
            case ImageJobOutcomeKind.Succeeded when result.Images.Count > 0:
                Store(ctx, result.Images);
                break;
            case ImageJobOutcomeKind.Failed:
                Fail(ctx, $"Fal failed the request: {result.Error ?? "no reason given"}", cancelAtProvider: false);
                break;
            default:
                // payload_error (or an empty result): read the result from Fal instead.
                Store(ctx, images: null);
                break;
        }
    }

    private static void StartPolling(Context ctx)
    {
        ctx.State.Phase = PicturePhase.Polling;
        ctx.WaitForEvent(ResultEvent); // a webhook that arrives late still completes the job
        Poll(ctx);
    }

    private static void Poll(Context ctx)
    {
        ctx.State.PollTimerId = null;
        ctx.CallActivity(PictureActivities.Poll, ctx.Input.JobId, Tags.Poll);
        Progress(ctx);
    }

    private static void OnPolled(Context ctx, PollPictureResult result)
    {
        var state = ctx.State;
        state.Polls++;
        switch (result.Outcome)
        {
            case PollOutcome.Completed:
                Store(ctx, images: null);
                break;
            case PollOutcome.Failed:
                Fail(ctx, result.Error ?? "Fal failed the request.", cancelAtProvider: false);
                break;
            default:
                state.LastError = result.Error;
                SchedulePoll(ctx);
                break;
        }
    }

    private static void SchedulePoll(Context ctx)
    {
        ctx.State.PollTimerId = ctx.CreateTimer(ctx.Input.Pacing.PollDelay(ctx.State.Polls), Tags.Poll);
        Progress(ctx);
    }

    private static void Store(Context ctx, IReadOnlyList<ResultImage>? images)
    {
        var state = ctx.State;
        if (state.PollTimerId is { } timer) ctx.CancelTimer(timer);
        state.PollTimerId = null;
        state.Phase = PicturePhase.Storing;
        ctx.CallActivity(PictureActivities.Store, new StorePictureInput(ctx.Input.JobId, images), Tags.Store);
        Progress(ctx);
    }

    private static void Fail(Context ctx, string reason, bool cancelAtProvider)
    {
        var state = ctx.State;
        if (state.PollTimerId is { } timer) ctx.CancelTimer(timer);
        state.PollTimerId = null;
        state.Phase = PicturePhase.Failing;
        state.FailureReason = reason;
        ctx.CallActivity(PictureActivities.Fail, new FailPictureInput(ctx.Input.JobId, reason, cancelAtProvider), Tags.Fail);
        Progress(ctx);
    }

    private static void Progress(Context ctx)
    {
        var s = ctx.State;
        ctx.SetCustomStatus(new PictureProgress(s.Phase, s.RequestId, s.SubmitAttempts, s.Polls, s.Deadline, s.LastError));
    }

    private static string Describe(TimeSpan span) =>
        span.TotalMinutes >= 1 && span.Seconds == 0 && span.Milliseconds == 0 ? $"{span.TotalMinutes:0.#} min" : $"{span.TotalSeconds:0.#} s";
}
