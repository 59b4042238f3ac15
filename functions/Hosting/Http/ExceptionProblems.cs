using System.Net.Sockets;
using System.Text.Json;
using Hearth.Durable.Jobs;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Npgsql;

namespace Hearth.Functions.Hosting;

/// <summary>
/// Turns exceptions into problems: malformed JSON → 400 malformed-json, other bad requests → 400 validation, body over
/// the limit → 413, a foreign cursor → 400, database or key server down → 503, anything else → 500 with no internals.
/// </summary>
internal sealed class ExceptionProblems(IProblemDetailsService problems, ILogger<ExceptionProblems> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken ct)
    {
        if (exception is OperationCanceledException && context.RequestAborted.IsCancellationRequested)
        {
            context.Response.StatusCode = 499; // the client went away; nobody reads this
            return true;
        }

        var (status, type, detail, errors) = Classify(exception);
        if (status >= 500 && status != StatusCodes.Status503ServiceUnavailable)
            logger.LogError(exception, "Unhandled exception on {Method} {Path}", context.Request.Method, context.Request.Path);
        else if (status == StatusCodes.Status503ServiceUnavailable)
            logger.LogWarning("Dependency unavailable on {Method} {Path}: {Error}", context.Request.Method, context.Request.Path, exception.Message);
        else
            logger.LogInformation("Bad request on {Method} {Path}: {Error}", context.Request.Method, context.Request.Path, detail);

        if (status == StatusCodes.Status503ServiceUnavailable) context.Response.Headers.RetryAfter = "5";
        context.Response.StatusCode = status;
        ProblemDetails problem = errors is null ? new ProblemDetails() : new HttpValidationProblemDetails(errors);
        problem.Status = status;
        problem.Type = type;
        problem.Title = ProblemTypes.TitleOf(type);
        problem.Detail = detail;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem, Exception = exception });
    }

    internal static (int Status, string Type, string? Detail, Dictionary<string, string[]>? Errors) Classify(Exception exception) => exception switch
    {
        BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } =>
            (413, ProblemTypes.PayloadTooLarge, "The request body is larger than this endpoint accepts.", null),
        BadHttpRequestException { StatusCode: StatusCodes.Status415UnsupportedMediaType } e =>
            (415, ProblemTypes.UnsupportedMediaType, e.Message, null),
        BadHttpRequestException { InnerException: UnstorableTextException } or UnstorableTextException =>
            (400, ProblemTypes.Validation, UnstorableTextException.Detail, null),
        BadHttpRequestException e when e.InnerException is JsonException json =>
            (400, ProblemTypes.MalformedJson, JsonDetail(json), null),
        BadHttpRequestException e =>
            (400, ProblemTypes.Validation, e.Message, null),
        JsonException json =>
            (400, ProblemTypes.MalformedJson, JsonDetail(json), null),
        InvalidCursorException e =>
            (400, ProblemTypes.Validation, e.Message, new() { ["cursor"] = [e.Message] }),
        UnauthenticatedException =>
            (401, ProblemTypes.Unauthorized, "Send Authorization: Bearer <token>.", null),
        SigningKeysUnavailableException =>
            (503, ProblemTypes.Unavailable, "The token signing keys cannot be fetched right now.", null),
        PostgresException { SqlState: "22021" or "22P05" } =>
            (400, ProblemTypes.Validation, "The request contains characters that cannot be stored (such as U+0000).", null),
        _ when IsDatabaseDown(exception) =>
            (503, ProblemTypes.Unavailable, "The database is unavailable; try again shortly.", null),
        _ => (500, ProblemTypes.Internal, "An unexpected error occurred. Quote the request id when you report it.", null),
    };

    // The parser's message says where (line, byte) without echoing the body.
    private static string JsonDetail(JsonException e) =>
        e.LineNumber is { } line ? $"The body is not valid JSON (line {line + 1}, position {e.BytePositionInLine + 1})." : "The body is not valid JSON for this endpoint.";

    private static bool IsDatabaseDown(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is NpgsqlException { IsTransient: true } or SocketException) return true;
            if (e is PostgresException { SqlState: "57P01" or "57P02" or "57P03" or "53300" }) return true; // shutdown, cannot connect now, too many connections
            if (e is TimeoutException && exception is NpgsqlException) return true;
        }
        return exception is NpgsqlException { InnerException: TimeoutException or IOException };
    }
}
