using Hearth.Adapters.Fal;
using Hearth.Chat;
using Hearth.Durable.Tasks;
using Microsoft.DurableTask;
using Hearth.Images;
using Hearth.Images.Jobs;
using Hearth.Images.Placeholder;
using Hearth.Media;
using Microsoft.Extensions.Options;

namespace Hearth.Functions.Pictures;

/// <summary>
/// The activities of <see cref="PictureOrchestration"/>: the only places it does I/O. Each may run more than once (at
/// least once), so each starts from the job row and does nothing twice: a recorded submission is not submitted again,
/// recorded pictures are not copied again, a finished job is not delivered or failed again.
/// </summary>
public static class PictureActivities
{
    public const string Submit = "pictures.submit";
    public const string Poll = "pictures.poll";
    public const string Store = "pictures.store";
    public const string Deliver = "pictures.deliver";
    public const string Fail = "pictures.fail";

    /// <summary>Registers the activities under their names (their retry policies are the orchestration's <see cref="TaskOptions"/>).</summary>
    public static DurableTasksBuilder AddPictureActivities(this DurableTasksBuilder tasks) => tasks
        .AddActivity<SubmitPicture>(Submit)
        .AddActivity<PollPicture>(Poll)
        .AddActivity<StorePicture>(Store)
        .AddActivity<DeliverPicture>(Deliver)
        .AddActivity<FailPicture>(Fail);

    internal static async Task<PictureJob> LoadAsync(PictureJobStore store, string jobId, CancellationToken ct) =>
        await store.FindAsync(jobId, ct) ?? throw new InvalidOperationException($"Picture job {jobId} does not exist.");
}

/// <summary>
/// The generator for a job: the configured one for new submissions; for a recorded submission, the one that made it
/// (so a job submitted to Fal is still polled at Fal after the key was removed, and fails there with a clear message).
/// </summary>
public sealed class ImageGenerators(IImageGenerator current, PlaceholderImageGenerator placeholder, FalImageGenerator fal)
{
    public IImageGenerator Current => current;

    public IImageGenerator For(ImageSubmission submission) =>
        submission.Provider == current.Provider ? current
        : submission.Provider == PlaceholderImageGenerator.ProviderName ? placeholder
        : fal;
}

