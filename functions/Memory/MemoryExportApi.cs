using Hearth.Chat;
using Hearth.Memory;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Hearth.Functions.Memory;

/// <summary>
/// Memory the user owns: <c>GET /api/memory/export</c> (everything Hearth remembers about the caller, as one JSON
/// document) and <c>POST /api/memory/import</c> (that document, into this or a fresh instance); and each companion's
/// core memory block, <c>GET/PUT /api/agents/{id}/core-memory</c>.
/// </summary>
public static class MemoryExportApi
{
    public const string Format = "hearth.memory.v1";

    public static void Map(IEndpointRouteBuilder app)
    {
        var memory = app.MapGroup("/api/memory").WithTags("Memory");
        memory.MapGet("/export", ExportAsync).WithName("ExportMemory")
            .WithSummary("Everything Hearth remembers about the caller: profile, memories with provenance and history, session summaries, and each companion's core memory block.");
        memory.MapPost("/import", ImportAsync).WithName("ImportMemory")
            .WithSummary("Imports an export document (ids and provenance kept; what the instance already has is skipped); one transaction, 400 names the field.")
            .ProducesProblem(StatusCodes.Status400BadRequest).RequireRateLimiting(MemoryApi.ImportRateLimit);
        var agents = app.MapGroup("/api/agents/{id}/core-memory").WithTags("Memory");
        agents.MapGet("/", GetCoreAsync).WithName("GetCoreMemory")
            .WithSummary("The companion's core memory block: what it always knows about the caller, in every prompt it is written from.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        agents.MapPut("/", PutCoreAsync).WithName("UpdateCoreMemory")
            .WithSummary($"Replaces the core memory block ({{ text }}, at most {CoreMemory.MaxLength} characters; empty clears it).")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
    }

    /// <summary>The caller as exported (informational: an import does not change the profile).</summary>
    public sealed record ExportedProfile(string DisplayName, string TimeZone);

    /// <summary>The export document (also the import body).</summary>
    public sealed record MemoryExport(
        string Format, DateTimeOffset ExportedAt, ExportedProfile? Profile, IReadOnlyList<ExportedMemory> Memories, IReadOnlyList<ExportedSummary> Summaries,
        IReadOnlyList<CoreMemoryBlock> CoreMemory);

    /// <summary>An import body: an export document (only <c>format</c> is required; missing lists are empty).</summary>
    public sealed record MemoryImportRequest(string? Format, IReadOnlyList<ExportedMemory?>? Memories, IReadOnlyList<ExportedSummary?>? Summaries,
        IReadOnlyList<CoreMemoryBlock?>? CoreMemory);

    /// <summary>What an import wrote and skipped.</summary>
    public sealed record MemoryImportResponse(int Memories, int MemoriesSkipped, int Summaries, int SummariesSkipped, int CoreMemory, int CoreMemorySkipped);

    public static async Task<Ok<MemoryExport>> ExportAsync(CurrentUser user, MemoryPortability portability, CoreMemory core, TimeProvider time, CancellationToken ct)
    {
        var (memories, summaries) = await portability.ExportAsync(user.Id, ct);
        return TypedResults.Ok(new MemoryExport(Format, time.GetUtcNow(), new ExportedProfile(user.DisplayName, user.TimeZone), memories, summaries,
            await core.ListAsync(user.Id, ct)));
    }

    public static async Task<Results<Ok<MemoryImportResponse>, ProblemHttpResult>> ImportAsync(
        MemoryImportRequest request, CurrentUser user, MemoryPortability portability, CoreMemory core, CancellationToken ct)
    {
        if (request.Format != Format) return Problems.Validation(("format", $"must be '{Format}'"));
        var memories = request.Memories ?? [];
        var summaries = request.Summaries ?? [];
        var blocks = request.CoreMemory ?? [];
        var errors = MemoryPortability.Validate(memories, summaries);
        for (var i = 0; i < blocks.Count; i++)
        {
            if (blocks[i] is not { } b) errors.Add(($"coreMemory[{i}]", "must be an object"));
            else if (b.Text is null || b.Text.Length > CoreMemory.MaxLength) errors.Add(($"coreMemory[{i}].text", $"must be at most {CoreMemory.MaxLength} characters"));
        }
        if (errors.Count > 0) return Problems.Validation([.. errors]);
        var counts = await portability.ImportAsync(user.Id, memories!, summaries!, ct);
        // A block belongs to a companion: the one of that id, else the one of that name (a card imported again); else it is skipped.
        var written = 0;
        foreach (var block in blocks)
            if (await core.ImportAsync(user.Id, block!, ct) is not null) written++;
        return TypedResults.Ok(new MemoryImportResponse(counts.Memories, counts.MemoriesSkipped, counts.Summaries, counts.SummariesSkipped, written, blocks.Count - written));
    }

    public static async Task<Results<Ok<CoreMemoryBlock>, ProblemHttpResult>> GetCoreAsync(string id, CurrentUser user, CoreMemory core, CancellationToken ct) =>
        await core.GetAsync(user.Id, id, ct) is { } block ? TypedResults.Ok(block) : Problems.NotFound("agent");

    /// <summary>A block's new text.</summary>
    public sealed record CoreMemoryRequest(string? Text);

    public static async Task<Results<Ok<CoreMemoryBlock>, ProblemHttpResult>> PutCoreAsync(string id, CoreMemoryRequest request, CurrentUser user, CoreMemory core, CancellationToken ct)
    {
        if (request.Text is null) return Problems.Validation(("text", "is required (empty clears the block)"));
        if (request.Text.Length > CoreMemory.MaxLength) return Problems.Validation(("text", $"must be at most {CoreMemory.MaxLength} characters"));
        return await core.PutAsync(user.Id, id, request.Text, ct) is { } block ? TypedResults.Ok(block) : Problems.NotFound("agent");
    }
}
