using Hearth.Companions;
using Hearth.Durable.Jobs;
using Hearth.Durable.Orchestrations;
using Hearth.Functions.Chat;
using Hearth.Life;
using Hearth.Outbound;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace Hearth.Functions.Life;

/// <summary>
/// The offline life over HTTP: scenario changes, running a slot now, initiation settings and mute, the agent's
/// initiations, the user's notifications (unread count) and push webhook. Scenario list/create and events are in the chat API.
/// </summary>
public static class LifeApi
{
    public static IEndpointRouteBuilder MapLifeApi(this IEndpointRouteBuilder app)
    {
        var agents = app.MapGroup("/api/agents").WithTags("Life");
        agents.MapPatch("/{id}/scenarios/{scenarioId}", UpdateScenarioAsync).WithName("UpdateScenario")
            .WithSummary("Changes a scenario's title, description or window; {\"end\": true} ends it now.")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
        agents.MapPost("/{id}/life/tick", TickAsync).WithName("RunLifeSlot")
            .WithSummary("Runs a life slot for the companion now; 202 with the orchestration id and statusUrl.")
            .ProducesProblem(StatusCodes.Status404NotFound).RequireRateLimiting(RateLimits.LifeTicks).RequireActiveWorkLimit();
        agents.MapGet("/{id}/initiations/settings", GetSettingsAsync).WithName("GetInitiationSettings")
            .WithSummary("Whether and how often the companion may write first (opt-in; caps, quiet hours, gap, mute).")
            .ProducesProblem(StatusCodes.Status404NotFound);
        agents.MapPatch("/{id}/initiations/settings", UpdateSettingsAsync).WithName("UpdateInitiationSettings")
            .WithSummary("Changes the initiation settings; fields left out stay as they are.")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
        agents.MapPost("/{id}/mute", MuteAsync).WithName("MuteAgent").WithSummary("The companion sends nothing first until unmuted.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        agents.MapDelete("/{id}/mute", UnmuteAsync).WithName("UnmuteAgent").WithSummary("The companion may write first again (within its caps).")
            .ProducesProblem(StatusCodes.Status404NotFound);
        agents.MapGet("/{id}/initiations", ListInitiationsAsync).WithName("ListInitiations")
            .WithSummary("Messages the companion planned to write first: planned, sent, or skipped with the rule that stopped it (?before=&limit=).")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);

        var notifications = app.MapGroup("/api/notifications").WithTags("Notifications");
        notifications.MapGet("/", ListNotificationsAsync).WithName("ListNotifications")
            .WithSummary("The caller's notifications, newest first, with the unread count (?before=&limit=).")
            .ProducesProblem(StatusCodes.Status400BadRequest);
        notifications.MapGet("/unread", UnreadAsync).WithName("UnreadNotifications").WithSummary("The caller's unread count.");
        notifications.MapPost("/read", MarkReadAsync).WithName("MarkNotificationsRead")
            .WithSummary("Marks the caller's notifications read (all, or one companion's with {\"agentId\"}); returns the unread count.");
        notifications.MapGet("/webhook", GetWebhookAsync).WithName("GetNotificationWebhook").WithSummary("The caller's push webhook.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        notifications.MapPut("/webhook", SetWebhookAsync).WithName("SetNotificationWebhook")
            .WithSummary("Sets the push webhook: an https URL on the public internet (400 url-refused names the rule otherwise). Pushes are signed with HMAC-SHA256 (X-Hearth-Signature). The secret is returned only here.")
            .ProducesProblem(StatusCodes.Status400BadRequest);
        notifications.MapDelete("/webhook", DeleteWebhookAsync).WithName("DeleteNotificationWebhook").WithSummary("Removes the push webhook.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    public static async Task<Results<Ok<ScenarioResponse>, ProblemHttpResult>> UpdateScenarioAsync(
        string id, string scenarioId, UpdateScenarioRequest request, CurrentUser user, LifeStore life, IAgentStore agents, TimeProvider time, CancellationToken ct)
    {
        var change = new ScenarioChange(request.Title, request.Description, request.StartsAt, request.EndsAt, request.End ?? false);
        var errors = change.Validate();
        if (errors.Count > 0) return Problems.Validation([.. errors]);
        if (await life.UpdateScenarioAsync(user.Id, id, scenarioId, change, ct) is { } scenario) return TypedResults.Ok(ScenarioResponse.From(scenario, time.GetUtcNow()));
        if (await agents.FindAsync(user.Id, id, ct) is null) return Problems.NotFound("agent");
        var existing = await agents.ListScenariosAsync(user.Id, id, ct);
        return existing?.Any(s => s.Id == scenarioId) == true
            ? Problems.Validation(("endsAt", "must be after startsAt"))
            : Problems.NotFound("scenario");
    }

    public static async Task<Results<Accepted<AcceptedResponse>, ProblemHttpResult>> TickAsync(
        string id, CurrentUser user, IAgentStore agents, IOrchestrationClient orchestrations, TimeProvider time, CancellationToken ct)
    {
        if (await agents.FindAsync(user.Id, id, ct) is not { } agent) return Problems.NotFound("agent");
        // A manual run is its own slot (to the second), so it runs even when this quarter's slot already did.
        var now = time.GetUtcNow();
        var slot = "manual-" + now.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        var started = await LifeTimer.StartAsync(orchestrations, new LifeSlot(agent.OwnerId, agent.Id, slot, now), ct);
        var url = $"/api/orchestrations/{Uri.EscapeDataString(started.InstanceId)}";
        return TypedResults.Accepted(url, new AcceptedResponse(started.InstanceId, url));
    }

    public static async Task<Results<Ok<InitiationSettings>, ProblemHttpResult>> GetSettingsAsync(string id, CurrentUser user, LifeStore life, CancellationToken ct) =>
        await life.GetSettingsAsync(user.Id, id, ct) is { } settings ? TypedResults.Ok(settings) : Problems.NotFound("agent");

    public static async Task<Results<Ok<InitiationSettings>, ProblemHttpResult>> UpdateSettingsAsync(
        string id, InitiationSettingsChange request, CurrentUser user, LifeStore life, CancellationToken ct)
    {
        var errors = request.Validate();
        if (errors.Count > 0) return Problems.Validation([.. errors]);
        return await life.UpdateSettingsAsync(user.Id, id, request, ct) is { } settings ? TypedResults.Ok(settings) : Problems.NotFound("agent");
    }

    public static async Task<Results<Ok<InitiationSettings>, ProblemHttpResult>> MuteAsync(string id, CurrentUser user, LifeStore life, CancellationToken ct) =>
        await life.UpdateSettingsAsync(user.Id, id, new InitiationSettingsChange(Muted: true), ct) is { } settings ? TypedResults.Ok(settings) : Problems.NotFound("agent");

    public static async Task<Results<Ok<InitiationSettings>, ProblemHttpResult>> UnmuteAsync(string id, CurrentUser user, LifeStore life, CancellationToken ct) =>
        await life.UpdateSettingsAsync(user.Id, id, new InitiationSettingsChange(Muted: false), ct) is { } settings ? TypedResults.Ok(settings) : Problems.NotFound("agent");

    public static async Task<Results<Ok<ListResponse<Initiation>>, ProblemHttpResult>> ListInitiationsAsync(
        string id, [AsParameters] ChatApi.BeforeQuery query, CurrentUser user, LifeStore life, CancellationToken ct)
    {
        if (!Paging.TryLimit(query.Limit, out var limit, out var error)) return Problems.Validation(error);
        IReadOnlyList<Initiation>? page;
        try
        {
            page = await life.ListInitiationsAsync(user.Id, id, string.IsNullOrEmpty(query.Before) ? null : query.Before, limit + 1, ct);
        }
        catch (InvalidCursorException)
        {
            return Problems.Validation(("before", "must be the id of one of this agent's initiations (a nextCursor)"));
        }
        if (page is null) return Problems.NotFound("agent");
        var items = page.Take(limit).ToList();
        return TypedResults.Ok(new ListResponse<Initiation>(items, page.Count > limit ? items[^1].Id : null));
    }

    public static async Task<Results<Ok<NotificationPage>, ProblemHttpResult>> ListNotificationsAsync(
        [AsParameters] ChatApi.BeforeQuery query, CurrentUser user, LifeStore life, CancellationToken ct)
    {
        if (!Paging.TryLimit(query.Limit, out var limit, out var error)) return Problems.Validation(error);
        try
        {
            return TypedResults.Ok(await life.ListNotificationsAsync(user.Id, string.IsNullOrEmpty(query.Before) ? null : query.Before, limit, ct));
        }
        catch (InvalidCursorException)
        {
            return Problems.Validation(("before", "must be the id of one of your notifications (a nextCursor)"));
        }
    }

    public static async Task<Ok<UnreadResponse>> UnreadAsync(CurrentUser user, LifeStore life, CancellationToken ct) =>
        TypedResults.Ok(new UnreadResponse((await life.ListNotificationsAsync(user.Id, null, 1, ct)).UnreadCount));

    public static async Task<Ok<UnreadResponse>> MarkReadAsync(MarkReadRequest? request, CurrentUser user, LifeStore life, CancellationToken ct) =>
        TypedResults.Ok(new UnreadResponse(await life.MarkReadAsync(user.Id, request?.AgentId, ct)));

    public static async Task<Results<Ok<WebhookChannel>, ProblemHttpResult>> GetWebhookAsync(CurrentUser user, LifeStore life, CancellationToken ct) =>
        await life.GetWebhookAsync(user.Id, ct) is { } hook ? TypedResults.Ok(hook) : Problems.NotFound("webhook");

    public static async Task<Results<Ok<WebhookSetResponse>, ProblemHttpResult>> SetWebhookAsync(
        SetWebhookRequest request, CurrentUser user, LifeStore life, IOptions<OutboundOptions> outbound, IHostResolver resolver, CancellationToken ct)
    {
        // Checked here and again before every push (the address after DNS, at connect time): see OutboundHttp.
        if (OutboundUrls.Check(request.Url, outbound.Value, out var url) is { } refused) return UrlRefused(refused);
        if (await ResolvesInsideAsync(url!, outbound.Value, resolver, ct) is { } inside) return UrlRefused(inside);
        if (request.Secret is { } given && (given.Length < 16 || given.Length > 200))
            return Problems.Validation(("secret", "must be 16-200 characters (leave it out to get a generated one)"));
        var secret = request.Secret ?? WebhookSignature.NewSecret();
        var hook = await life.SetWebhookAsync(user.Id, url!, secret, ct);
        return TypedResults.Ok(new WebhookSetResponse(hook.Url, secret, hook.UpdatedAt));
    }

    private static ProblemHttpResult UrlRefused(OutboundRefusal refusal) =>
        Problems.Create(StatusCodes.Status400BadRequest, ProblemTypes.UrlRefused, $"url: {refusal.Message} (rule: {refusal.Rule})",
            new Dictionary<string, object?> { ["rule"] = refusal.Rule, ["errors"] = new Dictionary<string, string[]> { ["url"] = [refusal.Message] } });

    /// <summary>
    /// A name that resolves into Hearth's own network now is refused now (a name that cannot be resolved yet is accepted:
    /// the push checks again after DNS, at connect time).
    /// </summary>
    private static async Task<OutboundRefusal?> ResolvesInsideAsync(Uri url, OutboundOptions options, IHostResolver resolver, CancellationToken ct)
    {
        if (url.HostNameType != UriHostNameType.Dns || OutboundUrls.AddressOf(url.IdnHost) is not null) return null;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(options.ConnectTimeout);
        System.Net.IPAddress[] addresses;
        try
        {
            addresses = await resolver.ResolveAsync(url.IdnHost, timeout.Token);
        }
        catch (Exception e) when (e is System.Net.Sockets.SocketException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            return null;
        }
        return addresses.Select(a => OutboundAddresses.RefusalOf(a, options.AllowLoopback)).FirstOrDefault(r => r is not null) is { } rule
            ? OutboundUrls.AddressRefusal(rule)
            : null;
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> DeleteWebhookAsync(CurrentUser user, LifeStore life, CancellationToken ct) =>
        await life.DeleteWebhookAsync(user.Id, ct) ? TypedResults.NoContent() : Problems.NotFound("webhook");
}

/// <summary>A change to a scenario; fields left out stay. <c>end: true</c> ends it now.</summary>
public sealed record UpdateScenarioRequest(string? Title = null, string? Description = null, DateTimeOffset? StartsAt = null, DateTimeOffset? EndsAt = null, bool? End = null);

/// <summary>The unread notification count.</summary>
public sealed record UnreadResponse(int UnreadCount);

/// <summary>Which notifications to mark read (all when <see cref="AgentId"/> is null).</summary>
public sealed record MarkReadRequest(string? AgentId = null);

/// <summary>A push webhook: where, and optionally the signing secret (generated when left out).</summary>
public sealed record SetWebhookRequest(string? Url, string? Secret = null);

/// <summary>The webhook as set, with its signing secret (shown only in this answer).</summary>
public sealed record WebhookSetResponse(Uri Url, string Secret, DateTimeOffset UpdatedAt);
