using Hearth.Skills;
using Hearth.Skills.Checkout;
using Hearth.Skills.Ingest;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Hearth.Functions.Skills;

/// <summary>
/// <c>/api/skills</c>: the caller's skill library. Files (upload one, list, compare, outline, exact bytes, versions),
/// sections (read with or without children, next, replace), search, bulk ingest runs, compose, checkout/checkin and
/// the archive mirror's verify report. Everything is the caller's own: another user's file or section is a 404.
/// </summary>
public static partial class SkillsApi
{
    public static IEndpointRouteBuilder MapSkillsApi(this IEndpointRouteBuilder app)
    {
        var options = app.ServiceProvider.GetRequiredService<IOptions<SkillLibraryOptions>>().Value;
        var api = app.MapGroup("/api/skills").WithTags("Skills");

        api.MapPost("/files", PutFileAsync).WithName("PutSkillFile")
            .WithSummary("Stores one file (?path=, the exact bytes as application/octet-stream) as a new version; unchanged bytes store nothing.")
            .Accepts<byte[]>("application/octet-stream").WithMaxRequestBody(options.MaxFileBytes)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status413PayloadTooLarge).ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .RequireRateLimiting(RateLimits.SkillEdits);
        api.MapGet("/files", ListFilesAsync).WithName("ListSkillFiles")
            .WithSummary("The caller's files by path: ?path= (a file or a folder), ?type=, cursor paging.")
            .ProducesProblem(StatusCodes.Status400BadRequest);
        api.MapPost("/files/compare", CompareAsync).WithName("CompareSkillFiles")
            .WithSummary("Which of these paths and SHA-256s are new or differ from the library (what a push must upload).")
            .WithMaxRequestBody(16L * 1024 * 1024).ProducesProblem(StatusCodes.Status400BadRequest);
        api.MapGet("/files/{id}", GetFileAsync).WithName("GetSkillFile").WithSummary("One file at its current version.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/files/{id}/tree", GetTreeAsync).WithName("GetSkillFileTree")
            .WithSummary("The file's sections as a nested outline with ids, titles, levels and sizes (?version= for an older one).")
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/files/{id}/raw", GetRawAsync).WithName("GetSkillFileRaw")
            .WithSummary("The exact original bytes (?version= for an older one); ETag and Repr-Digest carry the SHA-256.")
            .Produces<byte[]>(StatusCodes.Status200OK, "application/octet-stream").ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/files/{id}/versions", ListVersionsAsync).WithName("ListSkillFileVersions")
            .WithSummary("The file's versions, newest first: { items, nextCursor } (?limit= 1-200, ?cursor=).").ProducesProblem(StatusCodes.Status404NotFound);

