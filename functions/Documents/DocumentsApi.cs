using System.Runtime.CompilerServices;
using System.Text;
using Hearth.Durable;
using Hearth.Durable.Orchestrations;
using Hearth.Functions.Memory;
using Hearth.Memory;
using Hearth.Search;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Npgsql;

namespace Hearth.Functions.Documents;

/// <summary>
/// <c>/api/documents</c>: the corpus import (JSON lines or files, chunked, embedded and indexed by an orchestration with
/// progress), the status of an import, and the caller's imported documents (list, delete).
/// </summary>
public static class DocumentsApi
{
    private static readonly string[] JsonLinesTypes = ["application/x-ndjson", "application/ndjson", "application/jsonl", "application/x-jsonl", "application/jsonlines", "application/x-jsonlines", "application/json-lines", "text/jsonl"];
    private static readonly string[] TextTypes = ["text/plain", "text/markdown", "text/x-markdown"];
    private static readonly string[] TextExtensions = [".txt", ".md", ".markdown", ".text"];
    private static readonly string[] JsonLinesExtensions = [".jsonl", ".ndjson"];
    private const int MaxProblems = 20;

    public static void Map(IEndpointRouteBuilder app)
    {
        var maxBytes = app.ServiceProvider.GetRequiredService<IOptions<MemoryOptions>>().Value.ImportMaxBytes;
        var documents = app.MapGroup("/api/documents").WithTags("Documents");
        documents.MapPost("/import", ImportAsync).WithName("ImportDocuments")
            .WithSummary("Imports documents (JSON lines: { id?, title?, text, source?, createdAt?, domain? } per line; or multipart text/markdown/JSON-lines files): 202 and an import to follow.")
            .Accepts<string>("application/x-ndjson", "multipart/form-data")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge).ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .WithMaxRequestBody(maxBytes).RequireRateLimiting(MemoryApi.ImportRateLimit).RequireActiveWorkLimit();
        documents.MapGet("/imports/{id}", GetImportAsync).WithName("GetDocumentImport")
            .WithSummary("An import's status, progress (documents done, chunks, failures) and, when finished, its report.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        documents.MapGet("/", ListAsync).WithName("ListDocuments").WithSummary("The caller's imported documents, by id.")
            .ProducesProblem(StatusCodes.Status400BadRequest);
        documents.MapDelete("/{id}", DeleteAsync).WithName("DeleteDocument").WithSummary("Removes an imported document and its passages from the index.")
            .ProducesProblem(StatusCodes.Status404NotFound);
    }

    /// <summary>An import as the API shows it: <c>progress</c> while it runs, <c>report</c> when it is done.</summary>
    public sealed record ImportResponse(
        string Id, string Status, DocumentImportProgress? Progress, DocumentImportReport? Report, string? Error,
        DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, DateTimeOffset? CompletedAt);

    /// <summary>An imported document.</summary>
    public sealed record DocumentResponse(string Id, string? Title, string? Source, string Domain, int Chunks, string ImportId, DateTimeOffset CreatedAt, DateTimeOffset IndexedAt);

    public static async Task<Results<Accepted<AcceptedResponse>, ProblemHttpResult>> ImportAsync(
        HttpRequest request, CurrentUser user, DocumentImports imports, SearchService search, MemoryOptions options,
        NpgsqlDataSource db, IOrchestrationClient orchestrations, CancellationToken ct)
    {
        var input = Input(request, out var unsupported);
        if (input is null) return Problems.Create(StatusCodes.Status415UnsupportedMediaType, ProblemTypes.UnsupportedMediaType, unsupported);
        try
        {
            // Refuse before reading anything when the collection was built with another embedder.
            await search.EnsureCollectionAsync(options.DocumentsCollection, ct);
        }
        catch (EmbeddingMismatchException e)
        {
            return Problems.Conflict(e.Message);
        }

        var importId = "imp_" + Guid.CreateVersion7().ToString("N");
        await using var tx = await db.BeginDurableAsync(ct);
        var (count, problems) = await imports.StageAsync(tx.Transaction, importId, input, MaxProblems, ct);
        if (problems.Count > 0)
        {
            await tx.RollbackAsync(ct);
            return Problems.Validation([.. problems.Select(p => (p.Where, p.Error))]);
        }
        if (count == 0)
        {
            await tx.RollbackAsync(ct);
            return Problems.Validation(("body", "no documents: send JSON lines with a text each, or text/markdown files"));
        }
        await orchestrations.StartAsync(DocumentImportOrchestration.Name,
            new DocumentImportInput(importId, user.Id, count, options.ImportBatchSize, options.ImportParallelism),
            new StartOptions { InstanceId = importId, Owner = user.Id }, tx.Transaction, ct);
        await tx.CommitAsync(ct);
        var url = $"/api/documents/imports/{importId}";
        return TypedResults.Accepted(url, new AcceptedResponse(importId, url));
    }

