using System.Globalization;
using System.Text.Json;
using Hearth.Durable.Jobs;
using Hearth.Durable.Orchestrations;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Hearth.Functions.Management;

/// <summary>
/// <c>/api/orchestrations</c>: list, status, raise event, terminate, purge — a user sees only their own instances (404 for
/// anyone else's), an admin sees all. <c>/api/admin/jobs</c>: list, read, retry, cancel — admins only.
/// </summary>
public static class ManagementApi
{
    public static IEndpointRouteBuilder MapManagementApi(this IEndpointRouteBuilder app)
    {
        var orchestrations = app.MapGroup("/api/orchestrations").WithTags("Orchestrations");
        orchestrations.MapGet("/", ListOrchestrationsAsync).WithName("ListOrchestrations")
            .WithSummary("Orchestration instances, newest first, filtered by type and status.")
            .ProducesProblem(StatusCodes.Status400BadRequest);
        orchestrations.MapGet("/{id}", GetOrchestrationAsync).WithName("GetOrchestration")
            .WithSummary("An instance's status, custom status, output or error, and timestamps.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        orchestrations.MapPost("/{id}/events/{name}", RaiseEventAsync).WithName("RaiseOrchestrationEvent")
            .WithSummary("Raises an external event (the JSON body is its data) on an unfinished instance.")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        orchestrations.MapPost("/{id}/terminate", TerminateAsync).WithName("TerminateOrchestration")
            .WithSummary("Terminates an unfinished instance.")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        orchestrations.MapDelete("/{id}", PurgeAsync).WithName("PurgeOrchestration")
            .WithSummary("Deletes a finished instance and its history.")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);

        var jobs = app.MapGroup("/api/admin/jobs").WithTags("Admin").RequireAdmin();
        jobs.MapGet("/", ListJobsAsync).WithName("ListJobs")
            .WithSummary("Jobs, newest first, filtered by state and queue (function name).")
            .ProducesProblem(StatusCodes.Status400BadRequest);
        jobs.MapGet("/{id}", GetJobAsync).WithName("GetJob").WithSummary("A job with its attempts and last error.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        jobs.MapPost("/{id}/retry", RetryJobAsync).WithName("RetryJob")
            .WithSummary("Runs a dead or cancelled function job again from its first attempt.")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        jobs.MapPost("/{id}/cancel", CancelJobAsync).WithName("CancelJob")
            .WithSummary("Cancels a ready or running job (an activity's orchestration sees it fail).")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        return app;
    }

    /// <summary>An orchestration instance as the API shows it.</summary>
    public sealed record OrchestrationResponse(
        string Id,
        string Type,
        OrchestrationRuntimeStatus Status,
        string? Owner,
        JsonElement? Input,
        JsonElement? CustomStatus,
        JsonElement? Output,
        string? Error,
        DateTimeOffset CreatedAt,
        DateTimeOffset UpdatedAt,
        DateTimeOffset? CompletedAt)
    {
        public static OrchestrationResponse From(OrchestrationStatus s) =>
            new(s.InstanceId, s.Type, s.Status, s.Owner, s.Input, s.CustomStatus, s.Output, s.Error, s.CreatedAt, s.UpdatedAt, s.CompletedAt);
    }

    /// <summary>Why an instance is terminated (optional).</summary>
    public sealed record TerminateRequest(string? Reason);

    /// <summary>Filters of the orchestration list.</summary>
    public sealed record OrchestrationListQuery(
        [property: FromQuery(Name = "type")] string? Type,
        [property: FromQuery(Name = "status")] string? Status,
        [property: FromQuery(Name = "cursor")] string? Cursor,
        [property: FromQuery(Name = "limit")] int? Limit);

    /// <summary>Filters of the job list.</summary>
    public sealed record JobListQuery(
        [property: FromQuery(Name = "state")] string? State,
        [property: FromQuery(Name = "queue")] string? Queue,
        [property: FromQuery(Name = "cursor")] string? Cursor,
        [property: FromQuery(Name = "limit")] int? Limit);

    public static async Task<Results<Ok<ListResponse<OrchestrationResponse>>, ProblemHttpResult>> ListOrchestrationsAsync(
        [AsParameters] OrchestrationListQuery query, CurrentUser user, IOrchestrationClient client, CancellationToken ct)
    {
        if (!Paging.TryLimit(query.Limit, out var limit, out var limitError)) return Problems.Validation(limitError);
        OrchestrationRuntimeStatus? status = null;
        if (!string.IsNullOrEmpty(query.Status))
        {
            if (!Enum.TryParse<OrchestrationRuntimeStatus>(query.Status, ignoreCase: true, out var parsed) || !Enum.IsDefined(parsed))
                return Problems.Validation(("status", $"must be one of {string.Join(", ", Enum.GetNames<OrchestrationRuntimeStatus>())}"));
            status = parsed;
        }
        var page = await client.ListAsync(new OrchestrationQuery(NullIfEmpty(query.Type), status, user.OwnerFilter, limit, NullIfEmpty(query.Cursor)), ct);
        return TypedResults.Ok(new ListResponse<OrchestrationResponse>(page.Items.Select(OrchestrationResponse.From).ToList(), page.NextCursor));
    }

    public static async Task<Results<Ok<OrchestrationResponse>, ProblemHttpResult>> GetOrchestrationAsync(
        string id, CurrentUser user, IOrchestrationClient client, CancellationToken ct)
    {
        var status = await client.GetAsync(id, user.OwnerFilter, ct);
        return status is null ? Problems.NotFound("orchestration") : TypedResults.Ok(OrchestrationResponse.From(status));
    }

    public static async Task<Results<Accepted<AcceptedResponse>, ProblemHttpResult>> RaiseEventAsync(
        string id, string name, [FromBody] JsonElement? data, CurrentUser user, IOrchestrationClient client, CancellationToken ct)
    {
        if (name.Length is 0 or > 200) return Problems.Validation(("name", "must be 1-200 characters"));
        var status = await client.GetAsync(id, user.OwnerFilter, ct);
        if (status is null) return Problems.NotFound("orchestration");
        if (status.IsFinished || !await client.RaiseEventAsync(id, name, data, user.OwnerFilter, ct))
            return Problems.Conflict($"The orchestration has finished ({status.Status}); it takes no more events.");
        return AcceptedOrchestration(id);
    }

    public static async Task<Results<Accepted<AcceptedResponse>, ProblemHttpResult>> TerminateAsync(
        string id, [FromBody] TerminateRequest? request, CurrentUser user, IOrchestrationClient client, CancellationToken ct)
    {
        var reason = string.IsNullOrWhiteSpace(request?.Reason) ? $"Terminated by {user.Subject}." : request.Reason.Trim();
        if (reason.Length > 1000) return Problems.Validation(("reason", "must be at most 1000 characters"));
        var status = await client.GetAsync(id, user.OwnerFilter, ct);
        if (status is null) return Problems.NotFound("orchestration");
        if (status.IsFinished || !await client.TerminateAsync(id, reason, user.OwnerFilter, ct))
            return Problems.Conflict($"The orchestration has already finished ({status.Status}).");
        return AcceptedOrchestration(id);
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> PurgeAsync(
        string id, CurrentUser user, IOrchestrationClient client, CancellationToken ct) =>
        await client.PurgeAsync(id, user.OwnerFilter, ct) switch
        {
            PurgeResult.Purged => TypedResults.NoContent(),
            PurgeResult.NotFinished => Problems.Conflict("Only a finished orchestration can be purged; terminate it first."),
            _ => Problems.NotFound("orchestration"),
        };

    public static async Task<Results<Ok<ListResponse<JobInfo>>, ProblemHttpResult>> ListJobsAsync(
        [AsParameters] JobListQuery query, IJobClient jobs, CancellationToken ct)
    {
        if (!Paging.TryLimit(query.Limit, out var limit, out var limitError)) return Problems.Validation(limitError);
        JobState? state = null;
        if (!string.IsNullOrEmpty(query.State))
        {
            if (!Enum.TryParse<JobState>(query.State, ignoreCase: true, out var parsed) || !Enum.IsDefined(parsed))
                return Problems.Validation(("state", $"must be one of {string.Join(", ", Enum.GetNames<JobState>())}"));
            state = parsed;
        }
        var page = await jobs.ListAsync(new JobQuery(state, NullIfEmpty(query.Queue), null, limit, NullIfEmpty(query.Cursor)), ct);
        return TypedResults.Ok(new ListResponse<JobInfo>(page.Items, page.NextCursor));
    }

    public static async Task<Results<Ok<JobInfo>, ProblemHttpResult>> GetJobAsync(string id, IJobClient jobs, CancellationToken ct) =>
        JobId(id) is { } jobId && await jobs.GetAsync(jobId, ct) is { } job ? TypedResults.Ok(job) : Problems.NotFound("job");

    public static async Task<Results<Accepted<AcceptedResponse>, ProblemHttpResult>> RetryJobAsync(string id, IJobClient jobs, CancellationToken ct)
    {
        if (JobId(id) is not { } jobId) return Problems.NotFound("job");
        return await jobs.RetryAsync(jobId, ct) switch
        {
            JobActionResult.Done => TypedResults.Accepted($"/api/admin/jobs/{id}", new AcceptedResponse(id, $"/api/admin/jobs/{id}")),
            JobActionResult.NotAllowed => Problems.Conflict("Only a dead or cancelled function job can be retried."),
            JobActionResult.Conflict => Problems.Conflict("An unfinished job with the same unique key exists."),
            _ => Problems.NotFound("job"),
        };
    }

    public static async Task<Results<Ok<JobInfo>, ProblemHttpResult>> CancelJobAsync(string id, IJobClient jobs, CancellationToken ct)
    {
        if (JobId(id) is not { } jobId) return Problems.NotFound("job");
        return await jobs.CancelAsync(jobId, ct) switch
        {
            JobActionResult.Done when await jobs.GetAsync(jobId, ct) is { } job => TypedResults.Ok(job),
            JobActionResult.NotAllowed => Problems.Conflict("Only a ready or running function or activity job can be cancelled."),
            _ => Problems.NotFound("job"),
        };
    }

    private static Accepted<AcceptedResponse> AcceptedOrchestration(string id)
    {
        var url = $"/api/orchestrations/{Uri.EscapeDataString(id)}";
        return TypedResults.Accepted(url, new AcceptedResponse(id, url));
    }

    private static long? JobId(string id) =>
        long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : null;

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