        api.MapGet("/sections/{id}", GetSectionAsync).WithName("GetSkillSection")
            .WithSummary("A section and its content (?children=true: with its whole subtree), and its direct children.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/sections/{id}/raw", GetSectionRawAsync).WithName("GetSkillSectionRaw")
            .WithSummary("A section's exact bytes (?children=true: with its subtree).")
            .Produces<byte[]>(StatusCodes.Status200OK, "application/octet-stream").ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/sections/{id}/next", NextSectionAsync).WithName("GetNextSkillSection")
            .WithSummary("The section after this one and its children (?child=true: its first child); 204 at the end.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapPut("/sections/{id}", ReplaceSectionAsync).WithName("ReplaceSkillSection")
            .WithSummary("Replaces the section's own bytes (application/octet-stream; If-Match: its SHA-256) and stores the file as a new version.")
            .Accepts<byte[]>("application/octet-stream").WithMaxRequestBody(options.MaxFileBytes)
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status412PreconditionFailed)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge).ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .RequireRateLimiting(RateLimits.SkillEdits);

        api.MapGet("/search", SearchAsync).WithName("SearchSkills")
            .WithSummary("Ranked sections: ?q=, ?mode=bm25|vector|hybrid (default hybrid), ?limit= (1-100), ?file= (id or path), ?type=.")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);

        api.MapPost("/ingest", IngestAsync).WithName("IngestSkills")
            .WithSummary("Bulk ingest: a tar (application/x-tar), tar.gz (application/gzip), zip (application/zip) or JSON batch; paths inside become library paths. 202 with the run.")
            .Accepts<byte[]>("application/x-tar", "application/gzip", "application/zip", "application/json").WithMaxRequestBody(options.MaxUploadBytes)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status413PayloadTooLarge).ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .RequireRateLimiting(RateLimits.SkillIngest).RequireActiveWorkLimit();
        api.MapGet("/runs", ListRunsAsync).WithName("ListSkillRuns").WithSummary("The caller's most recent ingest runs (?limit=, default 10).")
            .ProducesProblem(StatusCodes.Status400BadRequest);
        api.MapGet("/runs/{id}", GetRunAsync).WithName("GetSkillRun")
            .WithSummary("A run's progress (files, sections, failures with reasons) and, when done, its report (?files=true lists every file).")
            .ProducesProblem(StatusCodes.Status404NotFound);

        api.MapPost("/compose", ComposeAsync).WithName("ComposeSkill")
            .WithSummary("A new skill from sections: generated frontmatter (name, description, sources), validated, stored as a new file.")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status409Conflict).RequireRateLimiting(RateLimits.SkillEdits);

        api.MapPost("/checkout", CheckoutAsync).WithName("CheckoutSkill")
            .WithSummary("Writes a file or one section to <checkout root>/<you>/<path> (links and escapes refused).")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        api.MapPost("/checkin", CheckinAsync).WithName("CheckinSkill")
            .WithSummary("Reads a checked-out file or section back and stores it as a new version (a section is spliced into its file).")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
            .RequireRateLimiting(RateLimits.SkillEdits);
        api.MapGet("/checkouts", ListCheckoutsAsync).WithName("ListSkillCheckouts")
            .WithSummary("The caller's active checkouts (?all=true: with closed ones), each saying whether the copy was edited.");

        api.MapGet("/mirror/verify", VerifyMirrorAsync).WithName("VerifySkillMirror")
            .WithSummary("Library vs archive: missing, extra and hash-mismatched files and the percentage in sync (an admin sees every owner).")
            .ProducesProblem(StatusCodes.Status409Conflict);
        api.MapGet("/stats", StatsAsync).WithName("GetSkillStats").WithSummary("Files, sections, bytes, versions and files by type.");
        return app;
    }

    /// <summary>True for the exceptions that are the caller's to fix (mapped by <see cref="ToProblem"/>).</summary>
    private static bool IsClientError(Exception e) =>
        e is InvalidSkillPathException or SkillRequestException or SkillConflictException or SkillUploadException or CheckoutRefusedException;

    private static ProblemHttpResult ToProblem(Exception e) => e switch
    {
        InvalidSkillPathException path => Problems.Validation(("path", path.Message)),
        SkillRequestException request => Problems.Validation((request.Field, request.Message)),
        SkillUploadException { TooLarge: true } upload => Problems.Create(StatusCodes.Status413PayloadTooLarge, ProblemTypes.PayloadTooLarge, upload.Message),
        SkillUploadException upload => Problems.Validation(("body", upload.Message)),
        _ => Problems.Conflict(e.Message),
    };

    private static ProblemHttpResult UnsupportedMediaType(string detail) =>
        Problems.Create(StatusCodes.Status415UnsupportedMediaType, ProblemTypes.UnsupportedMediaType, detail);

    private static bool IsOctetStream(HttpRequest request) =>
        request.ContentType?.Split(';')[0].Trim().Equals("application/octet-stream", StringComparison.OrdinalIgnoreCase) == true;

    private static void DigestHeaders(HttpResponse response, string sha256, int version)
    {
        response.Headers["Repr-Digest"] = $"sha-256=:{Convert.ToBase64String(Convert.FromHexString(sha256))}:";
        response.Headers["X-Skill-Version"] = version.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}
