using Microsoft.AspNetCore.Http.Features;

namespace Hearth.Functions.Hosting;

/// <summary>
/// The request id: the incoming <c>X-Request-Id</c> when it is a sane token, else a new one. It becomes the
/// <see cref="HttpContext.TraceIdentifier"/> as the context is created, so ASP.NET Core's own log scope
/// (<c>RequestId</c>) carries it on every log line of the request; it is echoed in the response header and in
/// every problem's <c>requestId</c>.
/// </summary>
public static class RequestIds
{
    public const string Header = "X-Request-Id";

    /// <summary>The incoming id when it is 1-128 characters of [A-Za-z0-9._:-], else a new 32-character hex id.</summary>
    public static string From(string? incoming) => IsValid(incoming) ? incoming! : Guid.NewGuid().ToString("N");

    internal static bool IsValid(string? value) =>
        value is { Length: > 0 and <= 128 } && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':');
}

/// <summary>Sets the request id before the hosting layer opens its log scope.</summary>
internal sealed class RequestIdHttpContextFactory(IServiceProvider services) : IHttpContextFactory
{
    private readonly DefaultHttpContextFactory _inner = new(services);

    public HttpContext Create(IFeatureCollection featureCollection)
    {
        var context = _inner.Create(featureCollection);
        var incoming = context.Request.Headers[RequestIds.Header];
        context.TraceIdentifier = RequestIds.From(incoming.Count == 1 ? incoming[0] : null);
        return context;
    }

    public void Dispose(HttpContext httpContext) => _inner.Dispose(httpContext);
}

/// <summary>Echoes the request id in the response.</summary>
internal sealed class RequestIdMiddleware(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext context)
    {
        context.Response.Headers[RequestIds.Header] = context.TraceIdentifier;
        return next(context);
    }
}
