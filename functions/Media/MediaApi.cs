using System.Globalization;
using Hearth.Media;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Net.Http.Headers;

namespace Hearth.Functions.Media;

/// <summary>
/// <c>GET /media/{id}</c>: a stored picture, for anyone holding a valid signed URL (<c>?exp=…&amp;sig=…</c>: how chat
/// <c>&lt;img&gt;</c> tags and Fal read pictures) or for its owner's bearer token (admins read any). Otherwise 401 (no or
/// bad credentials, expired link) or 404 (missing, or someone else's: indistinguishable on purpose). Pictures never change
/// under an id, so answers carry a strong ETag (the SHA-256), <c>immutable</c> caching, range support, and
/// <c>nosniff</c> with a sandboxing CSP so the bytes are only ever shown as the image type they were checked to be.
/// </summary>
public static class MediaApi
{
    /// <summary>Longest a response for a bearer-token read may be cached by the browser.</summary>
    public static readonly TimeSpan OwnerCacheLifetime = TimeSpan.FromHours(1);

    public static IEndpointRouteBuilder MapMediaApi(this IEndpointRouteBuilder app)
    {
        app.MapMethods("/media/{id}", [HttpMethods.Get, HttpMethods.Head], GetAsync).WithName("GetMedia").WithTags("Media")
            .WithSummary("A stored picture, for a signed URL (exp, sig) or its owner's bearer token.")
            .AllowAnonymous()
            .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    public static async Task<Results<FileStreamHttpResult, ProblemHttpResult>> GetAsync(
        string id, string? exp, string? sig, HttpContext http, IMediaStore store, MediaUrls urls, TimeProvider time, CancellationToken ct)
    {
        var response = http.Response;
        response.Headers[HeaderNames.XContentTypeOptions] = "nosniff";
        response.Headers.CacheControl = "no-store"; // replaced below when a picture is served
        if (!LocalMediaStore.IsValidId(id)) return Problems.NotFound("picture");

        MediaContent? content = null;
        string cacheControl;
        var signed = exp is not null || sig is not null;
        var check = signed ? await urls.ValidateAsync(id, exp, sig, ct) : MediaSignatureCheck.Invalid;
        if (check == MediaSignatureCheck.Valid)
        {
            content = await store.OpenAsync(id, ct);
            // The URL itself expires: no cache may keep the answer longer than the link lives.
            var remaining = long.Parse(exp!, NumberStyles.None, CultureInfo.InvariantCulture) - time.GetUtcNow().ToUnixTimeSeconds();
            cacheControl = $"private, max-age={Math.Clamp(remaining, 0, (long)MediaUrlSigner.MaxLifetime.TotalSeconds)}, immutable";
        }
        else if (CurrentUser.From(http.User) is { } user)
        {
            content = user.IsAdmin ? await store.OpenAsync(id, ct) : await store.OpenOwnedAsync(id, Guid.Parse(user.Id), ct);
            cacheControl = $"private, max-age={(long)OwnerCacheLifetime.TotalSeconds}, immutable";
            response.Headers.Vary = HeaderNames.Authorization;
        }
        else
        {
            response.Headers.WWWAuthenticate = "Bearer";
            return Problems.Create(StatusCodes.Status401Unauthorized, ProblemTypes.Unauthorized, check switch
            {
                MediaSignatureCheck.Expired => "The link has expired; ask for a fresh one.",
                _ when signed => "The link is not valid.",
                _ => "Use a signed link, or send Authorization: Bearer <token>.",
            });
        }

        if (content is null) return Problems.NotFound("picture");
        var item = content.Item;
        response.Headers.CacheControl = cacheControl;
        response.Headers.ContentSecurityPolicy = "default-src 'none'; sandbox; frame-ancestors 'none'";
        response.Headers.ContentDisposition = "inline";
        return TypedResults.Stream(content.Content, item.ContentType, lastModified: item.CreatedAt,
            entityTag: new EntityTagHeaderValue($"\"{item.Sha256}\""), enableRangeProcessing: true);
    }
}
