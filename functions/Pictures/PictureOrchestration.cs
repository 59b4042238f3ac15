using Hearth.Images;
using Microsoft.DurableTask;
using DurableRetry = Microsoft.DurableTask.RetryPolicy;

namespace Hearth.Functions.Pictures;

/// <summary>
/// Makes one picture: submit (retried with backoff on 429/5xx, honouring Retry-After) → wait for Fal's webhook event
/// with a timeout → on timeout poll the status URL with growing waits (a webhook arriving meanwhile still counts; whichever
/// comes first wins, once) → copy every picture into the media store → post it into the chat or set the base portrait →
/// complete. A deadline (from the start) fails it with the reason and cancels it at Fal, up to the copy. The placeholder
/// painter runs the same way and is complete at submission. Every step's I/O is an activity; the job row follows each step.
/// </summary>
public sealed class PictureOrchestration : TaskOrchestrator<PictureJobInput, PictureJobOutput>
{
    /// <summary>The orchestration's registered name.</summary>
    public const string Name = "PictureJob";

    /// <summary>The external event a verified webhook raises; its data is a <see cref="PictureResultEvent"/>.</summary>
    public const string ResultEvent = "fal.result";

    // Retries for trouble of ours (the database, a full disk); the provider's answers are handled by the flow itself.
    internal static readonly TaskOptions SubmitRetry = Retry(3, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10));
    internal static readonly TaskOptions PollRetry = Retry(2, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
    internal static readonly TaskOptions StoreRetry = Retry(5, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(30));
    internal static readonly TaskOptions FinishRetry = Retry(5, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30));

    public override async Task<PictureJobOutput> RunAsync(TaskOrchestrationContext context, PictureJobInput input)
    {
        var deadlineAt = context.CurrentUtcDateTime + input.Pacing.Deadline;
        using var deadline = new CancellationTokenSource();
        var run = new PictureRun(context, input, deadlineAt, context.CreateTimer(deadlineAt, deadline.Token));
        try
        {
            var found = await run.SubmitAndWaitAsync();
            deadline.Cancel(); // past this point the picture exists: copying and delivering are not cut short
            return await run.StoreAndDeliverAsync(found);
        }
        finally
        {
            if (!deadline.IsCancellationRequested) deadline.Cancel();
        }
    }

    private static TaskOptions Retry(int attempts, TimeSpan first, TimeSpan max) =>
        TaskOptions.FromRetryPolicy(new DurableRetry(attempts, first, backoffCoefficient: 2, maxRetryInterval: max));
}

/// <summary>Where the pictures come from once the provider has them: the webhook's URLs, or null to read the result.</summary>
internal sealed record FoundPicture(IReadOnlyList<ResultImage>? Images);

/// <summary>A job failed for <see cref="Exception.Message"/>; the orchestration fails with it (the job row says it too).</summary>
public sealed class PictureJobFailedException(string reason) : Exception(reason);

/// <summary>One run of <see cref="PictureOrchestration"/>: its progress and the steps, each reading straight down.</summary>
/// <remarks>The deadline timer is given at the start; whichever step it beats fails the job and cancels it at the provider.</remarks>
internal sealed class PictureRun(TaskOrchestrationContext context, PictureJobInput input, DateTime deadlineAt, Task deadline)
{
    private readonly PicturePacing _pacing = input.Pacing;
    private Task<PictureResultEvent>? _webhook;

    public PictureProgress Progress { get; private set; } =
        new(PicturePhase.Submitting, null, 0, 0, new DateTimeOffset(DateTime.SpecifyKind(deadlineAt, DateTimeKind.Utc)), null);

    private Task Deadline => deadline;

    /// <summary>Submits (again after a retryable refusal), then waits for the webhook and polls; returns where the pictures are.</summary>
    public async Task<FoundPicture> SubmitAndWaitAsync()
    {
        var submitted = await SubmitAsync();
        Report(Progress with { RequestId = submitted.RequestId, LastError = null });
        if (submitted.CompletedAtSubmit) return new FoundPicture(null);
        if (submitted.WebhookRequested && await WaitForWebhookAsync() is { } delivered) return delivered;
        return await PollAsync();
    }

