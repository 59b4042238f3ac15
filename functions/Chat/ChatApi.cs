using System.Globalization;
using System.Text.Json;
using Hearth.Chat;
using Hearth.Companions;
using Hearth.Durable.Jobs;
using Hearth.Images;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace Hearth.Functions.Chat;

/// <summary>
/// <c>/api/agents</c>: the caller's companions (create, draft with the model, read, change, delete), their scenarios,
/// life events and state, and the chat with each (a turn, a streamed turn, the messages). Someone else's agent is 404.
/// </summary>
public static class ChatApi
{
    public const int MaxMessagesPage = 100;

    public static IEndpointRouteBuilder MapChatApi(this IEndpointRouteBuilder app)
    {
        var agents = app.MapGroup("/api/agents").WithTags("Agents");
        agents.MapPost("/", CreateAsync).WithName("CreateAgent").WithSummary("Creates a companion (name and timezone required); starts its base portrait when it has an appearance prompt.")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status409Conflict).RequireRateLimiting(RateLimits.Agents);
        agents.MapGet("/", ListAsync).WithName("ListAgents").WithSummary("The caller's companions, newest first.")
            .ProducesProblem(StatusCodes.Status400BadRequest);
        agents.MapPost("/generate", GenerateAsync).WithName("GenerateAgent").WithSummary("Drafts a persona from hints (and an optional appearance prompt) with the model chain; nothing is stored.")
            .ProducesProblem(StatusCodes.Status400BadRequest).RequireRateLimiting(RateLimits.Chat);
        agents.MapGet("/{id}", GetAsync).WithName("GetAgent").WithSummary("One of the caller's companions.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        agents.MapPatch("/{id}", UpdateAsync).WithName("UpdateAgent").WithSummary("Changes persona, identity, look (a new appearance prompt starts a new base portrait), availability or mood baseline.")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
        agents.MapDelete("/{id}", DeleteAsync).WithName("DeleteAgent")
            .WithSummary("Deletes the companion and everything it owns: at once its messages, events, plans and notifications; then, in a durable job, its memories, index entries, summaries, pictures and running orchestrations. 202 with the deletion's statusUrl.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        app.MapGet("/api/deletions/{id}", GetDeletionAsync).WithName("GetDeletion").WithTags("Agents")
            .WithSummary("A deletion (of a companion, or of the caller's account by the same token): running until every feature has erased what it held, then done.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        agents.MapGet("/{id}/scenarios", ListScenariosAsync).WithName("ListScenarios").WithSummary("The companion's scenarios, newest first.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        agents.MapPost("/{id}/scenarios", CreateScenarioAsync).WithName("CreateScenario").WithSummary("Adds a scenario (title, description, active window).")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
        agents.MapGet("/{id}/events", ListEventsAsync).WithName("ListLifeEvents").WithSummary("The companion's life events, newest first (?before=&limit=).")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
        agents.MapGet("/{id}/state", GetStateAsync).WithName("GetAgentState").WithSummary("Mood, affinity, availability and local time now, with the latest changes and why.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        agents.MapPost("/{id}/chat", ChatAsync).WithName("Chat").WithSummary("A chat turn: the reply, mood, affinity, provider, model and memories used. Idempotent on clientMessageId.")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status429TooManyRequests)
            .RequireRateLimiting(RateLimits.Chat);
        agents.MapPost("/{id}/chat/stream", ChatStreamAsync).WithName("ChatStream")
            .WithSummary("A chat turn as server-sent events: 'delta' (text as it is written), 'reset' (discard the text so far), 'done' (the full answer), 'error'.")
            .Produces(StatusCodes.Status200OK, contentType: "text/event-stream")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status429TooManyRequests)
            .RequireRateLimiting(RateLimits.Chat);
        agents.MapGet("/{id}/messages", ListMessagesAsync).WithName("ListMessages").WithSummary("Messages, newest first; pass nextCursor back as ?before= (limit 1-100).")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
        agents.MapGet("/{id}/messages/{messageId}/prompt", GetPromptAsync).WithName("GetReplyPrompt")
            .WithSummary("The exact messages sent to the model for this reply (system prompt first), with the provider, model, memories and lore it used.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        agents.MapGet("/{id}/messages/{messageId}/alternatives", ListAlternativesAsync).WithName("ListReplyAlternatives")
            .WithSummary("A reply's alternatives (swipes) and which one is chosen; a reply never regenerated has one.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        agents.MapPost("/{id}/messages/{messageId}/regenerate", RegenerateAsync).WithName("RegenerateReply")
            .WithSummary("Writes the latest reply again (same context, another try) and chooses the new alternative; the old ones are kept. 409 for an earlier reply.")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status429TooManyRequests)
            .RequireRateLimiting(RateLimits.Chat);
        agents.MapPost("/{id}/messages/{messageId}/regenerate/stream", RegenerateStreamAsync).WithName("RegenerateReplyStream")
            .WithSummary("The regeneration as server-sent events: 'delta', 'reset', 'done' (the alternatives), 'error' — as a streamed chat turn.")
            .Produces(StatusCodes.Status200OK, contentType: "text/event-stream")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status429TooManyRequests)
            .RequireRateLimiting(RateLimits.Chat);
        agents.MapPut("/{id}/messages/{messageId}/selected", SelectAsync).WithName("SelectReply")
            .WithSummary("Chooses alternative { index } of the latest reply: it becomes the reply for memory, mood and later prompts.")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
            .RequireRateLimiting(RateLimits.Chat);
        agents.MapPatch("/{id}/messages/{messageId}", EditMessageAsync).WithName("EditMessage")
            .WithSummary("Edits a text message, the user's or the companion's ({ text }): later prompts read the new text, the turn is indexed again, a user's message is read again for suggestions, and the session's summary is written again.")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
            .RequireRateLimiting(RateLimits.Chat);
        agents.MapDelete("/{id}/messages/{messageId}", DeleteMessageAsync).WithName("DeleteMessage")
            .WithSummary("Deletes a message, the user's or the companion's; half of an exchange deletes the exchange (both messages and the reply's alternatives). The reply's mood and affinity steps are taken back; memory forgets the messages (index, unreviewed suggestions) and redoes the summaries that covered them.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .RequireRateLimiting(RateLimits.Chat);
        return app;
    }

    public static async Task<Results<Ok<MessageDeletion>, ProblemHttpResult>> DeleteMessageAsync(
        string id, string messageId, CurrentUser user, ChatTurnService chat, CancellationToken ct) =>
        (await chat.DeleteMessageAsync(user.Id, id, messageId, ct)).Result is { } deleted ? TypedResults.Ok(deleted) : Problems.NotFound("message");

    /// <summary>A message's new text.</summary>
    public sealed record EditMessageRequest(string? Text);

    public static async Task<Results<Ok<ChatMessageView>, ProblemHttpResult>> EditMessageAsync(
        string id, string messageId, EditMessageRequest request, CurrentUser user, ChatTurnService chat, CancellationToken ct)
    {
        var errors = ChatLimits.Validate(request.Text, null);
        if (errors.Count > 0) return Problems.Validation([.. errors]);
        var outcome = await chat.EditMessageAsync(user.Id, id, messageId, request.Text!, ct);
        return outcome switch
        {
            { Message: { } message } => TypedResults.Ok(message),
            { Status: 409 } => Problems.Conflict(outcome.Detail ?? "This message cannot be edited."),
            _ => Problems.NotFound("message"),
        };
    }

    public static async Task<Results<Ok<ReplyAlternatives>, ProblemHttpResult>> ListAlternativesAsync(
        string id, string messageId, CurrentUser user, ChatTurnService chat, CancellationToken ct) =>
        await chat.ListAlternativesAsync(user.Id, id, messageId, ct) is { } list ? TypedResults.Ok(list) : Problems.NotFound("reply");

    public static async Task<Results<Ok<ReplyAlternatives>, ProblemHttpResult>> RegenerateAsync(
        string id, string messageId, CurrentUser user, ChatTurnService chat, CancellationToken ct) =>
        Alternatives(await chat.RegenerateAsync(new RegenerateCommand(user.Id, user.TimeZone, id, messageId, user.DisplayName), null, ct), "index");

    public static Task<Results<EmptyHttpResult, ProblemHttpResult>> RegenerateStreamAsync(
        string id, string messageId, CurrentUser user, ChatTurnService chat, HttpContext http, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json,
        ILoggerFactory loggers, CancellationToken ct) =>
        StreamRegenerationAsync(events => chat.RegenerateAsync(new RegenerateCommand(user.Id, user.TimeZone, id, messageId, user.DisplayName), events, ct),
            http, json, loggers, ct);

    /// <summary>
    /// A regeneration (1:1 or group) as server-sent events: 'delta' and 'reset' while the reply is written, then 'done' with the
    /// alternatives, or 'error'; a problem document when it fails before the first event.
    /// </summary>
    internal static async Task<Results<EmptyHttpResult, ProblemHttpResult>> StreamRegenerationAsync(Func<IChatTurnObserver, Task<AlternativesOutcome>> regenerate,
        HttpContext http, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json, ILoggerFactory loggers, CancellationToken ct)
    {
        var events = new ServerSentEvents(http.Response, json.Value.SerializerOptions);
        try
        {
            var outcome = await regenerate(events);
            if (outcome.Result is not { } result)
            {
                if (!events.Started) return Alternatives(outcome, "index").Result as ProblemHttpResult ?? Problems.NotFound("reply");
                await events.WriteAsync("error", new { status = outcome.Status, detail = outcome.Detail ?? "The reply was not found." }, ct);
                return TypedResults.Empty;
            }
            await events.WriteAsync("done", result, ct);
            return TypedResults.Empty;
        }
        catch (Exception e) when (events.Started && e is not OperationCanceledException)
        {
            loggers.CreateLogger(typeof(ChatApi).FullName!).LogError(e, "Streamed regeneration failed");
            await events.WriteAsync("error", new { status = 500, detail = "The regeneration failed; try again.", requestId = http.TraceIdentifier }, CancellationToken.None);
            return TypedResults.Empty;
        }
    }

    /// <summary>Which alternative to choose.</summary>
    public sealed record SelectReplyRequest(int? Index);

    public static async Task<Results<Ok<ReplyAlternatives>, ProblemHttpResult>> SelectAsync(
        string id, string messageId, SelectReplyRequest request, CurrentUser user, ChatTurnService chat, CancellationToken ct)
    {
        if (request.Index is not { } index) return Problems.Validation(("index", "is required"));
        return Alternatives(await chat.SelectAsync(user.Id, id, messageId, index, ct), "index");
    }

    internal static Results<Ok<ReplyAlternatives>, ProblemHttpResult> Alternatives(AlternativesOutcome outcome, string field) => outcome switch
    {
        { Result: { } result } => TypedResults.Ok(result),
        { Status: 409 } => Problems.Conflict(outcome.Detail ?? "Not possible now."),
        { Status: 400 } => Problems.Validation((field, outcome.Detail ?? "is not valid")),
        _ => Problems.NotFound("reply"),
    };

    public static async Task<Results<Ok<ReplyPrompt>, ProblemHttpResult>> GetPromptAsync(
        string id, string messageId, CurrentUser user, ConversationReader conversations, CancellationToken ct) =>
        await conversations.GetPromptAsync(user.Id, id, messageId, ct) is { } prompt ? TypedResults.Ok(prompt) : Problems.NotFound("reply's prompt");

    public static async Task<Results<Created<AgentResponse>, ProblemHttpResult>> CreateAsync(
        CreateAgentRequest request, CurrentUser user, IAgentStore agents, IPictureJobs pictures, IOptions<FairnessSettings> fairness, CancellationToken ct)
    {
        var draft = request.ToDraft();
        var errors = AgentRules.Validate(draft);
        if (errors.Count > 0) return Problems.Validation([.. errors]);
        string? portraitJob = null;
        var max = fairness.Value.MaxAgentsPerUser;
        try
        {
            var agent = await agents.CreateAsync(user.Id, draft, max, string.IsNullOrWhiteSpace(draft.AppearancePrompt) ? null : async (created, tx, token) =>
                portraitJob = await pictures.StartAsync(new PictureRequest(user.Id, created.Id, PictureKind.BasePortrait, created.AppearancePrompt, null, null), tx, token), ct);
            return TypedResults.Created($"/api/agents/{agent.Id}", AgentResponse.From(agent, portraitJob));
        }
        catch (AgentLimitReachedException e)
        {
            return Problems.Create(StatusCodes.Status409Conflict, ProblemTypes.TooManyAgents, e.Message, new Dictionary<string, object?> { ["limit"] = e.Limit });
        }
    }

    /// <summary>Paging of the agent list.</summary>
    public sealed record AgentListQuery([property: FromQuery(Name = "cursor")] string? Cursor, [property: FromQuery(Name = "limit")] int? Limit);

    public static async Task<Results<Ok<ListResponse<AgentResponse>>, ProblemHttpResult>> ListAsync(
        [AsParameters] AgentListQuery query, CurrentUser user, IAgentStore agents, CancellationToken ct)
    {
        if (!Paging.TryLimit(query.Limit, out var limit, out var error)) return Problems.Validation(error);
        var page = await agents.ListAsync(user.Id, string.IsNullOrEmpty(query.Cursor) ? null : query.Cursor, limit + 1, ct);
        var items = page.Take(limit).Select(a => AgentResponse.From(a)).ToList();
        return TypedResults.Ok(new ListResponse<AgentResponse>(items, page.Count > limit ? items[^1].Id : null));
    }

    public static async Task<Results<Ok<GenerateAgentResponse>, ProblemHttpResult>> GenerateAsync(
        GenerateAgentRequest request, PersonaGenerator generator, CancellationToken ct)
    {
        var errors = new List<(string, string)>();
        if (request.Hints is { Length: > 2000 }) errors.Add(("hints", "must be at most 2000 characters"));
        if (request.AppearancePrompt is { Length: > AgentRules.MaxLongText }) errors.Add(("appearancePrompt", $"must be at most {AgentRules.MaxLongText} characters"));
        if (request.Name is { Length: > AgentRules.MaxName }) errors.Add(("name", $"must be at most {AgentRules.MaxName} characters"));
        if (request.Timezone is not null && !Hearth.Identity.TimeZones.IsKnown(request.Timezone)) errors.Add(("timezone", $"'{request.Timezone}' is not an IANA time zone name"));
        if (errors.Count > 0) return Problems.Validation([.. errors]);
        var drafted = await generator.DraftAsync(new PersonaHints(request.Hints, request.AppearancePrompt, request.Name, request.Timezone), ct);
        var d = drafted.Draft;
        return TypedResults.Ok(new GenerateAgentResponse(
            new CreateAgentRequest(d.Name, d.TimeZone, d.Bio, d.Personality, d.SpeakingStyle, d.Boundaries, d.HomeCity, d.Occupation, d.AppearancePrompt),
            drafted.Provider, drafted.Model, drafted.Problems ?? []));
    }

    public static async Task<Results<Ok<AgentResponse>, ProblemHttpResult>> GetAsync(string id, CurrentUser user, IAgentStore agents, CancellationToken ct) =>
        await agents.FindAsync(user.Id, id, ct) is { } agent ? TypedResults.Ok(AgentResponse.From(agent)) : Problems.NotFound("agent");

    public static async Task<Results<Ok<AgentResponse>, ProblemHttpResult>> UpdateAsync(
        string id, UpdateAgentRequest request, CurrentUser user, IAgentStore agents, IPictureJobs pictures, CancellationToken ct)
    {
        var change = request.ToChange();
        var errors = AgentRules.Validate(change);
        if (errors.Count > 0) return Problems.Validation([.. errors]);
        var before = await agents.FindAsync(user.Id, id, ct);
        if (before is null || await agents.UpdateAsync(user.Id, id, change, ct) is not { } agent) return Problems.NotFound("agent");
        // A new look gets a new base portrait (the old one stays until the new one is ready).
        string? portraitJob = null;
        if (agent.AppearancePrompt is { Length: > 0 } look && look != before.AppearancePrompt)
            portraitJob = await pictures.StartAsync(new PictureRequest(user.Id, agent.Id, PictureKind.BasePortrait, look, null, null), null, ct);
        return TypedResults.Ok(AgentResponse.From(agent, portraitJob));
    }

    public static async Task<Results<Accepted<AcceptedResponse>, ProblemHttpResult>> DeleteAsync(string id, CurrentUser user, CompanionDeletion deletion, CancellationToken ct)
    {
        if (await deletion.RequestAsync(user.Id, id, ct) is not { } started) return Problems.NotFound("agent");
        var url = $"/api/deletions/{started.Id}";
        return TypedResults.Accepted(url, new AcceptedResponse(started.Id, url));
    }

    public static async Task<Results<Ok<CompanionDeletionStatus>, ProblemHttpResult>> GetDeletionAsync(string id, CurrentUser user, CompanionDeletion deletion, CancellationToken ct) =>
        await deletion.GetAsync(user.Id, user.Subject, id, ct) is { } status ? TypedResults.Ok(status) : Problems.NotFound("deletion");

    public static async Task<Results<Ok<ListResponse<ScenarioResponse>>, ProblemHttpResult>> ListScenariosAsync(
        string id, CurrentUser user, IAgentStore agents, TimeProvider time, CancellationToken ct)
    {
        var scenarios = await agents.ListScenariosAsync(user.Id, id, ct);
        if (scenarios is null) return Problems.NotFound("agent");
        var now = time.GetUtcNow();
        return TypedResults.Ok(new ListResponse<ScenarioResponse>(scenarios.Select(s => ScenarioResponse.From(s, now)).ToList(), null));
    }

    public static async Task<Results<Created<ScenarioResponse>, ProblemHttpResult>> CreateScenarioAsync(
        string id, CreateScenarioRequest request, CurrentUser user, IAgentStore agents, TimeProvider time, CancellationToken ct)
    {
        var draft = new ScenarioDraft(request.Title ?? "", request.Description, request.StartsAt, request.EndsAt);
        var errors = AgentRules.Validate(draft);
        if (errors.Count > 0) return Problems.Validation([.. errors]);
        var scenario = await agents.AddScenarioAsync(user.Id, id, draft, ct);
        return scenario is null
            ? Problems.NotFound("agent")
            : TypedResults.Created($"/api/agents/{id}/scenarios", ScenarioResponse.From(scenario, time.GetUtcNow()));
    }

    /// <summary>Paging of life events and messages: <c>?before=&amp;limit=</c>.</summary>
    public sealed record BeforeQuery([property: FromQuery(Name = "before")] string? Before, [property: FromQuery(Name = "limit")] int? Limit);

    public static async Task<Results<Ok<ListResponse<LifeEvent>>, ProblemHttpResult>> ListEventsAsync(
        string id, [AsParameters] BeforeQuery query, CurrentUser user, ILifeEvents events, CancellationToken ct)
    {
        if (!Paging.TryLimit(query.Limit, out var limit, out var error)) return Problems.Validation(error);
        IReadOnlyList<LifeEvent>? page;
        try
        {
            page = await events.ListAsync(user.Id, id, string.IsNullOrEmpty(query.Before) ? null : query.Before, limit + 1, ct);
        }
        catch (InvalidCursorException)
        {
            return Problems.Validation(("before", "must be the id of one of this agent's events (a nextCursor)"));
        }
        if (page is null) return Problems.NotFound("agent");
        var items = page.Take(limit).ToList();
        return TypedResults.Ok(new ListResponse<LifeEvent>(items, page.Count > limit ? items[^1].Id : null));
    }

    public static async Task<Results<Ok<AgentStateResponse>, ProblemHttpResult>> GetStateAsync(
        string id, CurrentUser user, IAgentStore agents, IAgentFeelings feelings, IWeatherProvider weather, TimeProvider time, CancellationToken ct)
    {
        if (await agents.FindAsync(user.Id, id, ct) is not { } agent) return Problems.NotFound("agent");
        var now = time.GetUtcNow();
        var moment = AgentClock.At(now, agent.TimeZone);
        var scenarios = await agents.ListScenariosAsync(user.Id, id, ct) ?? [];
        var active = scenarios.FirstOrDefault(s => s.IsActiveAt(now));
        var sky = await weather.DescribeAsync(agent.HomeCity, moment, ct);
        var offset = agent.Zone.GetUtcOffset(now);
        var local = new DateTimeOffset(moment.Local, offset).ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);
        return TypedResults.Ok(new AgentStateResponse(
            agent.Id,
            new MoodView(agent.Mood, Feelings.MoodLabel(agent.Mood), agent.MoodBaseline),
            new AffinityView(agent.Affinity, Feelings.AffinityBand(agent.Affinity)),
            agent.Availability.StateAt(moment.Local),
            local,
            agent.TimeZone,
            moment.PartOfDay,
            sky?.Summary,
            active is null ? null : ScenarioResponse.From(active, now),
            await feelings.HistoryAsync(user.Id, id, 10, ct)));
    }

    public static async Task<Results<Ok<ChatResponse>, ProblemHttpResult>> ChatAsync(
        string id, ChatRequest request, CurrentUser user, ChatTurnService chat, CancellationToken ct)
    {
        var errors = ChatLimits.Validate(request.Text, request.ClientMessageId);
        if (errors.Count > 0) return Problems.Validation([.. errors]);
        var outcome = await chat.TakeTurnAsync(new ChatTurnCommand(user.Id, user.TimeZone, id, request.Text!, request.ClientMessageId, user.DisplayName), ct);
        return outcome.Result is { } result ? TypedResults.Ok(ChatResponse.From(result)) : Problems.NotFound("agent");
    }

    public static async Task<Results<EmptyHttpResult, ProblemHttpResult>> ChatStreamAsync(
        string id, ChatRequest request, CurrentUser user, ChatTurnService chat, HttpContext http, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json,
        ILoggerFactory loggers, CancellationToken ct)
    {
        var errors = ChatLimits.Validate(request.Text, request.ClientMessageId);
        if (errors.Count > 0) return Problems.Validation([.. errors]);
        var events = new ServerSentEvents(http.Response, json.Value.SerializerOptions);
        try
        {
            var outcome = await chat.TakeTurnAsync(new ChatTurnCommand(user.Id, user.TimeZone, id, request.Text!, request.ClientMessageId, user.DisplayName), events, ct);
            if (outcome.Result is not { } result)
            {
                if (!events.Started) return Problems.NotFound("agent");
                await events.WriteAsync("error", new { status = 404, detail = "The agent was not found." }, ct);
                return TypedResults.Empty;
            }
            await events.WriteAsync("done", ChatResponse.From(result), ct);
            return TypedResults.Empty;
        }
        catch (Exception e) when (events.Started && e is not OperationCanceledException)
        {
            // The status line is gone: tell the client in the stream (no internals), log the rest.
            loggers.CreateLogger(typeof(ChatApi).FullName!).LogError(e, "Streamed chat turn failed");
            await events.WriteAsync("error", new { status = 500, detail = "The turn failed; try again with the same clientMessageId.", requestId = http.TraceIdentifier }, CancellationToken.None);
            return TypedResults.Empty;
        }
    }

    public static async Task<Results<Ok<ListResponse<ChatMessageView>>, ProblemHttpResult>> ListMessagesAsync(
        string id, [AsParameters] BeforeQuery query, CurrentUser user, ConversationReader conversations, CancellationToken ct)
    {
        var limit = query.Limit ?? 50;
        if (limit is < 1 or > MaxMessagesPage) return Problems.Validation(("limit", $"must be between 1 and {MaxMessagesPage}"));
        IReadOnlyList<ChatMessageView>? page;
        try
        {
            page = await conversations.ListAsync(user.Id, id, string.IsNullOrEmpty(query.Before) ? null : query.Before, limit + 1, ct);
        }
        catch (InvalidCursorException)
        {
            return Problems.Validation(("before", "must be the id of one of this agent's messages (a nextCursor)"));
        }
        if (page is null) return Problems.NotFound("agent");
        var items = page.Take(limit).ToList();
        return TypedResults.Ok(new ListResponse<ChatMessageView>(items, page.Count > limit ? items[^1].Id : null));
    }

    /// <summary>Writes server-sent events; the response starts (200, text/event-stream) with the first event.</summary>
    private sealed class ServerSentEvents(HttpResponse response, JsonSerializerOptions json) : IChatTurnObserver
    {
        public bool Started { get; private set; }

        public ValueTask OnTextAsync(string delta, CancellationToken ct) => new(WriteAsync("delta", new { text = delta }, ct));

        public ValueTask OnResetAsync(CancellationToken ct) => Started ? new(WriteAsync("reset", new { }, ct)) : ValueTask.CompletedTask;

        public async Task WriteAsync(string name, object data, CancellationToken ct)
        {
            if (!Started)
            {
                Started = true;
                response.StatusCode = StatusCodes.Status200OK;
                response.ContentType = "text/event-stream; charset=utf-8";
                response.Headers.CacheControl = "no-cache";
                response.Headers["X-Accel-Buffering"] = "no";
            }
            var payload = JsonSerializer.Serialize(data, data.GetType(), json);
            await response.WriteAsync($"event: {name}\ndata: {payload}\n\n", ct);
            await response.Body.FlushAsync(ct);
        }
    }
}
