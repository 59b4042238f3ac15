using System.Text;
using Hearth.Archive;
using Hearth.Skills;
using Hearth.Skills.Checkout;
using Hearth.Skills.Ingest;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Hearth.Functions.Skills;

public static partial class SkillsApi
{
    public static async Task<Results<Accepted<IngestAcceptedResponse>, ProblemHttpResult>> IngestAsync(
        HttpRequest request, CurrentUser user, SkillIngestRuns runs, IOptions<SkillLibraryOptions> options, CancellationToken ct)
    {
        var format = SkillUploadReader.FormatOf(request.ContentType);
        if (format is null)
            return UnsupportedMediaType("Send application/x-tar, application/gzip (a .tar.gz), application/zip, or application/json ({ \"files\": [ { \"path\", \"content\" } ] }).");
        var o = options.Value;
        try
        {
            var files = await SkillUploadReader.ReadAsync(request.Body, format.Value,
                new SkillUploadLimits(o.MaxFilesPerUpload, o.MaxUploadFilesBytes, o.MaxFileBytes), ct);
            var source = format.Value switch { SkillUploadFormat.Tar => "tar", SkillUploadFormat.TarGzip => "tar.gz", SkillUploadFormat.Zip => "zip", _ => "json" };
            var id = await runs.StartAsync(user.Id, files, source, ct);
            var url = $"/api/skills/runs/{id}";
            return TypedResults.Accepted(url, new IngestAcceptedResponse(id, url, files.Count, files.Sum(f => (long)f.Content.Length)));
        }
        catch (Exception e) when (IsClientError(e))
        {
            return ToProblem(e);
        }
    }

    public static async Task<Results<Ok<IReadOnlyList<IngestRunStatus>>, ProblemHttpResult>> ListRunsAsync(int? limit, CurrentUser user, SkillIngestRuns runs, CancellationToken ct)
    {
        var size = limit ?? 10;
        if (size is < 1 or > 100) return Problems.Validation(("limit", "must be between 1 and 100"));
        return TypedResults.Ok(await runs.RecentAsync(user.Id, size, ct));
    }

    public static async Task<Results<Ok<IngestRunStatus>, ProblemHttpResult>> GetRunAsync(string id, bool? files, CurrentUser user, SkillIngestRuns runs, CancellationToken ct) =>
        await runs.GetAsync(user.Id, id, files ?? false, ct) is { } run ? TypedResults.Ok(run) : Problems.NotFound("run");

    public static async Task<Results<Created<ComposeResponse>, Ok<ComposeResponse>, ProblemHttpResult>> ComposeAsync(
        ComposeBody body, CurrentUser user, SkillComposer composer, CancellationToken ct)
    {
        try
        {
            var result = await composer.ComposeAsync(user.Id, new ComposeRequest(body.Name ?? "", body.SectionIds ?? [], body.Description, body.Title, body.Path,
                body.IncludeChildren ?? true, body.DryRun ?? false), ct);
            var response = new ComposeResponse(result.Stored?.File, result.Path, result.Name, result.Description, result.Sha256, result.Sections, result.Sources,
                Encoding.UTF8.GetString(result.Content));
            return result.Stored is { } stored ? TypedResults.Created($"/api/skills/files/{stored.File.Id}", response) : TypedResults.Ok(response);
        }
        catch (Exception e) when (IsClientError(e))
        {
            return ToProblem(e);
        }
    }

    public static async Task<Results<Created<CheckoutInfo>, ProblemHttpResult>> CheckoutAsync(
        CheckoutRequest request, CurrentUser user, SkillCheckouts checkouts, SkillLibrary library, CancellationToken ct)
    {
        var named = new[] { request.FileId, request.Path, request.SectionId }.Count(v => !string.IsNullOrWhiteSpace(v));
        if (named != 1) return Problems.Validation(("fileId", "name exactly one of fileId, path and sectionId"));
        try
        {
            CheckoutInfo? checkout;
            if (request.SectionId is { } sectionId) checkout = await checkouts.CheckoutSectionAsync(user.Id, sectionId, request.Force ?? false, ct);
            else
            {
                var fileId = request.FileId ?? (await library.FindByPathAsync(user.Id, request.Path!, ct))?.Id;
                checkout = fileId is null ? null : await checkouts.CheckoutFileAsync(user.Id, fileId, request.Force ?? false, ct);
            }
            return checkout is null
                ? Problems.NotFound(request.SectionId is null ? "file" : "section")
                : TypedResults.Created($"/api/skills/checkouts/{checkout.Id}", checkout);
        }
        catch (Exception e) when (IsClientError(e))
        {
            return ToProblem(e);
        }
    }

    public static async Task<Results<Ok<CheckinResponse>, ProblemHttpResult>> CheckinAsync(CheckinRequest request, CurrentUser user, SkillCheckouts checkouts, CancellationToken ct)
    {
        var target = request.CheckoutId ?? request.Path;
        if (string.IsNullOrWhiteSpace(target) || (request.CheckoutId is not null && request.Path is not null))
            return Problems.Validation(("checkoutId", "name exactly one of checkoutId and path"));
        try
        {
            var result = await checkouts.CheckinAsync(user.Id, target, request.Force ?? false, ct);
            return result is null ? Problems.NotFound("checkout") : TypedResults.Ok(new CheckinResponse(result.Checkout, StoredFileResponse.From(result.File)));
        }
        catch (Exception e) when (IsClientError(e))
        {
            return ToProblem(e);
        }
    }

    public static async Task<Ok<IReadOnlyList<CheckoutInfo>>> ListCheckoutsAsync(bool? all, CurrentUser user, SkillCheckouts checkouts, CancellationToken ct) =>
        TypedResults.Ok(await checkouts.ListAsync(user.Id, all ?? false, ct));

    public static async Task<Results<Ok<MirrorReport>, ProblemHttpResult>> VerifyMirrorAsync(CurrentUser user, SkillMirror mirror, IArchiveMirror archive, CancellationToken ct)
    {
        if (!archive.IsEnabled) return Problems.Conflict("No archive database is configured (ConnectionStrings:Archive), so there is no mirror to verify.");
        return TypedResults.Ok(await mirror.VerifyAsync(user.OwnerFilter, ct));
    }
}