/// <summary>Submits the job's request to the image provider (once: a recorded submission is returned as it is).</summary>
public sealed class SubmitPicture(
    PictureJobStore store,
    ImageGenerators generators,
    PictureReferences references,
    FalWebhookUrls webhooks,
    IAgentPortraits agents,
    TimeProvider time,
    ILogger<SubmitPicture> logger) : TaskActivity<SubmitPictureInput, SubmitPictureResult>
{
    /// <summary>What a variation shows when nobody said.</summary>
    public const string DefaultScene = "a casual selfie, natural light, smiling at the camera";

    public override async Task<SubmitPictureResult> RunAsync(TaskActivityContext context, SubmitPictureInput input)
    {
        var ct = CancellationToken.None;
        var job = await PictureActivities.LoadAsync(store, input.JobId, ct);
        if (job.Submission is { } recorded) return SubmitPictureResult.Submitted(recorded.RequestId, recorded.CompletedAtSubmit, job.WebhookRequested);
        if (job.IsFinished) return SubmitPictureResult.Permanent(job.Reason ?? "The job has already finished.");

        var look = await agents.GetLookAsync(job.OwnerId, job.AgentId, ct);
        if (look is null) return SubmitPictureResult.Permanent("The agent does not exist (any more).");

        var generator = generators.Current;
        ImageRequest request;
        try
        {
            request = await BuildRequestAsync(job, look, generator, ct);
            request.Validate();
        }
        catch (PictureRefusedException e)
        {
            return SubmitPictureResult.Permanent(e.Message);
        }
        catch (ArgumentException e)
        {
            return SubmitPictureResult.Permanent(e.Message);
        }

        var webhook = generator.UsesWebhooks ? await webhooks.CreateAsync(job.Id, ct) : null;
        ImageSubmission submission;
        try
        {
            submission = await generator.SubmitAsync(request, webhook, ct);
        }
        catch (ImageGenerationException e)
        {
            logger.LogWarning("Submitting picture job {JobId} (attempt {Attempt}) failed: {Error}", job.Id, input.Attempt, e.Message);
            return e.IsRetryable ? SubmitPictureResult.Retryable(e.Message, e.RetryAfter) : SubmitPictureResult.Permanent(e.Message);
        }

        // An inline (data URL) reference is megabytes: the provider has it, the row need not.
        var kept = submission.Request.ReferenceImageUrl?.Scheme == "data" ? submission with { Request = submission.Request with { ReferenceImageUrl = null } } : submission;
        if (!await store.MarkSubmittedAsync(job.Id, kept, generator.IsPlaceholder, webhook is not null, time.GetUtcNow(), ct))
        {
            // Another run of this activity recorded its submission first: that one is the job's.
            var again = await PictureActivities.LoadAsync(store, job.Id, ct);
            if (again.Submission is { } first) return SubmitPictureResult.Submitted(first.RequestId, first.CompletedAtSubmit, again.WebhookRequested);
            return SubmitPictureResult.Permanent(again.Reason ?? "The job has already finished.");
        }
        logger.LogInformation("Picture job {JobId} submitted to {Provider} as {RequestId} ({Webhook})", job.Id, submission.Provider,
            submission.RequestId, webhook is null ? "polling" : "webhook");
        return SubmitPictureResult.Submitted(submission.RequestId, submission.CompletedAtSubmit, webhook is not null);
    }

    private async Task<ImageRequest> BuildRequestAsync(PictureJob job, AgentLook look, IImageGenerator generator, CancellationToken ct)
    {
        var appearance = string.IsNullOrWhiteSpace(look.AppearancePrompt) ? DefaultAppearance(look.Name) : look.AppearancePrompt.Trim();
        if (job.Kind == PictureKind.BasePortrait)
            return new ImageRequest(job.AgentId, ImageKind.BasePortrait, job.Prompt ?? appearance);

        if (look.BaseImageMediaId is not { } baseImage)
        {
            // No face to keep yet: draw the scene from the appearance alone.
            return new ImageRequest(job.AgentId, ImageKind.BasePortrait, Compose(appearance, job.Prompt, look.Scenario, sameAsReference: false));
        }
        var reference = await references.ReferenceForAsync(job.OwnerId, baseImage, generator, ct);
        return new ImageRequest(job.AgentId, ImageKind.Variation, Compose(appearance, job.Prompt, look.Scenario, sameAsReference: true), reference);
    }

    /// <summary>
    /// A picture's prompt: who (the companion's appearance; with a reference photo, the same person as in it), the scene
    /// asked for (already extracted from the request, see <see cref="PictureRequests.Scene"/>) or a casual selfie, and
    /// what the companion is living through now (its active scenario).
    /// </summary>
    public static string Compose(string appearance, string? scene, string? scenario, bool sameAsReference)
    {
        var who = sameAsReference ? $"The same person as in the reference photo ({appearance.TrimEnd('.')})" : appearance.TrimEnd('.');
        var parts = new List<string> { who, string.IsNullOrWhiteSpace(scene) ? DefaultScene : $"Scene: {scene.Trim().TrimEnd('.')}" };
        if (!string.IsNullOrWhiteSpace(scenario)) parts.Add($"Their life right now: {scenario.Trim().TrimEnd('.')}");
        var prompt = string.Join(". ", parts) + ".";
        return prompt.Length <= ImageRequest.MaxPromptLength ? prompt : prompt[..ImageRequest.MaxPromptLength];
    }

    /// <summary>A portrait prompt for an agent that has no appearance prompt.</summary>
    public static string DefaultAppearance(string name) =>
        $"Portrait photo of {(string.IsNullOrWhiteSpace(name) ? "a friendly person" : name.Trim())}, head and shoulders, warm natural light, friendly expression";
}

