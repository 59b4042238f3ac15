using Hearth.Chat;
using Hearth.Durable.Jobs;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace Hearth.Functions.Chat;

/// <summary>
/// <c>/api/groups</c>: group chats of the caller with two or more of their companions, who take turns (the ones the user
/// names, else the next in turn). Someone else's group is 404.
/// </summary>
public static class GroupApi
{
    public const int MaxName = 100;

    public static IEndpointRouteBuilder MapGroupApi(this IEndpointRouteBuilder app)
    {
        var groups = app.MapGroup("/api/groups").WithTags("Group chat");
        groups.MapPost("/", CreateAsync).WithName("CreateGroup")
            .WithSummary($"Creates a group chat: {{ name?, agentIds: [2-{ChatTurnService.MaxGroupMembers} of the caller's companions, in turn order] }}.")
            .ProducesProblem(StatusCodes.Status400BadRequest);
        groups.MapGet("/", ListAsync).WithName("ListGroups").WithSummary("The caller's group chats, newest first (?cursor=&limit=).")
            .ProducesProblem(StatusCodes.Status400BadRequest);
        groups.MapGet("/{id}", GetAsync).WithName("GetGroup").WithSummary("A group chat with its members in turn order.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        groups.MapDelete("/{id}", DeleteAsync).WithName("DeleteGroup").WithSummary("Deletes the group chat and its lines; the companions stay.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        groups.MapPost("/{id}/chat", ChatAsync).WithName("GroupChat")
            .WithSummary("A group turn { text, clientMessageId? }: the companions named in the text answer in the order named, else the next in turn; each reply labelled with who spoke and that companion's mood and affinity. Idempotent on clientMessageId.")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status429TooManyRequests).RequireRateLimiting(RateLimits.Chat);
        groups.MapGet("/{id}/messages", ListMessagesAsync).WithName("ListGroupMessages")
            .WithSummary("The group's lines, newest first, each with who spoke (agentId, agentName; null for the user); pass nextCursor back as ?before= (limit 1-100).")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
        groups.MapGet("/{id}/messages/{messageId}/prompt", GetPromptAsync).WithName("GetGroupReplyPrompt")
            .WithSummary("The exact messages sent to the model for a companion's line in the group (system prompt first).")
            .ProducesProblem(StatusCodes.Status404NotFound);
        groups.MapPatch("/{id}/messages/{messageId}", EditMessageAsync).WithName("EditGroupMessage")
            .WithSummary("Edits a group line, the user's or a companion's ({ text }): later prompts read the new text and memory indexes the exchanges again; feelings stay.")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status429TooManyRequests)
            .RequireRateLimiting(RateLimits.Chat);
        groups.MapDelete("/{id}/messages/{messageId}", DeleteMessageAsync).WithName("DeleteGroupMessage")
            .WithSummary("Deletes a group line: the user's takes every reply to it along, a companion's goes alone. Each deleted reply's mood and affinity steps are taken back; memory forgets the exchanges.")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status429TooManyRequests)
            .RequireRateLimiting(RateLimits.Chat);
        groups.MapGet("/{id}/messages/{messageId}/alternatives", ListAlternativesAsync).WithName("ListGroupReplyAlternatives")
            .WithSummary("A companion's group line's alternatives (swipes) and which one is chosen; a line never written again has one.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        groups.MapPost("/{id}/messages/{messageId}/regenerate", RegenerateAsync).WithName("RegenerateGroupReply")
            .WithSummary("Writes the group's last line, a companion's, again (same context, another try) and chooses the new alternative. 409 once any line came after it.")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status429TooManyRequests)
            .RequireRateLimiting(RateLimits.Chat);
        groups.MapPost("/{id}/messages/{messageId}/regenerate/stream", RegenerateStreamAsync).WithName("RegenerateGroupReplyStream")
            .WithSummary("The group regeneration as server-sent events: 'delta', 'reset', 'done' (the alternatives), 'error' — as a streamed 1:1 regeneration.")
            .Produces(StatusCodes.Status200OK, contentType: "text/event-stream")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status429TooManyRequests)
            .RequireRateLimiting(RateLimits.Chat);
        groups.MapPut("/{id}/messages/{messageId}/selected", SelectAsync).WithName("SelectGroupReply")
            .WithSummary("Chooses alternative { index } of the group's last line: it becomes the line for memory, mood and later prompts.")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status429TooManyRequests).RequireRateLimiting(RateLimits.Chat);
        return app;
    }

    public static async Task<Results<Ok<GroupMessageView>, ProblemHttpResult>> EditMessageAsync(
        string id, string messageId, ChatApi.EditMessageRequest request, CurrentUser user, ChatTurnService chat, CancellationToken ct)
    {
        var errors = ChatLimits.Validate(request.Text, null);
        if (errors.Count > 0) return Problems.Validation([.. errors]);
        return (await chat.EditGroupMessageAsync(user.Id, id, messageId, request.Text!, ct)).Result is { } line ? TypedResults.Ok(line) : Problems.NotFound("line");
    }

    public static async Task<Results<Ok<GroupLineDeletion>, ProblemHttpResult>> DeleteMessageAsync(
        string id, string messageId, CurrentUser user, ChatTurnService chat, CancellationToken ct) =>
        (await chat.DeleteGroupMessageAsync(user.Id, id, messageId, ct)).Result is { } deleted ? TypedResults.Ok(deleted) : Problems.NotFound("line");

    public static async Task<Results<Ok<ReplyAlternatives>, ProblemHttpResult>> ListAlternativesAsync(
        string id, string messageId, CurrentUser user, ChatTurnService chat, CancellationToken ct) =>
        await chat.ListGroupAlternativesAsync(user.Id, id, messageId, ct) is { } list ? TypedResults.Ok(list) : Problems.NotFound("reply");

    public static async Task<Results<Ok<ReplyAlternatives>, ProblemHttpResult>> RegenerateAsync(
        string id, string messageId, CurrentUser user, ChatTurnService chat, CancellationToken ct) =>
        ChatApi.Alternatives(await chat.RegenerateGroupReplyAsync(new GroupRegenerateCommand(user.Id, user.TimeZone, id, messageId, user.DisplayName), null, ct), "index");

    public static Task<Results<EmptyHttpResult, ProblemHttpResult>> RegenerateStreamAsync(
        string id, string messageId, CurrentUser user, ChatTurnService chat, HttpContext http, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json,
        ILoggerFactory loggers, CancellationToken ct) =>
        ChatApi.StreamRegenerationAsync(events => chat.RegenerateGroupReplyAsync(new GroupRegenerateCommand(user.Id, user.TimeZone, id, messageId, user.DisplayName), events, ct),
            http, json, loggers, ct);

    public static async Task<Results<Ok<ReplyAlternatives>, ProblemHttpResult>> SelectAsync(
        string id, string messageId, ChatApi.SelectReplyRequest request, CurrentUser user, ChatTurnService chat, CancellationToken ct)
    {
        if (request.Index is not { } index) return Problems.Validation(("index", "is required"));
        return ChatApi.Alternatives(await chat.SelectGroupAlternativeAsync(user.Id, id, messageId, index, ct), "index");
    }

    /// <summary>A new group.</summary>
    public sealed record CreateGroupRequest(string? Name, IReadOnlyList<string?>? AgentIds);

    public static async Task<Results<Created<ChatGroup>, ProblemHttpResult>> CreateAsync(CreateGroupRequest request, CurrentUser user, ChatTurnService chat, CancellationToken ct)
    {
        var errors = new List<(string, string)>();
        if (request.Name is { Length: > MaxName }) errors.Add(("name", $"must be at most {MaxName} characters"));
        var ids = request.AgentIds ?? [];
        if (ids.Count is < 2 or > ChatTurnService.MaxGroupMembers) errors.Add(("agentIds", $"must name 2-{ChatTurnService.MaxGroupMembers} companions"));
        for (var i = 0; i < ids.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(ids[i])) errors.Add(($"agentIds[{i}]", "must be a companion's id"));
            else if (ids.Take(i).Contains(ids[i])) errors.Add(($"agentIds[{i}]", "is named twice"));
        }
        if (errors.Count > 0) return Problems.Validation([.. errors]);
        var outcome = await chat.CreateGroupAsync(user.Id, request.Name, [.. ids.Select(i => i!)], ct);
        return outcome switch
        {
            { Result: { } group } => TypedResults.Created($"/api/groups/{group.Id}", group),
            { Status: 400 } => Problems.Validation(($"agentIds[{outcome.Detail}]", "is not one of your companions")),
            _ => Problems.NotFound("user"),
        };
    }

    /// <summary>Paging of groups.</summary>
    public sealed record GroupListQuery([property: FromQuery(Name = "cursor")] string? Cursor, [property: FromQuery(Name = "limit")] int? Limit);

    public static async Task<Results<Ok<ListResponse<ChatGroup>>, ProblemHttpResult>> ListAsync([AsParameters] GroupListQuery query, CurrentUser user, ChatTurnService chat,
        CancellationToken ct)
    {
        if (!Paging.TryLimit(query.Limit, out var limit, out var error)) return Problems.Validation(error);
        var page = await chat.ListGroupsAsync(user.Id, string.IsNullOrEmpty(query.Cursor) ? null : query.Cursor, limit + 1, ct);
        var items = page.Take(limit).ToList();
        return TypedResults.Ok(new ListResponse<ChatGroup>(items, page.Count > limit ? items[^1].Id : null));
    }

    public static async Task<Results<Ok<ChatGroup>, ProblemHttpResult>> GetAsync(string id, CurrentUser user, ChatTurnService chat, CancellationToken ct) =>
        await chat.GetGroupAsync(user.Id, id, ct) is { } group ? TypedResults.Ok(group) : Problems.NotFound("group");

    public static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(string id, CurrentUser user, ChatTurnService chat, CancellationToken ct) =>
        await chat.DeleteGroupAsync(user.Id, id, ct) ? TypedResults.NoContent() : Problems.NotFound("group");

    public static async Task<Results<Ok<GroupTurnResult>, ProblemHttpResult>> ChatAsync(string id, ChatRequest request, CurrentUser user, ChatTurnService chat, CancellationToken ct)
    {
        var errors = ChatLimits.Validate(request.Text, request.ClientMessageId);
        if (errors.Count > 0) return Problems.Validation([.. errors]);
        var outcome = await chat.GroupTurnAsync(new GroupTurnCommand(user.Id, user.TimeZone, id, request.Text!, request.ClientMessageId, user.DisplayName), ct);
        return outcome switch
        {
            { Result: { } result } => TypedResults.Ok(result),
            { Status: 409 } => Problems.Conflict(outcome.Detail ?? "Not possible now."),
            _ => Problems.NotFound("group"),
        };
    }

    public static async Task<Results<Ok<ListResponse<GroupMessageView>>, ProblemHttpResult>> ListMessagesAsync(
        string id, [AsParameters] ChatApi.BeforeQuery query, CurrentUser user, ChatTurnService chat, CancellationToken ct)
    {
        var limit = query.Limit ?? 50;
        if (limit is < 1 or > ChatApi.MaxMessagesPage) return Problems.Validation(("limit", $"must be between 1 and {ChatApi.MaxMessagesPage}"));
        IReadOnlyList<GroupMessageView>? page;
        try
        {
            page = await chat.ListGroupMessagesAsync(user.Id, id, string.IsNullOrEmpty(query.Before) ? null : query.Before, limit + 1, ct);
        }
        catch (InvalidCursorException)
        {
            return Problems.Validation(("before", "must be the id of one of this group's lines (a nextCursor)"));
        }
        if (page is null) return Problems.NotFound("group");
        var items = page.Take(limit).ToList();
        return TypedResults.Ok(new ListResponse<GroupMessageView>(items, page.Count > limit ? items[^1].Id : null));
    }

    public static async Task<Results<Ok<ReplyPrompt>, ProblemHttpResult>> GetPromptAsync(string id, string messageId, CurrentUser user, ChatTurnService chat, CancellationToken ct) =>
        await chat.GetGroupPromptAsync(user.Id, id, messageId, ct) is { } prompt ? TypedResults.Ok(prompt) : Problems.NotFound("reply's prompt");
}
