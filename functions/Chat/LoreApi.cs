using System.Text.Json;
using Hearth.Chat.Lore;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Hearth.Functions.Chat;

/// <summary>
/// Lorebooks (world info): a companion's own book (<c>/api/agents/{id}/lorebook</c>; an imported card's character book
/// lands there) and the user's book for all their companions (<c>/api/lorebook</c>). Entries are injected into a reply's
/// prompt when their keys come up in the recent turns, within the book's token budget. Someone else's is 404.
/// </summary>
public static class LoreApi
{
    public static IEndpointRouteBuilder MapLoreApi(this IEndpointRouteBuilder app)
    {
        var agent = app.MapGroup("/api/agents/{id}/lorebook").WithTags("Lorebooks");
        agent.MapGet("/", (string id, CurrentUser user, LoreStore lore, CancellationToken ct) => GetAsync(id, user, lore, ct))
            .WithName("GetAgentLorebook").WithSummary("The companion's lorebook: settings and entries (empty until the first write).")
            .ProducesProblem(StatusCodes.Status404NotFound);
        agent.MapPut("/", (string id, LorebookRequest request, CurrentUser user, LoreStore lore, CancellationToken ct) => PutAsync(id, request, user, lore, ct))
            .WithName("UpdateAgentLorebook").WithSummary("Sets the companion's lorebook settings: name, description, scanDepth (1-100 messages), tokenBudget (1-8192), recursiveScanning.")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
        agent.MapPost("/entries", (string id, LoreEntryRequest request, CurrentUser user, LoreStore lore, CancellationToken ct) => AddAsync(id, request, user, lore, ct))
            .WithName("AddAgentLoreEntry").WithSummary("Adds an entry (keys, content, secondaryKeys, selective, constant, enabled, insertionOrder, priority, caseSensitive, position).")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        agent.MapPut("/entries/{entryId}", (string id, string entryId, LoreEntryRequest request, CurrentUser user, LoreStore lore, CancellationToken ct) =>
                ReplaceAsync(id, entryId, request, user, lore, ct))
            .WithName("ReplaceAgentLoreEntry").WithSummary("Replaces an entry.")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
        agent.MapDelete("/entries/{entryId}", (string id, string entryId, CurrentUser user, LoreStore lore, CancellationToken ct) => DeleteAsync(id, entryId, user, lore, ct))
            .WithName("DeleteAgentLoreEntry").WithSummary("Deletes an entry.")
            .ProducesProblem(StatusCodes.Status404NotFound);

        var mine = app.MapGroup("/api/lorebook").WithTags("Lorebooks");
        mine.MapGet("/", (CurrentUser user, LoreStore lore, CancellationToken ct) => GetAsync(null, user, lore, ct))
            .WithName("GetUserLorebook").WithSummary("The caller's own lorebook, used with every one of their companions.");
        mine.MapPut("/", (LorebookRequest request, CurrentUser user, LoreStore lore, CancellationToken ct) => PutAsync(null, request, user, lore, ct))
            .WithName("UpdateUserLorebook").WithSummary("Sets the caller's lorebook settings.")
            .ProducesProblem(StatusCodes.Status400BadRequest);
        mine.MapPost("/entries", (LoreEntryRequest request, CurrentUser user, LoreStore lore, CancellationToken ct) => AddAsync(null, request, user, lore, ct))
            .WithName("AddUserLoreEntry").WithSummary("Adds an entry to the caller's lorebook.")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status409Conflict);
        mine.MapPut("/entries/{entryId}", (string entryId, LoreEntryRequest request, CurrentUser user, LoreStore lore, CancellationToken ct) =>
                ReplaceAsync(null, entryId, request, user, lore, ct))
            .WithName("ReplaceUserLoreEntry").WithSummary("Replaces an entry of the caller's lorebook.")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
        mine.MapDelete("/entries/{entryId}", (string entryId, CurrentUser user, LoreStore lore, CancellationToken ct) => DeleteAsync(null, entryId, user, lore, ct))
            .WithName("DeleteUserLoreEntry").WithSummary("Deletes an entry of the caller's lorebook.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    private static async Task<Results<Ok<LorebookView>, ProblemHttpResult>> GetAsync(string? agentId, CurrentUser user, LoreStore lore, CancellationToken ct) =>
        await lore.GetAsync(user.Id, agentId, ct) is { } book ? TypedResults.Ok(LorebookView.From(book)) : Problems.NotFound("agent");

    private static async Task<Results<Ok<LorebookView>, ProblemHttpResult>> PutAsync(string? agentId, LorebookRequest request, CurrentUser user, LoreStore lore, CancellationToken ct)
    {
        var settings = request.ToSettings();
        var errors = LoreRules.Validate(settings);
        if (errors.Count > 0) return Problems.Validation([.. errors]);
        return await lore.PutSettingsAsync(user.Id, agentId, settings, ct) is { } book ? TypedResults.Ok(LorebookView.From(book)) : Problems.NotFound("agent");
    }

    private static async Task<Results<Created<LoreEntry>, ProblemHttpResult>> AddAsync(string? agentId, LoreEntryRequest request, CurrentUser user, LoreStore lore, CancellationToken ct)
    {
        var draft = request.ToDraft();
        var errors = LoreRules.Validate(draft);
        if (errors.Count > 0) return Problems.Validation([.. errors]);
        try
        {
            if (await lore.AddEntryAsync(user.Id, agentId, draft, ct) is not { } entry) return Problems.NotFound("agent");
            return TypedResults.Created(agentId is null ? $"/api/lorebook/entries/{entry.Id}" : $"/api/agents/{agentId}/lorebook/entries/{entry.Id}", entry);
        }
        catch (LorebookFullException e)
        {
            return Problems.Conflict(e.Message);
        }
    }

    private static async Task<Results<Ok<LoreEntry>, ProblemHttpResult>> ReplaceAsync(string? agentId, string entryId, LoreEntryRequest request, CurrentUser user,
        LoreStore lore, CancellationToken ct)
    {
        var draft = request.ToDraft();
        var errors = LoreRules.Validate(draft);
        if (errors.Count > 0) return Problems.Validation([.. errors]);
        return await lore.ReplaceEntryAsync(user.Id, agentId, entryId, draft, ct) is { } entry ? TypedResults.Ok(entry) : Problems.NotFound("lore entry");
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(string? agentId, string entryId, CurrentUser user, LoreStore lore, CancellationToken ct) =>
        await lore.DeleteEntryAsync(user.Id, agentId, entryId, ct) ? TypedResults.NoContent() : Problems.NotFound("lore entry");
}

/// <summary>A lorebook's settings; absent fields take their defaults.</summary>
public sealed record LorebookRequest(
    string? Name = null, string? Description = null, int? ScanDepth = null, int? TokenBudget = null, bool? RecursiveScanning = null,
    Dictionary<string, JsonElement>? Extensions = null)
{
    public LorebookSettings ToSettings() => new(Name, Description, ScanDepth ?? LoreRules.DefaultScanDepth, TokenBudget ?? LoreRules.DefaultTokenBudget,
        RecursiveScanning ?? false, Extensions);
}

/// <summary>A lore entry: <c>keys</c> and <c>content</c> required (no keys: only when <c>constant</c>).</summary>
public sealed record LoreEntryRequest(
    IReadOnlyList<string?>? Keys = null,
    string? Content = null,
    IReadOnlyList<string?>? SecondaryKeys = null,
    bool? Selective = null,
    bool? Constant = null,
    bool? Enabled = null,
    int? InsertionOrder = null,
    int? Priority = null,
    bool? CaseSensitive = null,
    string? Position = null,
    string? Name = null,
    string? Comment = null,
    Dictionary<string, JsonElement>? Extensions = null,
    bool? UseRegex = null)
{
    public LoreEntryDraft ToDraft() => new(
        [.. (Keys ?? []).Select(k => k ?? "")], Content ?? "", [.. (SecondaryKeys ?? []).Select(k => k ?? "")], Selective ?? false, Constant ?? false,
        Enabled ?? true, InsertionOrder ?? 100, Priority, CaseSensitive ?? false, Position ?? LoreRules.AfterChar, Name, Comment, Extensions, UseRegex ?? false);
}

/// <summary>A lorebook as shown: <c>id</c> is null until its first write; <c>agentId</c> null for the user's own book.</summary>
public sealed record LorebookView(
    string? Id, string? AgentId, string Name, string Description, int ScanDepth, int TokenBudget, bool RecursiveScanning,
    IReadOnlyDictionary<string, JsonElement> Extensions, IReadOnlyList<LoreEntry> Entries)
{
    public static LorebookView From(Lorebook b) => new(b.Id.Length == 0 ? null : b.Id, b.AgentId, b.Name, b.Description, b.ScanDepth, b.TokenBudget,
        b.RecursiveScanning, b.Extensions, b.Entries);
}
