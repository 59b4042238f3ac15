using Hearth.Memory;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Hearth.Functions.Memory;

/// <summary><c>/api/sessions/{id}/summary</c>: a chat session's summaries (topics, decisions, action items), written later on request.</summary>
public static class SessionSummaryApi
{
    public static void Map(IEndpointRouteBuilder app)
    {
        var sessions = app.MapGroup("/api/sessions/{sessionId}").WithTags("Memory");
        sessions.MapPost("/summary", RequestAsync).WithName("SummariseSession")
            .WithSummary("Summarises the session up to its last message (202; the summary is written by a function).")
            .ProducesProblem(StatusCodes.Status404NotFound).RequireRateLimiting(RateLimits.Summaries);
        sessions.MapGet("/summary", LatestAsync).WithName("GetSessionSummary").WithSummary("The session's latest written summary.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        sessions.MapGet("/summaries", ListAsync).WithName("ListSessionSummaries").WithSummary("The session's summaries, newest request first.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        sessions.MapGet("/summaries/{id}", GetAsync).WithName("GetSessionSummaryById")
            .WithSummary("One summary: pending, done (topics, decisions, action items, text) or failed (error).")
            .ProducesProblem(StatusCodes.Status404NotFound);
    }

    /// <summary>A summary as the API shows it.</summary>
    public sealed record SummaryResponse(
        string Id, string SessionId, string AgentId, string UpToMessageId, string Status, string? Origin, int MessageCount,
        IReadOnlyList<string> Topics, IReadOnlyList<string> Decisions, IReadOnlyList<string> ActionItems, string? Text, string? Error,
        DateTimeOffset? FirstMessageAt, DateTimeOffset? LastMessageAt, DateTimeOffset RequestedAt, DateTimeOffset? CompletedAt)
    {
        public static SummaryResponse From(SessionSummary s) => new(s.Id, s.SessionId, s.AgentId, s.UpToMessageId, s.Status, s.Origin, s.MessageCount,
            s.Topics, s.Decisions, s.ActionItems, s.Text, s.Error, s.FirstMessageAt, s.LastMessageAt, s.RequestedAt, s.CompletedAt);
    }

    public static async Task<Results<Accepted<AcceptedResponse>, ProblemHttpResult>> RequestAsync(
        string sessionId, CurrentUser user, SessionSummarizer summarizer, CancellationToken ct)
    {
        var id = await summarizer.RequestAsync(user.Id, sessionId, ct);
        if (id is null) return Problems.NotFound("session");
        var url = $"/api/sessions/{Uri.EscapeDataString(sessionId)}/summaries/{Uri.EscapeDataString(id)}";
        return TypedResults.Accepted(url, new AcceptedResponse(id, url));
    }

    public static async Task<Results<Ok<SummaryResponse>, ProblemHttpResult>> LatestAsync(string sessionId, CurrentUser user, SummaryStore store, CancellationToken ct)
    {
        var latest = (await store.ListAsync(user.Id, sessionId, 50, ct)).Where(s => s.Status == "done").MaxBy(s => s.LastMessageAt);
        return latest is null ? Problems.NotFound("summary") : TypedResults.Ok(SummaryResponse.From(latest));
    }

    public static async Task<Results<Ok<ListResponse<SummaryResponse>>, ProblemHttpResult>> ListAsync(
        string sessionId, CurrentUser user, SummaryStore store, SessionSummarizer summarizer, CancellationToken ct)
    {
        var summaries = await store.ListAsync(user.Id, sessionId, 100, ct);
        // No summaries yet: an own session lists nothing, an unknown or someone else's session is not found.
        if (summaries.Count == 0 && !await summarizer.IsOwnSessionAsync(user.Id, sessionId, ct)) return Problems.NotFound("session");
        return TypedResults.Ok(new ListResponse<SummaryResponse>(summaries.Select(SummaryResponse.From).ToList(), null));
    }

    public static async Task<Results<Ok<SummaryResponse>, ProblemHttpResult>> GetAsync(string sessionId, string id, CurrentUser user, SummaryStore store, CancellationToken ct) =>
        await store.GetAsync(user.Id, id, ct) is { } summary && summary.SessionId == sessionId
            ? TypedResults.Ok(SummaryResponse.From(summary))
            : Problems.NotFound("summary");
}
