using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Metadata;

namespace Hearth.Functions.Hosting;

/// <summary>HTTP limits.</summary>
[SettingsSection("Http")]
public sealed class HttpOptions
{
    [Setting("Largest request body accepted, in bytes (1 MiB); an endpoint may raise its own with WithMaxRequestBody.")]
    [Range(1024d, 1099511627776d)]
    public long MaxRequestBodyBytes { get; set; } = 1024 * 1024;
}

/// <summary>Per-endpoint request body limits.</summary>
public static class RequestBodyLimits
{
    /// <summary>Lets this endpoint (or group) accept bodies up to <paramref name="bytes"/>, e.g. 64 MiB for archive uploads.</summary>
    public static TBuilder WithMaxRequestBody<TBuilder>(this TBuilder builder, long bytes) where TBuilder : IEndpointConventionBuilder
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bytes);
        return builder.WithMetadata(new MaxRequestBody(bytes));
    }

    private sealed record MaxRequestBody(long Bytes) : IRequestSizeLimitMetadata
    {
        public long? MaxRequestBodySize => Bytes;
    }
}

/// <summary>
/// Applies the endpoint's (or the global) body limit: refuses a declared Content-Length over it with 413 before
/// anything reads the body, and sets the server's limit so that a chunked body over it fails while being read (413).
/// </summary>
internal sealed class RequestBodyLimitMiddleware(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context, Microsoft.Extensions.Options.IOptions<HttpOptions> options)
    {
        var limit = context.GetEndpoint()?.Metadata.GetMetadata<IRequestSizeLimitMetadata>()?.MaxRequestBodySize ?? options.Value.MaxRequestBodyBytes;
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
            feature.MaxRequestBodySize = limit;
        if (context.Request.ContentLength is { } length && length > limit)
        {
            await Problems.WriteAsync(context, StatusCodes.Status413PayloadTooLarge, ProblemTypes.PayloadTooLarge,
                $"The request body is larger than {limit} bytes.");
            return;
        }
        await next(context);
    }
}
