using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Hearth.Functions.Hosting;

/// <summary>
/// Problem responses with Hearth's stable types, for handlers: <c>return Problems.NotFound("agent");</c>.
/// The host adds <c>requestId</c> to every one of them.
/// </summary>
public static class Problems
{
    /// <summary>400: field errors, e.g. <c>Problems.Validation(("text", "must not be empty"))</c>.</summary>
    public static ProblemHttpResult Validation(params (string Field, string Error)[] errors)
    {
        var grouped = errors.GroupBy(e => e.Field, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(e => e.Error).ToArray(), StringComparer.Ordinal);
        return TypedResults.Problem(new HttpValidationProblemDetails(grouped)
        {
            Status = StatusCodes.Status400BadRequest,
            Type = ProblemTypes.Validation,
            Title = "The request is not valid.",
            Detail = errors.Length == 1 ? $"{errors[0].Field}: {errors[0].Error}" : null,
        });
    }

    /// <summary>404: <c>Problems.NotFound("agent")</c> reads "The agent was not found."</summary>
    public static ProblemHttpResult NotFound(string what) =>
        Create(StatusCodes.Status404NotFound, ProblemTypes.NotFound, $"The {what} was not found.");

    /// <summary>409: the resource is in a state that does not allow this.</summary>
    public static ProblemHttpResult Conflict(string detail) =>
        Create(StatusCodes.Status409Conflict, ProblemTypes.Conflict, detail);

    /// <summary>403: authenticated, but not allowed.</summary>
    public static ProblemHttpResult Forbidden(string detail = "You are not allowed to do this.") =>
        Create(StatusCodes.Status403Forbidden, ProblemTypes.Forbidden, detail);

    /// <summary>413: with the limit in bytes.</summary>
    public static ProblemHttpResult PayloadTooLarge(long limit) =>
        Create(StatusCodes.Status413PayloadTooLarge, ProblemTypes.PayloadTooLarge, $"The request body is larger than {limit} bytes.");

    /// <summary>503: a dependency is down; the client may retry.</summary>
    public static ProblemHttpResult Unavailable(string detail) =>
        Create(StatusCodes.Status503ServiceUnavailable, ProblemTypes.Unavailable, detail);

    /// <summary>Any status with a type from <see cref="ProblemTypes"/>.</summary>
    public static ProblemHttpResult Create(int status, string type, string? detail = null, IDictionary<string, object?>? extensions = null)
    {
        var problem = new ProblemDetails { Status = status, Type = type, Title = ProblemTypes.TitleOf(type), Detail = detail };
        if (extensions is not null)
            foreach (var (key, value) in extensions) problem.Extensions[key] = value;
        return TypedResults.Problem(problem);
    }

    /// <summary>Writes a problem outside an endpoint (middleware, authentication, rate limiter).</summary>
    public static async Task WriteAsync(HttpContext context, int status, string type, string? detail = null, IDictionary<string, object?>? extensions = null)
    {
        context.Response.StatusCode = status;
        var problem = new ProblemDetails { Status = status, Type = type, Title = ProblemTypes.TitleOf(type), Detail = detail };
        foreach (var (key, value) in extensions ?? new Dictionary<string, object?>()) problem.Extensions[key] = value;
        var writer = context.RequestServices.GetRequiredService<IProblemDetailsService>();
        await writer.WriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem });
    }

    /// <summary>Adds Hearth's type (when none was set) and the request id to every problem the host writes.</summary>
    internal static void Customize(ProblemDetailsContext context)
    {
        var problem = context.ProblemDetails;
        var status = problem.Status ?? context.HttpContext.Response.StatusCode;
        var (type, title) = ProblemTypes.ForStatus(status);
        if (problem.Type is null || !problem.Type.StartsWith(ProblemTypes.Prefix, StringComparison.Ordinal))
        {
            problem.Type = type;
            problem.Title = title;
        }
        problem.Extensions["requestId"] = context.HttpContext.TraceIdentifier;
    }
}