    private async Task<SubmitPictureResult> SubmitAsync()
    {
        while (true)
        {
            Report(Progress with { Phase = PicturePhase.Submitting, SubmitAttempts = Progress.SubmitAttempts + 1 });
            var attempt = Progress.SubmitAttempts;
            var call = context.CallActivityAsync<SubmitPictureResult>(PictureActivities.Submit, new SubmitPictureInput(input.JobId, attempt), PictureOrchestration.SubmitRetry);
            if (await Task.WhenAny(call, Deadline) == Deadline) throw await DeadlineAsync();
            SubmitPictureResult result;
            try
            {
                result = await call;
            }
            catch (TaskFailedException e)
            {
                throw await FailAsync($"Submitting the picture failed: {Reason(e)}", cancelAtProvider: true);
            }
            switch (result.Outcome)
            {
                case SubmitOutcome.Submitted:
                    return result;
                case SubmitOutcome.RetryableFailure when attempt < _pacing.SubmitAttempts:
                    Report(Progress with { LastError = result.Error });
                    using (var wait = new CancellationTokenSource())
                    {
                        var again = context.CreateTimer(context.CurrentUtcDateTime + _pacing.SubmitDelay(attempt, result.RetryAfter), wait.Token);
                        if (await Task.WhenAny(again, Deadline) == Deadline)
                        {
                            wait.Cancel();
                            throw await DeadlineAsync();
                        }
                    }
                    break;
                case SubmitOutcome.RetryableFailure:
                    throw await FailAsync($"Fal did not take the request after {attempt} attempt(s): {result.Error}", cancelAtProvider: false);
                default:
                    throw await FailAsync(result.Error ?? "The picture request was refused.", cancelAtProvider: false);
            }
        }
    }

    /// <summary>Waits for this submission's webhook until the webhook timeout; null when it did not come (then poll).</summary>
    private async Task<FoundPicture?> WaitForWebhookAsync()
    {
        Report(Progress with { Phase = PicturePhase.WaitingForWebhook });
        using var timeout = new CancellationTokenSource();
        var timer = context.CreateTimer(context.CurrentUtcDateTime + _pacing.WebhookTimeout, timeout.Token);
        while (true)
        {
            var webhook = NextWebhook();
            var first = await Task.WhenAny(webhook, timer, Deadline);
            if (first == Deadline)
            {
                timeout.Cancel();
                throw await DeadlineAsync();
            }
            if (first == timer) return null; // the wait for the webhook goes on while polling
            if (await OnWebhookAsync() is { } found)
            {
                timeout.Cancel();
                return found;
            }
        }
    }

    /// <summary>Polls the provider with growing waits until it has the pictures; a webhook arriving meanwhile wins.</summary>
    private async Task<FoundPicture> PollAsync()
    {
        Report(Progress with { Phase = PicturePhase.Polling });
        using var waits = new CancellationTokenSource();
        Task<PollPictureResult>? poll = context.CallActivityAsync<PollPictureResult>(PictureActivities.Poll, input.JobId, PictureOrchestration.PollRetry);
        Task? wait = null;
        while (true)
        {
            var webhook = NextWebhook();
            var first = await Task.WhenAny(webhook, Deadline, poll ?? wait!);
            if (first == Deadline)
            {
                waits.Cancel();
                throw await DeadlineAsync();
            }
            if (first == webhook)
            {
                if (await OnWebhookAsync() is not { } delivered) continue;
                waits.Cancel();
                return delivered;
            }
            if (first == wait)
            {
                wait = null;
                poll = context.CallActivityAsync<PollPictureResult>(PictureActivities.Poll, input.JobId, PictureOrchestration.PollRetry);
                Report(Progress);
                continue;
            }

            PollPictureResult polled;
            try
            {
                polled = await poll!;
            }
            catch (TaskFailedException e)
            {
                // Trouble of ours after the activity's own retries: keep polling; the deadline bounds it.
                polled = new PollPictureResult(PollOutcome.Pending, Reason(e));
            }
            poll = null;
            Report(Progress with { Polls = Progress.Polls + 1 });
            switch (polled.Outcome)
            {
                case PollOutcome.Completed:
                    waits.Cancel();
                    return new FoundPicture(null);
                case PollOutcome.Failed:
                    waits.Cancel();
                    throw await FailAsync(polled.Error ?? "Fal failed the request.", cancelAtProvider: false);
                default:
                    Report(Progress with { LastError = polled.Error });
                    wait = context.CreateTimer(context.CurrentUtcDateTime + _pacing.PollDelay(Progress.Polls), waits.Token);
                    break;
            }
        }
    }

