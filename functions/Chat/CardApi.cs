using System.Text;
using Hearth.Chat.Cards;
using Hearth.Companions;
using Hearth.Media;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace Hearth.Functions.Chat;

/// <summary>
/// Character cards (the format SillyTavern and other companion apps share): <c>POST /api/agents/import</c> makes a
/// companion of a V1, V2 or V3 card (PNG with the card in a <c>chara</c>/<c>ccv3</c> tEXt chunk, or JSON);
/// <c>GET /api/agents/{id}/card</c> exports one as a V2 card (JSON, or a PNG of its portrait with the card inside).
/// </summary>
public static class CardApi
{
    public static IEndpointRouteBuilder MapCardApi(this IEndpointRouteBuilder app)
    {
        var limit = app.ServiceProvider.GetRequiredService<IOptions<ChatCardOptions>>().Value.MaxBytes;
        var agents = app.MapGroup("/api/agents").WithTags("Agents");
        agents.MapPost("/import", ImportAsync).WithName("ImportCharacterCard")
            .WithSummary("Makes a companion of a character card (V1/V2/V3; image/png with the card in a 'chara' or 'ccv3' tEXt chunk, or application/json; ?timezone= when the card has none): its first message opens the conversation, its character book becomes the companion's lorebook, its picture the base portrait. 201 with the companion.")
            .Accepts<byte[]>("image/png", "application/json").WithMaxRequestBody(limit)
            .Produces<AgentResponse>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType).RequireRateLimiting(RateLimits.Agents);
        agents.MapGet("/{id}/card", ExportAsync).WithName("ExportCharacterCard")
            .WithSummary("The companion as a Character Card V2: JSON (Accept: application/json, the default; ?spec=v3 for V3) or a PNG of its portrait with the card in 'chara' (V2) and 'ccv3' (V3) tEXt chunks (Accept: image/png or ?format=png).")
            .Produces<object>(StatusCodes.Status200OK, "application/json", "image/png")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    /// <summary>Import options: the time zone for a card that names none (default: the caller's).</summary>
    public sealed record ImportQuery([property: FromQuery(Name = "timezone")] string? Timezone);

    public static async Task<Results<Created<AgentResponse>, ProblemHttpResult>> ImportAsync(
        HttpRequest request, [AsParameters] ImportQuery query, CurrentUser user, CharacterCards cards, IOptions<FairnessSettings> fairness,
        IOptions<ChatCardOptions> options, CancellationToken ct)
    {
        var type = MediaTypes.Normalize(request.ContentType);
        if (type is not (MediaTypes.Png or "application/json"))
            return Problems.Create(StatusCodes.Status415UnsupportedMediaType, ProblemTypes.UnsupportedMediaType,
                "Send the card as image/png (the card in a 'chara' or 'ccv3' tEXt chunk) or application/json.");
        if (query.Timezone is { } zone && !Hearth.Identity.TimeZones.IsKnown(zone))
            return Problems.Validation(("timezone", $"'{zone}' is not an IANA time zone name such as 'Europe/Paris'"));
        var limit = options.Value.MaxBytes;
        var body = await RequestBodies.ReadAsync(request, limit, ct);
        if (body is null) return Problems.PayloadTooLarge(limit);
        if (body.Length == 0) return Problems.Validation(("card", "the body is empty"));
        var isPng = type == MediaTypes.Png;
        if (isPng && !CardPng.IsPng(body)) return Problems.Validation(("image", "the body is not a PNG"));
        var timeZone = query.Timezone ?? (Hearth.Identity.TimeZones.IsKnown(user.TimeZone) ? user.TimeZone : "UTC");
        try
        {
            var imported = await cards.ImportAsync(user.Id, new CardFile(body, isPng), timeZone,
                string.IsNullOrWhiteSpace(user.DisplayName) ? "you" : user.DisplayName, fairness.Value.MaxAgentsPerUser, ct);
            if (imported.Agent is not { } agent) return Problems.Validation([.. imported.Errors]);
            return TypedResults.Created($"/api/agents/{agent.Id}", AgentResponse.From(agent));
        }
        catch (AgentLimitReachedException e)
        {
            return Problems.Create(StatusCodes.Status409Conflict, ProblemTypes.TooManyAgents, e.Message, new Dictionary<string, object?> { ["limit"] = e.Limit });
        }
    }

    /// <summary>Export options: <c>?format=json|png</c> (else the Accept header), <c>?spec=v2|v3</c> for JSON.</summary>
    public sealed record ExportQuery([property: FromQuery(Name = "format")] string? Format, [property: FromQuery(Name = "spec")] string? Spec);

    public static async Task<Results<FileContentHttpResult, ProblemHttpResult>> ExportAsync(
        string id, [AsParameters] ExportQuery query, HttpRequest request, CurrentUser user, CharacterCards cards, CancellationToken ct)
    {
        if (query.Format is not (null or "json" or "png")) return Problems.Validation(("format", "must be 'json' or 'png'"));
        if (query.Spec is not (null or "v2" or "v3")) return Problems.Validation(("spec", "must be 'v2' or 'v3'"));
        if (await cards.ExportAsync(user.Id, id, ct) is not { } card) return Problems.NotFound("agent");
        var png = query.Format == "png" || (query.Format is null && WantsPng(request));
        var fileName = FileName(card.Name);
        if (png) return TypedResults.File(await cards.ExportPngAsync(user.Id, id, card, ct), MediaTypes.Png, fileName + ".png");
        var json = CardJson.Write(card, v3: query.Spec == "v3").ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true });
        return TypedResults.File(Encoding.UTF8.GetBytes(json), "application/json", fileName + ".json");
    }

    private static bool WantsPng(HttpRequest request)
    {
        var accept = request.GetTypedHeaders().Accept;
        if (accept.Count == 0) return false;
        var png = accept.Where(a => a.MediaType.Equals(MediaTypes.Png, StringComparison.OrdinalIgnoreCase)).Select(a => a.Quality ?? 1).DefaultIfEmpty(0).Max();
        var json = accept.Where(a => a.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase) || a.MediaType.Equals("*/*", StringComparison.Ordinal))
            .Select(a => a.Quality ?? 1).DefaultIfEmpty(0).Max();
        return png > 0 && png >= json;
    }

    private static string FileName(string name)
    {
        var safe = new string([.. name.Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' ? c : '_')]).Trim('_');
        return safe.Length == 0 ? "card" : safe;
    }
}
