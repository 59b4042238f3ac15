using Hearth.Functions.Search;
using Hearth.Search;
using Hearth.Skills;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Hearth.Functions.Skills;

public static partial class SkillsApi
{
    public static async Task<Results<Ok<SectionResponse>, ProblemHttpResult>> GetSectionAsync(
        string id, bool? children, CurrentUser user, SkillLibrary library, CancellationToken ct) =>
        await library.GetSectionAsync(user.Id, id, children ?? false, ct) is { } read
            ? TypedResults.Ok(SectionResponse.From(read))
            : Problems.NotFound("section");

    public static async Task<Results<FileContentHttpResult, ProblemHttpResult>> GetSectionRawAsync(
        string id, bool? children, CurrentUser user, SkillLibrary library, HttpResponse response, CancellationToken ct)
    {
        var read = await library.GetSectionAsync(user.Id, id, children ?? false, ct);
        if (read is null) return Problems.NotFound("section");
        var sha = Hearth.Skills.Splitting.SkillSplitter.Sha256Hex(read.Content);
        DigestHeaders(response, sha, read.Section.Version);
        return TypedResults.File(read.Content, "application/octet-stream", entityTag: new EntityTagHeaderValue($"\"{sha}\""));
    }

    public static async Task<Results<Ok<SectionResponse>, NoContent, ProblemHttpResult>> NextSectionAsync(
        string id, bool? child, CurrentUser user, SkillLibrary library, CancellationToken ct)
    {
        var next = await library.NextAsync(user.Id, id, child ?? false, ct);
        if (!next.Found) return Problems.NotFound("section");
        return next.Next is { } read ? TypedResults.Ok(SectionResponse.From(read)) : TypedResults.NoContent();
    }

    public static async Task<Results<Ok<StoredFileResponse>, ProblemHttpResult>> ReplaceSectionAsync(
        string id, HttpRequest request, CurrentUser user, SkillLibrary library, IOptions<SkillLibraryOptions> options, CancellationToken ct)
    {
        if (!IsOctetStream(request)) return UnsupportedMediaType("Send the section's new bytes as application/octet-stream.");
        var limit = options.Value.MaxFileBytes;
        var bytes = await RequestBodies.ReadAsync(request, limit, ct);
        if (bytes is null) return Problems.PayloadTooLarge(limit);
        var ifMatch = request.Headers.IfMatch.ToString();
        var expected = string.IsNullOrWhiteSpace(ifMatch) || ifMatch == "*" ? null : ifMatch.Trim().Trim('"');
        try
        {
            var stored = await library.ReplaceSectionAsync(user.Id, id, bytes, expected, "section", ct);
            return stored is null ? Problems.NotFound("section") : TypedResults.Ok(StoredFileResponse.From(stored));
        }
        catch (SkillConflictException e) when (expected is not null)
        {
            return Problems.Create(StatusCodes.Status412PreconditionFailed, ProblemTypes.Conflict, e.Message);
        }
        catch (Exception e) when (IsClientError(e))
        {
            return ToProblem(e);
        }
    }

    public static async Task<Results<Ok<SkillSearchResponse>, ProblemHttpResult>> SearchAsync(
        string? q, string? mode, int? limit, string? file, string? type,
        CurrentUser user, SkillSearchIndexer search, SkillLibrary library, SearchOptions searchOptions, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(q)) return Problems.Validation(("q", "give the search text"));
        if (q.Length > 1000) return Problems.Validation(("q", "at most 1,000 characters"));
        SearchMode searchMode;
        switch (mode?.ToLowerInvariant())
        {
            case null or "" or "hybrid": searchMode = SearchMode.Hybrid; break;
            case "bm25": searchMode = SearchMode.Bm25; break;
            case "vector": searchMode = SearchMode.Vector; break;
            default: return Problems.Validation(("mode", "must be bm25, vector or hybrid"));
        }
        var k = limit ?? 10;
        if (k is < 1 or > 100) return Problems.Validation(("limit", "must be between 1 and 100"));
        if (type is not null && !Hearth.Skills.Splitting.SkillSplittingNames.TryParseType(type, out _))
            return Problems.Validation(("type", "must be skill, command, reference, agent, plugin, hook, output_style, documentation, config or script"));

        string? fileId = null;
        if (!string.IsNullOrWhiteSpace(file))
        {
            try
            {
                var found = SkillIds.IsWellFormed(file) ? await library.FindAsync(user.Id, file, ct) : await library.FindByPathAsync(user.Id, file, ct);
                if (found is null) return Problems.NotFound("file");
                fileId = found.Id;
            }
            catch (InvalidSkillPathException e)
            {
                return Problems.Validation(("file", e.Message));
            }
        }
        var results = await search.SearchAsync(user.Id, q, searchMode, k, fileId, type, ct);
        var settings = searchOptions;
        return TypedResults.Ok(new SkillSearchResponse(q, results.Mode.ToString().ToLowerInvariant(),
            results.Mode == SearchMode.Hybrid ? new SearchWeights(settings.Bm25Weight, settings.VectorWeight) : null,
            results.Items.Select(SkillSearchItem.From).ToList(), results.VectorFallback, results.VectorsPending));
    }
}