/// <summary>Asks the provider where a submission is.</summary>
public sealed class PollPicture(PictureJobStore store, ImageGenerators generators, TimeProvider time, ILogger<PollPicture> logger)
    : TaskActivity<string, PollPictureResult>
{
    public override async Task<PollPictureResult> RunAsync(TaskActivityContext context, string jobId)
    {
        var ct = CancellationToken.None;
        var job = await PictureActivities.LoadAsync(store, jobId, ct);
        if (job.Submission is not { } submission) return new PollPictureResult(PollOutcome.Failed, "The job was never submitted.");
        try
        {
            var status = await generators.For(submission).GetStatusAsync(submission, ct);
            switch (status.State)
            {
                case ImageJobState.Completed when status.Error is { } error:
                    return new PollPictureResult(PollOutcome.Failed, $"Fal failed the request: {error}");
                case ImageJobState.Completed:
                    return new PollPictureResult(PollOutcome.Completed, null);
                case ImageJobState.InProgress:
                    await store.MarkRunningAsync(jobId, time.GetUtcNow(), ct);
                    return new PollPictureResult(PollOutcome.Pending, null);
                default:
                    return new PollPictureResult(PollOutcome.Pending, null);
            }
        }
        catch (ImageGenerationException e) when (e.IsRetryable)
        {
            logger.LogWarning("Polling picture job {JobId} failed, will poll again: {Error}", jobId, e.Message);
            return new PollPictureResult(PollOutcome.Pending, e.Message);
        }
        catch (ImageGenerationException e)
        {
            return new PollPictureResult(PollOutcome.Failed, e.Message);
        }
    }
}

/// <summary>Copies every picture of the result into the media store, at once (the provider deletes its copies later).</summary>
public sealed class StorePicture(
    PictureJobStore store,
    ImageGenerators generators,
    IMediaStore media,
    MediaDownloader downloader,
    TimeProvider time,
    ILogger<StorePicture> logger) : TaskActivity<StorePictureInput, StorePictureResult>
{
    public override async Task<StorePictureResult> RunAsync(TaskActivityContext context, StorePictureInput input)
    {
        var ct = CancellationToken.None;
        var job = await PictureActivities.LoadAsync(store, input.JobId, ct);
        if (job.Images.Count > 0) return new StorePictureResult(job.Images.Select(i => i.MediaId).ToList(), null);
        if (job.IsFinished) return new StorePictureResult([], job.Reason ?? "The job has already finished.");
        if (job.Submission is not { } submission) return new StorePictureResult([], "The job was never submitted.");
        await store.MarkRunningAsync(job.Id, time.GetUtcNow(), ct);

        IReadOnlyList<GeneratedImage> images;
        if (input.Images is { Count: > 0 } named)
        {
            images = named.Select(i => new GeneratedImage(i.Url, null, i.ContentType ?? "application/octet-stream", i.Width, i.Height)).ToList();
        }
        else
        {
            ImageJobOutcome outcome;
            try
            {
                outcome = await generators.For(submission).GetResultAsync(submission, ct);
            }
            catch (ImageGenerationException e) when (!e.IsRetryable)
            {
                return new StorePictureResult([], e.Message);
            }
            if (outcome.Kind == ImageJobOutcomeKind.Failed) return new StorePictureResult([], $"Fal failed the request: {outcome.Error ?? "no reason given"}");
            if (outcome.Images.Count == 0) return new StorePictureResult([], "The provider returned no pictures.");
            images = outcome.Images;
        }

        var stored = new List<PictureJobImage>();
        try
        {
            for (var position = 0; position < images.Count; position++)
            {
                var image = images[position];
                var item = await CopyAsync(Guid.Parse(job.OwnerId), image, ct);
                stored.Add(new PictureJobImage(position, item.Id, item.ContentType, image.Width, image.Height));
            }
        }
        catch (MediaRejectedException e)
        {
            return new StorePictureResult([], $"The picture was refused: {e.Message}");
        }
        catch (MediaDownloadException e) when (!e.IsRetryable)
        {
            return new StorePictureResult([], e.Message);
        }

        if (!await store.AddImagesAsync(job.Id, stored, ct))
        {
            var recorded = await PictureActivities.LoadAsync(store, job.Id, ct);
            logger.LogInformation("Picture job {JobId}: another run recorded its pictures first; {Count} copies stay unreferenced", job.Id, stored.Count);
            return new StorePictureResult(recorded.Images.Select(i => i.MediaId).ToList(), null);
        }
        return new StorePictureResult(stored.Select(i => i.MediaId).ToList(), null);
    }

    private async Task<MediaItem> CopyAsync(Guid owner, GeneratedImage image, CancellationToken ct)
    {
        if (image.Content is { } bytes)
        {
            using var content = new MemoryStream(bytes, writable: false);
            return await media.PutAsync(owner, content, image.ContentType, ct);
        }
        if (image.Url is { Scheme: "data" } dataUrl)
        {
            var (type, data) = DataUrls.Decode(dataUrl);
            using var content = new MemoryStream(data, writable: false);
            return await media.PutAsync(owner, content, type, ct);
        }
        if (image.Url is { } url) return await downloader.DownloadAsync(owner, url, ct);
        throw new MediaRejectedException("The provider described a picture with neither a URL nor bytes.");
    }
}