    public static async Task<Results<Ok<ImportResponse>, ProblemHttpResult>> GetImportAsync(string id, CurrentUser user, IOrchestrationClient orchestrations, CancellationToken ct)
    {
        var status = await orchestrations.GetAsync(id, user.Id, ct);
        if (status is null || status.Type != DocumentImportOrchestration.Name) return Problems.NotFound("import");
        return TypedResults.Ok(new ImportResponse(status.InstanceId, status.Status.ToString(), status.ReadCustomStatus<DocumentImportProgress>(),
            status.ReadOutput<DocumentImportReport>(), status.Error, status.CreatedAt, status.UpdatedAt, status.CompletedAt));
    }

    public static async Task<Results<Ok<ListResponse<DocumentResponse>>, ProblemHttpResult>> ListAsync(
        CurrentUser user, DocumentImports imports, string? cursor, int? limit, CancellationToken ct)
    {
        if (!Paging.TryLimit(limit, out var take, out var error)) return Problems.Validation(error);
        var (page, next) = await imports.ListAsync(user.Id, cursor, take, ct);
        return TypedResults.Ok(new ListResponse<DocumentResponse>(
            page.Select(d => new DocumentResponse(d.Id, d.Title, d.Source, d.Domain, d.Chunks, d.ImportId, d.CreatedAt, d.IndexedAt)).ToList(), next));
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(string id, CurrentUser user, DocumentImports imports, CancellationToken ct) =>
        await imports.DeleteAsync(user.Id, id, ct) ? TypedResults.NoContent() : Problems.NotFound("document");

    private static IAsyncEnumerable<(ImportDocument?, ImportProblem?)>? Input(HttpRequest request, out string unsupported)
    {
        unsupported = "Send JSON lines (application/x-ndjson) or multipart/form-data with text, markdown or JSON-lines files.";
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var type) || type.MediaType.Value is not { } media) return null;
        if (JsonLinesTypes.Contains(media, StringComparer.OrdinalIgnoreCase)) return ImportInput.ReadJsonLinesAsync(request.Body, request.HttpContext.RequestAborted);
        if (media.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase) && HeaderUtilities.RemoveQuotes(type.Boundary).Value is { Length: > 0 } boundary)
            return ReadFilesAsync(request.Body, boundary, request.HttpContext.RequestAborted);
        return null;
    }

    private static async IAsyncEnumerable<(ImportDocument?, ImportProblem?)> ReadFilesAsync(Stream body, string boundary, [EnumeratorCancellation] CancellationToken ct)
    {
        var reader = new MultipartReader(boundary, body) { BodyLengthLimit = null };
        var number = 0;
        while (await reader.ReadNextSectionAsync(ct) is { } section)
        {
            if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition) || !disposition.IsFileDisposition()) continue;
            number++;
            var name = Path.GetFileName((disposition.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).Value ?? "").Trim('"');
            if (name.Length == 0) name = $"file-{number}";
            var extension = Path.GetExtension(name).ToLowerInvariant();
            var media = MediaTypeHeaderValue.TryParse(section.ContentType, out var type) ? type.MediaType.Value ?? "" : "";
            if (JsonLinesTypes.Contains(media, StringComparer.OrdinalIgnoreCase) || JsonLinesExtensions.Contains(extension))
            {
                await foreach (var (document, problem) in ImportInput.ReadJsonLinesAsync(section.Body, ct))
                    yield return (document, problem is null ? null : problem with { Where = $"{name} {problem.Where}" });
            }
            else if (TextTypes.Contains(media, StringComparer.OrdinalIgnoreCase) || TextExtensions.Contains(extension))
            {
                using var text = new StreamReader(section.Body, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
                var content = await text.ReadToEndAsync(ct);
                if (string.IsNullOrWhiteSpace(content)) yield return (null, new ImportProblem($"file '{name}'", "is empty."));
                else if (content.Length > ImportInput.MaxTextLength) yield return (null, new ImportProblem($"file '{name}'", $"is longer than {ImportInput.MaxTextLength:N0} characters."));
                else yield return (ImportInput.FromFile(number, name, content, null), null);
            }
            else
            {
                yield return (null, new ImportProblem($"file '{name}'", $"has type '{(media.Length == 0 ? extension : media)}'; only text, markdown and JSON-lines files are imported."));
            }
        }
    }
}
