using Hearth.Durable.Jobs;
using Hearth.Functions.Documents;
using Hearth.Memory;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Hearth.Functions.Memory;

/// <summary>
/// <c>/api/memory</c>: what memory holds about the caller — suggestions to accept or reject, accepted memories to correct
/// or delete, and memories the user adds. Always the caller's own (admins included): another user's item is 404.
/// </summary>
public static class MemoryApi
{
    public const string ImportRateLimit = "Imports";

    /// <summary>Maps <c>/api/memory</c>, <c>/api/search</c>, <c>/api/sessions/{id}/summary</c> and <c>/api/documents</c>.</summary>
    public static IEndpointRouteBuilder MapMemoryApi(this IEndpointRouteBuilder app)
    {
        var memory = app.MapGroup("/api/memory").WithTags("Memory");
        memory.MapGet("/", ListAsync).WithName("ListMemories")
            .WithSummary("The caller's memories and suggestions, newest first (filters: status, kind, agentId).")
            .ProducesProblem(StatusCodes.Status400BadRequest);
        memory.MapGet("/{id}", GetAsync).WithName("GetMemory").WithSummary("One memory with its provenance and history.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        memory.MapPost("/", CreateAsync).WithName("CreateMemory")
            .WithSummary("Remembers something the user states directly (accepted at once); with a subject it replaces that subject's memory.")
            .ProducesProblem(StatusCodes.Status400BadRequest);
        memory.MapPost("/{id}/accept", AcceptAsync).WithName("AcceptMemory").WithSummary("Accepts a suggestion: it is remembered and recalled.")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        memory.MapPost("/{id}/reject", RejectAsync).WithName("RejectMemory")
            .WithSummary("Rejects a suggestion (or forgets an accepted memory): the same suggestion never comes back.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        memory.MapPatch("/{id}", UpdateAsync).WithName("UpdateMemory").WithSummary("Corrects a memory's text or kind; the old text is kept in its history.")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        memory.MapDelete("/{id}", DeleteAsync).WithName("DeleteMemory").WithSummary("Deletes a memory (it may be suggested again if said again).")
            .ProducesProblem(StatusCodes.Status404NotFound);

        SearchApi.Map(app);
        SessionSummaryApi.Map(app);
        DocumentsApi.Map(app);
        MemoryExportApi.Map(app);
        return app;
    }

    /// <summary>Where a memory was learnt: the message, its session and agent, and when it was said.</summary>
    public sealed record MemorySource(string? MessageId, string? SessionId, string? AgentId, DateTimeOffset At);

    /// <summary>
    /// A proposed edit of a companion's core memory block (kind <c>core</c>): <c>append</c> adds the item's text as a line,
    /// <c>replace</c> puts it in place of <see cref="Replaces"/>; <c>applied</c> once the user accepted it.
    /// </summary>
    public sealed record CoreEditView(string AgentId, string Op, string? Replaces, bool Applied);

    /// <summary>A memory as the API shows it.</summary>
    public sealed record MemoryResponse(
        string Id, string Kind, string Subject, string Text, string Status, string Origin, string? AgentId, MemorySource Source,
        IReadOnlyList<MemoryRevision> History, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, CoreEditView? CoreEdit = null)
    {
        public static MemoryResponse From(MemoryItem item) => new(item.Id, item.Kind, item.Subject, item.Text, item.Status, item.Origin, item.AgentId,
            new MemorySource(item.SourceMessageId, item.SessionId, item.AgentId, item.SourceAt), item.History, item.CreatedAt, item.UpdatedAt,
            item.Kind == MemoryKinds.Core && item.AgentId is { } agent ? CoreEditOf(item, agent) : null);

        private static CoreEditView CoreEditOf(MemoryItem item, string agent)
        {
            var replaces = MemoryCandidate.ReplacedLine(item);
            return new CoreEditView(agent, replaces is null ? "append" : "replace", replaces, item.Subject.StartsWith("core:applied:", StringComparison.Ordinal));
        }
    }

    /// <summary>A memory the user adds: kind (fact, preference, project, tool, person, date, decision, action, self), text, and optionally the subject it replaces.</summary>
    public sealed record CreateMemoryRequest(string? Kind, string? Text, string? Subject, string? AgentId);

    /// <summary>A correction: new text and/or kind.</summary>
    public sealed record UpdateMemoryRequest(string? Text, string? Kind);

    public static async Task<Results<Ok<ListResponse<MemoryResponse>>, ProblemHttpResult>> ListAsync(
        CurrentUser user, MemoryItemStore items, string? status, string? kind, string? agentId, string? cursor, int? limit, CancellationToken ct)
    {
        if (!Paging.TryLimit(limit, out var take, out var limitError)) return Problems.Validation(limitError);
        if (status is not null && !MemoryStatus.IsKnown(status)) return Problems.Validation(("status", "must be suggested, accepted or rejected"));
        if (kind is not null && !MemoryKinds.IsKnown(kind)) return Problems.Validation(("kind", $"must be one of {string.Join(", ", MemoryKinds.All)}"));
        if (cursor is not null && !cursor.StartsWith("mem_", StringComparison.Ordinal)) throw new InvalidCursorException();
        var (page, next) = await items.ListAsync(new MemoryItemQuery(user.Id, status, kind, agentId, cursor, take), ct);
        return TypedResults.Ok(new ListResponse<MemoryResponse>(page.Select(MemoryResponse.From).ToList(), next));
    }

    public static async Task<Results<Ok<MemoryResponse>, ProblemHttpResult>> GetAsync(string id, CurrentUser user, MemoryItemStore items, CancellationToken ct) =>
        await items.FindAsync(user.Id, id, ct) is { } item ? TypedResults.Ok(MemoryResponse.From(item)) : Problems.NotFound("memory");

    /// <summary>An upsert (a subject replaces its memory), so 200 with the memory rather than 201.</summary>
    public static async Task<Results<Ok<MemoryResponse>, ProblemHttpResult>> CreateAsync(
        CreateMemoryRequest request, CurrentUser user, MemoryItemStore items, CancellationToken ct)
    {
        var errors = new List<(string, string)>();
        if (request.Kind is null || !MemoryKinds.Writable.Contains(request.Kind))
            errors.Add(("kind", $"must be one of {string.Join(", ", MemoryKinds.Writable)} (the core memory block is written at /api/agents/{{id}}/core-memory)"));
        if (string.IsNullOrWhiteSpace(request.Text) || request.Text.Trim().Length > 2000) errors.Add(("text", "must be 1-2000 characters"));
        if (request.Subject is { Length: > 120 }) errors.Add(("subject", "must be at most 120 characters"));
        if (request.Kind == MemoryKinds.Self && string.IsNullOrWhiteSpace(request.AgentId)) errors.Add(("agentId", "a self-description names its agent"));
        if (errors.Count > 0) return Problems.Validation([.. errors]);
        var item = await items.CreateAsync(user.Id, request.Kind!, request.Text!, request.AgentId, request.Subject, ct);
        return TypedResults.Ok(MemoryResponse.From(item));
    }

    public static async Task<Results<Ok<MemoryResponse>, ProblemHttpResult>> AcceptAsync(string id, CurrentUser user, MemoryItemStore items, CancellationToken ct)
    {
        var (change, item) = await items.SetStatusAsync(user.Id, id, MemoryStatus.Accepted, ct);
        return change switch
        {
            MemoryChange.Done => TypedResults.Ok(MemoryResponse.From(item!)),
            MemoryChange.Conflict => Problems.Conflict("Another memory of the same subject is already kept; edit or delete it first."),
            MemoryChange.CoreLineGone => Problems.Create(StatusCodes.Status409Conflict, ProblemTypes.CoreMemoryChanged,
                "The line this edit replaces is no longer in the core memory; edit the suggestion or the core memory, or reject it."),
            MemoryChange.CoreTooLong => Problems.Create(StatusCodes.Status409Conflict, ProblemTypes.CoreMemoryFull,
                $"With this edit the core memory would be longer than {Hearth.Chat.CoreMemory.MaxLength} characters; shorten it first."),
            _ => Problems.NotFound("memory"),
        };
    }

    public static async Task<Results<Ok<MemoryResponse>, ProblemHttpResult>> RejectAsync(string id, CurrentUser user, MemoryItemStore items, CancellationToken ct)
    {
        var (change, item) = await items.SetStatusAsync(user.Id, id, MemoryStatus.Rejected, ct);
        return change == MemoryChange.Done ? TypedResults.Ok(MemoryResponse.From(item!)) : Problems.NotFound("memory");
    }

    public static async Task<Results<Ok<MemoryResponse>, ProblemHttpResult>> UpdateAsync(
        string id, UpdateMemoryRequest request, CurrentUser user, MemoryItemStore items, CancellationToken ct)
    {
        if (request.Text is null && request.Kind is null) return Problems.Validation(("text", "give text and/or kind"));
        if (request.Text is not null && (string.IsNullOrWhiteSpace(request.Text) || request.Text.Trim().Length > 2000))
            return Problems.Validation(("text", "must be 1-2000 characters"));
        if (request.Kind is not null && !MemoryKinds.IsKnown(request.Kind))
            return Problems.Validation(("kind", $"must be one of {string.Join(", ", MemoryKinds.All)}"));
        var (change, item) = await items.EditAsync(user.Id, id, request.Text, request.Kind, ct);
        return change switch
        {
            MemoryChange.Done => TypedResults.Ok(MemoryResponse.From(item!)),
            MemoryChange.Conflict => Problems.Conflict("Another memory of that kind and subject exists; edit or delete it instead."),
            MemoryChange.KindFixed => Problems.Validation(("kind", "a core memory edit stays one, and no other memory becomes one")),
            _ => Problems.NotFound("memory"),
        };
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(string id, CurrentUser user, MemoryItemStore items, CancellationToken ct) =>
        await items.DeleteAsync(user.Id, id, ct) ? TypedResults.NoContent() : Problems.NotFound("memory");
}