/// <summary>Delivers the stored picture: into the chat (variations) or as the agent's base portrait.</summary>
public sealed class DeliverPicture(
    PictureJobStore store,
    IAgentPortraits agents,
    IChatPictures chat,
    TimeProvider time,
    ILogger<DeliverPicture> logger) : TaskActivity<string, DeliverPictureResult>
{
    /// <summary>The caption of a placeholder picture in the chat, so nobody takes it for the real thing.</summary>
    public const string PlaceholderCaption = "Placeholder picture (no Fal key is configured).";

    public override async Task<DeliverPictureResult> RunAsync(TaskActivityContext context, string jobId)
    {
        var ct = CancellationToken.None;
        var job = await PictureActivities.LoadAsync(store, jobId, ct);
        switch (job.Status)
        {
            case PictureJobStatus.Succeeded:
                return new DeliverPictureResult(true, job.MessageId, null);
            case PictureJobStatus.Failed:
                return new DeliverPictureResult(false, null, job.Reason);
        }
        if (job.Images.Count == 0) return new DeliverPictureResult(false, null, "The job has no stored picture to deliver.");
        var mediaId = job.Images[0].MediaId;

        string? messageId = null;
        if (job.Kind == PictureKind.BasePortrait)
        {
            if (!await agents.SetBasePortraitAsync(job.OwnerId, job.AgentId, mediaId, ct))
                return new DeliverPictureResult(false, null, "The agent does not exist (any more); the portrait was not set.");
        }
        else
        {
            messageId = await chat.PostPictureAsync(job.OwnerId, job.AgentId, job.SessionId, job.Id, mediaId, job.IsPlaceholder ? PlaceholderCaption : null, ct);
        }
        await store.MarkSucceededAsync(job.Id, messageId, time.GetUtcNow(), ct);
        logger.LogInformation("Picture job {JobId} delivered ({Kind}, media {MediaId})", job.Id, job.Kind, mediaId);
        return new DeliverPictureResult(true, messageId, null);
    }
}

/// <summary>Records a job's failure, cancelling it at the provider first when asked (best effort).</summary>
public sealed class FailPicture(PictureJobStore store, ImageGenerators generators, TimeProvider time, ILogger<FailPicture> logger)
    : TaskActivity<FailPictureInput, bool>
{
    public override async Task<bool> RunAsync(TaskActivityContext context, FailPictureInput input)
    {
        var ct = CancellationToken.None;
        var job = await PictureActivities.LoadAsync(store, input.JobId, ct);
        if (job.IsFinished) return false;
        if (input.CancelAtProvider && job.Submission is { } submission)
        {
            try
            {
                await generators.For(submission).CancelAsync(submission, ct);
                logger.LogInformation("Picture job {JobId}: cancelled {RequestId} at {Provider}", job.Id, submission.RequestId, submission.Provider);
            }
            catch (ImageGenerationException e)
            {
                // The job fails anyway; a request we could not cancel finishes at the provider and is ignored.
                logger.LogWarning("Picture job {JobId}: cancelling {RequestId} failed: {Error}", job.Id, submission.RequestId, e.Message);
            }
        }
        var failed = await store.MarkFailedAsync(job.Id, input.Reason, time.GetUtcNow(), ct);
        if (failed) logger.LogWarning("Picture job {JobId} failed: {Reason}", job.Id, input.Reason);
        return failed;
    }
}

/// <summary>A picture request that cannot be made as asked; the message says why (it becomes the job's reason).</summary>
public sealed class PictureRefusedException(string message) : Exception(message);
