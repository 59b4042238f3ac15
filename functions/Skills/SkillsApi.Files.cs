using System.Globalization;
using Hearth.Skills;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Hearth.Functions.Skills;

public static partial class SkillsApi
{
    public static async Task<Results<Created<StoredFileResponse>, Ok<StoredFileResponse>, ProblemHttpResult>> PutFileAsync(
        HttpRequest request, string? path, CurrentUser user, SkillLibrary library, IOptions<SkillLibraryOptions> options, CancellationToken ct)
    {
        if (!IsOctetStream(request)) return UnsupportedMediaType("Send the file's exact bytes as application/octet-stream.");
        if (string.IsNullOrWhiteSpace(path)) return Problems.Validation(("path", "name the file with ?path= (relative to the library root)"));
        var limit = options.Value.MaxFileBytes;
        var bytes = await RequestBodies.ReadAsync(request, limit, ct);
        if (bytes is null) return Problems.PayloadTooLarge(limit);
        try
        {
            var stored = await library.PutAsync(user.Id, path, bytes, "upload", ct);
            var response = StoredFileResponse.From(stored);
            return stored.Change == FileChange.Unchanged ? TypedResults.Ok(response) : TypedResults.Created($"/api/skills/files/{stored.File.Id}", response);
        }
        catch (Exception e) when (IsClientError(e))
        {
            return ToProblem(e);
        }
    }

    public static async Task<Results<Ok<ListResponse<SkillFile>>, ProblemHttpResult>> ListFilesAsync(
        string? path, string? type, string? q, bool? problems, string? cursor, int? limit, CurrentUser user, SkillLibrary library, CancellationToken ct)
    {
        if (!Paging.TryLimit(limit, out var size, out var error)) return Problems.Validation(error);
        if (type is not null && !Hearth.Skills.Splitting.SkillSplittingNames.TryParseType(type, out _))
            return Problems.Validation(("type", "must be skill, command, reference, agent, plugin, hook, output_style, documentation, config, script or asset"));
        if (q is { Length: > 200 }) return Problems.Validation(("q", "at most 200 characters"));
        try
        {
            var page = await library.ListAsync(user.Id, string.IsNullOrWhiteSpace(path) ? null : path, type, cursor, size, ct,
                string.IsNullOrWhiteSpace(q) ? null : q.Trim(), problems ?? false);
            return TypedResults.Ok(new ListResponse<SkillFile>(page.Items, page.NextCursor));
        }
        catch (Exception e) when (IsClientError(e))
        {
            return ToProblem(e);
        }
    }

    public static async Task<Results<Ok<CompareResult>, ProblemHttpResult>> CompareAsync(
        CompareRequest request, CurrentUser user, SkillLibrary library, IOptions<SkillLibraryOptions> options, CancellationToken ct)
    {
        if (request.Files is null) return Problems.Validation(("files", "send { \"files\": [ { \"path\", \"sha256\", \"size\"? } ] }"));
        if (request.Files.Count > 100_000) return Problems.Validation(("files", "at most 100,000 files per call"));
        if (request.Files.Any(f => f is null || f.Path is null || f.Sha256 is null))
            return Problems.Validation(("files", "every entry needs a path and a sha256"));
        // A file over the limit would make its whole upload fail: say so now, so a push leaves it out and reports why.
        var max = options.Value.MaxFileBytes;
        var tooLarge = request.Files.Where(f => f.Size > max).ToList();
        var result = await library.CompareAsync(user.Id, tooLarge.Count == 0 ? request.Files : request.Files.Except(tooLarge).ToList(), ct);
        return TypedResults.Ok(tooLarge.Count == 0 ? result : result with
        {
            Invalid = [.. result.Invalid, .. tooLarge.Select(f => new InvalidPath(f.Path,
                string.Create(CultureInfo.InvariantCulture, $"too large: {f.Size:N0} bytes, the library takes at most {max:N0} (Skills:MaxFileBytes)")))],
        });
    }

    public static async Task<Results<Ok<SkillFile>, ProblemHttpResult>> GetFileAsync(string id, CurrentUser user, SkillLibrary library, CancellationToken ct) =>
        await library.FindAsync(user.Id, id, ct) is { } file ? TypedResults.Ok(file) : Problems.NotFound("file");

    public static async Task<Results<Ok<TreeResponse>, ProblemHttpResult>> GetTreeAsync(string id, int? version, CurrentUser user, SkillLibrary library, CancellationToken ct)
    {
        var sections = await library.SectionsAsync(user.Id, id, version, ct);
        if (sections is null) return Problems.NotFound(version is null ? "file" : "file version");
        return TypedResults.Ok(new TreeResponse(sections.File, sections.Version, TreeNode.Build(sections.Sections)));
    }

    public static async Task<Results<FileContentHttpResult, ProblemHttpResult>> GetRawAsync(
        string id, int? version, CurrentUser user, SkillLibrary library, HttpResponse response, CancellationToken ct)
    {
        var raw = await library.RawAsync(user.Id, id, version, ct);
        if (raw is null) return Problems.NotFound(version is null ? "file" : "file version");
        DigestHeaders(response, raw.Sha256, raw.Version);
        return TypedResults.File(raw.Content, "application/octet-stream", Hearth.Skills.SkillPath.FileName(raw.Path),
            entityTag: new EntityTagHeaderValue($"\"{raw.Sha256}\""));
    }

    public static async Task<Results<Ok<ListResponse<SkillFileVersion>>, ProblemHttpResult>> ListVersionsAsync(
        string id, string? cursor, int? limit, CurrentUser user, SkillLibrary library, CancellationToken ct)
    {
        if (!Paging.TryLimit(limit, out var size, out var error)) return Problems.Validation(error);
        try
        {
            return await library.VersionsAsync(user.Id, id, cursor, size, ct) is { } page
                ? TypedResults.Ok(new ListResponse<SkillFileVersion>(page.Items, page.NextCursor))
                : Problems.NotFound("file");
        }
        catch (Exception e) when (IsClientError(e))
        {
            return ToProblem(e);
        }
    }

    public static async Task<Ok<SkillStatsResponse>> StatsAsync(CurrentUser user, SkillLibrary library, Hearth.Skills.Checkout.SkillCheckouts checkouts,
        Hearth.Archive.IArchiveMirror mirror, CancellationToken ct)
    {
        var stats = await library.StatsAsync(user.Id, ct);
        var active = await checkouts.ListAsync(user.Id, all: false, ct);
        return TypedResults.Ok(new SkillStatsResponse(stats.Files, stats.Sections, stats.Bytes, stats.Versions, stats.ByType, active.Count, mirror.IsEnabled));
    }
}
