using Hearth.Adapters.Fal;
using Hearth.Durable.Orchestrations;
using Hearth.Images;
using Hearth.Images.Jobs;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Hearth.Functions.Pictures;

/// <summary>
/// <c>POST /api/webhooks/fal?job={jobId}&amp;token={token}</c>: Fal reports a finished request. Anonymous; trusted only when the
/// per-job token is right (checked first: cheap, and it binds the delivery to its job) and Fal's Ed25519 signature over
/// the raw body verifies with a fresh timestamp. Anything else is 401 and changes nothing; 503 when Fal's keys cannot be
/// fetched (Fal retries). A verified delivery is recorded once per Fal request id (duplicates answer 200 and do nothing
/// else), then raised as the orchestration's <see cref="PictureOrchestration.ResultEvent"/>. It answers at once: the
/// copying happens in the orchestration.
/// </summary>
public static class FalWebhookApi
{
    /// <summary>Largest webhook body accepted. Results carry URLs (a few KB); the margin covers inline data URLs of small pictures.</summary>
    public const long MaxBodyBytes = 4 * 1024 * 1024;

    /// <summary>What a delivery got: accepted (first delivery) or a duplicate of one already seen.</summary>
    public sealed record FalWebhookReceipt(bool Accepted, bool Duplicate);

    public static IEndpointRouteBuilder MapFalWebhook(this IEndpointRouteBuilder app)
    {
        app.MapPost(FalWebhookUrls.Route, ReceiveAsync).WithName("ReceiveFalWebhook").WithTags("Pictures")
            .WithSummary("Fal's webhook for a finished picture request (signed by Fal; the URL carries the job and its token).")
            .AllowAnonymous()
            .WithMaxRequestBody(MaxBodyBytes)
            .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge).ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return app;
    }

    public static async Task<Results<Ok<FalWebhookReceipt>, ProblemHttpResult>> ReceiveAsync(
        HttpContext http,
        [FromQuery(Name = FalWebhookUrls.JobParameter)] string? job,
        [FromQuery(Name = FalWebhookUrls.TokenParameter)] string? token,
        FalWebhookUrls urls,
        IImageWebhookVerifier verifier,
        PictureJobStore store,
        IOrchestrationClient orchestrations,
        TimeProvider time,
        ILogger<PictureOrchestration> logger,
        CancellationToken ct)
    {
        if (string.IsNullOrEmpty(job) || job.Length > PictureJobs.MaxIdLength || !await urls.VerifyTokenAsync(job, token, ct))
        {
            logger.LogWarning("Refused a Fal webhook: the token does not match the job");
            return Unauthorized("The webhook token is not valid for this job.");
        }

        using var buffer = new MemoryStream();
        await http.Request.Body.CopyToAsync(buffer, ct);
        var headers = http.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        var verdict = await verifier.VerifyAsync(headers, buffer.GetBuffer().AsMemory(0, (int)buffer.Length), time.GetUtcNow(), ct);
        switch (verdict)
        {
            case WebhookVerification.Unavailable unavailable:
                http.Response.Headers.RetryAfter = "60";
                return Problems.Unavailable($"The webhook cannot be verified right now: {unavailable.Reason}");
            case WebhookVerification.Rejected:
                return Unauthorized("The webhook signature is not valid.");
        }
        var verified = (WebhookVerification.Verified)verdict;

        var row = await store.FindAsync(job, ct);
        if (row is null) return Problems.NotFound("picture job");
        if (row.RequestId is { } expected && !string.Equals(expected, verified.RequestId, StringComparison.Ordinal))
        {
            // Genuine, but for another Fal request (a duplicate submission, or a replay onto this job's URL): not this
            // job's picture, and recording it would turn that request's own delivery into a "duplicate".
            logger.LogWarning("Fal webhook for picture job {JobId} names request {RequestId}, not the job's {Expected}: ignored",
                job, verified.RequestId, expected);
            return TypedResults.Ok(new FalWebhookReceipt(false, false));
        }
        if (!await store.TryRecordDeliveryAsync(verified.RequestId, job, verified.Outcome.Kind.ToString(), time.GetUtcNow(), ct))
        {
            logger.LogInformation("Fal webhook for picture job {JobId} (request {RequestId}) is a duplicate", job, verified.RequestId);
            return TypedResults.Ok(new FalWebhookReceipt(false, true));
        }
        try
        {
            var raised = await orchestrations.RaiseEventAsync(job, PictureOrchestration.ResultEvent, PictureResultEvent.From(verified.Outcome), null, ct);
            logger.LogInformation("Fal webhook for picture job {JobId} (request {RequestId}, {Outcome}){Late}", job, verified.RequestId,
                verified.Outcome.Kind, raised ? "" : ": the job has already finished");
        }
        catch
        {
            // Not applied: forget it, so Fal's next delivery is not taken for a duplicate.
            await store.ForgetDeliveryAsync(verified.RequestId, CancellationToken.None);
            throw;
        }
        return TypedResults.Ok(new FalWebhookReceipt(true, false));
    }

    private static ProblemHttpResult Unauthorized(string detail) =>
        Problems.Create(StatusCodes.Status401Unauthorized, ProblemTypes.Unauthorized, detail);
}
