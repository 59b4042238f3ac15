using System.Text.Json;
using System.Text.Json.Serialization;
using Hearth.Chat;
using Hearth.Durable.Orchestrations;
using Hearth.Functions.Media;
using Hearth.Images;
using Hearth.Images.Jobs;
using Hearth.Media;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Hearth.Functions.Pictures;

/// <summary>
/// Pictures over HTTP: ask an agent for a picture (<c>POST /api/agents/{id}/images</c>), regenerate its base portrait
/// (<c>POST /api/agents/{id}/portrait</c>), follow a job (<c>GET /api/images/{jobId}</c>, <c>GET /api/images</c>); plus
/// Fal's webhook (<c>POST /api/webhooks/fal</c>) and the pictures themselves (<c>GET /media/{id}</c>).
/// </summary>
public static class PicturesApi
{
    /// <summary>Longest scene a caller may ask for.</summary>
    public const int MaxPromptLength = 1000;

    public static IEndpointRouteBuilder MapPicturesApi(this IEndpointRouteBuilder app)
    {
        var agents = app.MapGroup("/api/agents/{agentId}").WithTags("Pictures");
        agents.MapPost("/images", RequestPictureAsync).WithName("RequestPicture")
            .WithSummary("Starts a picture of the agent (a variation that keeps its base portrait's face); it is posted into the chat when done.")
            .RequireRateLimiting(RateLimits.Pictures).RequireActiveWorkLimit()
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        agents.MapPost("/portrait", RegeneratePortraitAsync).WithName("RegeneratePortrait")
            .WithSummary("Draws the agent's base portrait again from its appearance prompt; it becomes the base portrait when done.")
            .RequireRateLimiting(RateLimits.Pictures).RequireActiveWorkLimit()
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        var images = app.MapGroup("/api/images").WithTags("Pictures");
        images.MapGet("/{jobId}", GetJobAsync).WithName("GetPictureJob")
            .WithSummary("A picture job: status (queued, submitted, running, succeeded, failed), reason, pictures as signed URLs, timestamps.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        images.MapGet("/", ListJobsAsync).WithName("ListPictureJobs")
            .WithSummary("The caller's picture jobs, newest first, optionally of one agent.")
            .ProducesProblem(StatusCodes.Status400BadRequest);

        app.MapFalWebhook();
        app.MapMediaApi();
        return app;
    }

    /// <summary>What to picture (optional; default: a casual selfie).</summary>
    public sealed record PictureRequestBody(string? Prompt);

    /// <summary>A picture job as the API shows it.</summary>
    public sealed record PictureJobResponse(
        string Id,
        string AgentId,
        PictureJobKind Kind,
        PictureJobStatus Status,
        string? Reason,
        bool Placeholder,
        string? Provider,
        string? Prompt,
        IReadOnlyList<PictureImageResponse> Images,
        string? MessageId,
        PictureJobTimestamps Timestamps,
        JsonElement? Progress);

    /// <summary>A stored picture: a signed URL that works without a token until it expires (<c>Media:UrlLifetime</c>).</summary>
    public sealed record PictureImageResponse(string MediaId, string Url, string ContentType, int? Width, int? Height);

    /// <summary>When the job reached each status (null: not yet).</summary>
    public sealed record PictureJobTimestamps(DateTimeOffset CreatedAt, DateTimeOffset? SubmittedAt, DateTimeOffset? RunningAt, DateTimeOffset? FinishedAt);

    /// <summary>The kinds of picture, as the API names them.</summary>
    public enum PictureJobKind
    {
        [JsonStringEnumMemberName("basePortrait")] BasePortrait,
        [JsonStringEnumMemberName("variation")] Variation,
    }

    /// <summary>Filters of the job list.</summary>
    public sealed record PictureJobListQuery(
        [property: FromQuery(Name = "agentId")] string? AgentId,
        [property: FromQuery(Name = "cursor")] string? Cursor,
        [property: FromQuery(Name = "limit")] int? Limit);

    public static async Task<Results<Accepted<AcceptedResponse>, ProblemHttpResult>> RequestPictureAsync(
        string agentId, [FromBody] PictureRequestBody? body, CurrentUser user, IAgentPortraits agents, IPictureJobs jobs, CancellationToken ct)
    {
        var prompt = string.IsNullOrWhiteSpace(body?.Prompt) ? null : body.Prompt.Trim();
        if (prompt is { Length: > MaxPromptLength }) return Problems.Validation(("prompt", $"must be at most {MaxPromptLength} characters"));
        if (await FindAgentAsync(agents, user, agentId, ct) is { } missing) return missing;
        var id = await jobs.StartAsync(new PictureRequest(user.Id, agentId, PictureKind.Variation, prompt, null, null), null, ct);
        return Accepted(id);
    }

    public static async Task<Results<Accepted<AcceptedResponse>, ProblemHttpResult>> RegeneratePortraitAsync(
        string agentId, CurrentUser user, IAgentPortraits agents, IPictureJobs jobs, CancellationToken ct)
    {
        if (await FindAgentAsync(agents, user, agentId, ct) is { } missing) return missing;
        var id = await jobs.StartAsync(new PictureRequest(user.Id, agentId, PictureKind.BasePortrait, null, null, null), null, ct);
        return Accepted(id);
    }

    public static async Task<Results<Ok<PictureJobResponse>, ProblemHttpResult>> GetJobAsync(
        string jobId, CurrentUser user, PictureJobStore store, IOrchestrationClient orchestrations, MediaUrls urls, CancellationToken ct)
    {
        var job = await store.FindOwnedAsync(jobId, user.OwnerFilter, ct);
        if (job is null) return Problems.NotFound("picture job");
        var orchestration = job.IsFinished ? null : await orchestrations.GetAsync(job.Id, null, ct);
        return TypedResults.Ok(await ToResponseAsync(job, orchestration, urls, ct));
    }

    public static async Task<Results<Ok<ListResponse<PictureJobResponse>>, ProblemHttpResult>> ListJobsAsync(
        [AsParameters] PictureJobListQuery query, CurrentUser user, PictureJobStore store, MediaUrls urls, CancellationToken ct)
    {
        if (!Paging.TryLimit(query.Limit, out var limit, out var limitError)) return Problems.Validation(limitError);
        var page = await store.ListAsync(user.OwnerFilter, string.IsNullOrWhiteSpace(query.AgentId) ? null : query.AgentId, limit, query.Cursor, ct);
        var items = new List<PictureJobResponse>(page.Items.Count);
        foreach (var job in page.Items) items.Add(await ToResponseAsync(job, null, urls, ct));
        return TypedResults.Ok(new ListResponse<PictureJobResponse>(items, page.NextCursor));
    }

    /// <summary>
    /// The response for a job. An unfinished row whose orchestration ended anyway (terminated by an admin, or failed before
    /// it could record why) reads as failed with the orchestration's reason.
    /// </summary>
    internal static async Task<PictureJobResponse> ToResponseAsync(PictureJob job, OrchestrationStatus? orchestration, MediaUrls urls, CancellationToken ct)
    {
        var status = job.Status;
        var reason = job.Reason;
        var finishedAt = job.FinishedAt;
        if (!job.IsFinished && orchestration is { Status: OrchestrationRuntimeStatus.Failed or OrchestrationRuntimeStatus.Terminated })
        {
            status = PictureJobStatus.Failed;
            reason = orchestration.Error ?? "The picture job ended without a picture.";
            finishedAt = orchestration.CompletedAt ?? orchestration.UpdatedAt;
        }
        var images = new List<PictureImageResponse>(job.Images.Count);
        foreach (var image in job.Images)
            images.Add(new PictureImageResponse(image.MediaId, await urls.CreateLinkAsync(image.MediaId, ct), image.ContentType, image.Width, image.Height));
        return new PictureJobResponse(
            job.Id,
            job.AgentId,
            job.Kind == PictureKind.BasePortrait ? PictureJobKind.BasePortrait : PictureJobKind.Variation,
            status,
            reason,
            job.IsPlaceholder,
            job.Provider,
            job.Prompt,
            images,
            job.MessageId,
            new PictureJobTimestamps(job.CreatedAt, job.SubmittedAt, job.RunningAt, finishedAt),
            status is PictureJobStatus.Succeeded or PictureJobStatus.Failed ? null : orchestration?.CustomStatus);
    }

    /// <summary>Null when the caller has this agent; otherwise the 404 to answer.</summary>
    private static async Task<ProblemHttpResult?> FindAgentAsync(IAgentPortraits agents, CurrentUser user, string agentId, CancellationToken ct) =>
        await agents.GetLookAsync(user.Id, agentId, ct) is null ? Problems.NotFound("agent") : null;

    private static Accepted<AcceptedResponse> Accepted(string jobId)
    {
        var url = $"/api/images/{jobId}";
        return TypedResults.Accepted(url, new AcceptedResponse(jobId, url));
    }
}