    /// <summary>The pending wait for the result event (one at a time, so an event is never consumed by a forgotten wait).</summary>
    private Task<PictureResultEvent> NextWebhook() =>
        _webhook ??= context.WaitForExternalEvent<PictureResultEvent>(PictureOrchestration.ResultEvent);

    /// <summary>Reads the webhook that arrived: where the pictures are, or null when it was another submission's (keep waiting).</summary>
    private async Task<FoundPicture?> OnWebhookAsync()
    {
        var result = await _webhook!;
        _webhook = null;
        if (Progress.RequestId is { } expected && !string.Equals(result.RequestId, expected, StringComparison.Ordinal))
        {
            // A result for another submission of this job (an activity that ran twice): ours is still to come.
            context.CreateReplaySafeLogger<PictureOrchestration>().LogWarning(
                "Picture job {JobId} ignores a result for request {Other}; it waits for {Expected}", input.JobId, result.RequestId, expected);
            return null;
        }
        return result.Kind switch
        {
            ImageJobOutcomeKind.Succeeded when result.Images.Count > 0 => new FoundPicture(result.Images),
            ImageJobOutcomeKind.Failed => throw await FailAsync($"Fal failed the request: {result.Error ?? "no reason given"}", cancelAtProvider: false),
            _ => new FoundPicture(null), // payload_error (or an empty result): read the result from Fal instead
        };
    }

    /// <summary>Copies the pictures into the media store, then delivers them; the output names both.</summary>
    public async Task<PictureJobOutput> StoreAndDeliverAsync(FoundPicture found)
    {
        Report(Progress with { Phase = PicturePhase.Storing });
        StorePictureResult stored;
        try
        {
            stored = await context.CallActivityAsync<StorePictureResult>(PictureActivities.Store, new StorePictureInput(input.JobId, found.Images), PictureOrchestration.StoreRetry);
        }
        catch (TaskFailedException e)
        {
            throw await FailAsync($"Copying the picture into the media store failed: {Reason(e)}", cancelAtProvider: false);
        }
        if (stored.Error is { } refused) throw await FailAsync(refused, cancelAtProvider: false);

        Report(Progress with { Phase = PicturePhase.Delivering });
        DeliverPictureResult delivered;
        try
        {
            delivered = await context.CallActivityAsync<DeliverPictureResult>(PictureActivities.Deliver, input.JobId, PictureOrchestration.FinishRetry);
        }
        catch (TaskFailedException e)
        {
            throw await FailAsync($"Delivering the picture failed: {Reason(e)}", cancelAtProvider: false);
        }
        if (!delivered.Delivered) throw await FailAsync(delivered.Error ?? "The picture could not be delivered.", cancelAtProvider: false);
        return new PictureJobOutput(input.JobId, stored.MediaIds, delivered.MessageId);
    }

    private Task<PictureJobFailedException> DeadlineAsync()
    {
        var last = Progress.LastError is null ? "" : $" (last problem: {Progress.LastError})";
        return FailAsync($"No picture within the deadline of {Describe(_pacing.Deadline)}{last}; the request was cancelled.", cancelAtProvider: true);
    }

    /// <summary>Records the failure on the job (cancelling at the provider when asked) and returns the exception that fails the orchestration.</summary>
    private async Task<PictureJobFailedException> FailAsync(string reason, bool cancelAtProvider)
    {
        Report(Progress with { Phase = PicturePhase.Failing });
        try
        {
            await context.CallActivityAsync<bool>(PictureActivities.Fail, new FailPictureInput(input.JobId, reason, cancelAtProvider), PictureOrchestration.FinishRetry);
        }
        catch (TaskFailedException)
        {
            // The orchestration's failure still carries the reason, and the job's status answer reads it from there.
        }
        return new PictureJobFailedException(reason);
    }

    private void Report(PictureProgress progress)
    {
        Progress = progress;
        context.SetCustomStatus(progress);
    }

    private static string Reason(TaskFailedException e) => e.FailureDetails.ErrorMessage;

    private static string Describe(TimeSpan span) =>
        span.TotalMinutes >= 1 && span.Seconds == 0 && span.Milliseconds == 0 ? $"{span.TotalMinutes:0.#} min" : $"{span.TotalSeconds:0.#} s";
}
