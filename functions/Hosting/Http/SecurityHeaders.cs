namespace Hearth.Functions.Hosting;

/// <summary>
/// Security headers on every response (pages, static files, API answers and problems): a Content-Security-Policy that
/// lets the web app run only its own scripts and styles (no inline code, no inline styles, no framing), nosniff, no
/// referrer (signed media URLs carry tokens), and HSTS outside Development.
/// </summary>
public static class SecurityHeaders
{
    /// <summary>The policy. The pages keep every script in /js and every style in /css for it (docs/web.md).</summary>
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; " +
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    /// <summary>One year, subdomains included (outside Development).</summary>
    public const string StrictTransportSecurity = "max-age=31536000; includeSubDomains";

    /// <summary>Adds the headers when a response starts (so problems, static files and redirects carry them too).</summary>
    /// <param name="signInOrigin">
    /// The sign-in provider's origin (<c>Auth:Oidc:Authority</c>), when configured: the page fetches the provider's
    /// discovery document and tokens from it, so <c>connect-src</c> names it (and nothing else is loosened).
    /// </param>
    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app, bool isDevelopment, string? signInOrigin = null)
    {
        var policy = signInOrigin is null ? ContentSecurityPolicy : ContentSecurityPolicy.Replace("connect-src 'self'", $"connect-src 'self' {signInOrigin}", StringComparison.Ordinal);
        return app.Use((context, next) =>
    {
        context.Response.OnStarting(() =>
        {
            var headers = context.Response.Headers;
            // An endpoint with a stricter policy of its own (media: sandboxed, nothing loads) keeps it.
            if (string.IsNullOrEmpty(headers.ContentSecurityPolicy)) headers.ContentSecurityPolicy = policy;
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY";                   // frame-ancestors for browsers that predate it
            headers["Referrer-Policy"] = "no-referrer";
            headers["Cross-Origin-Opener-Policy"] = "same-origin";
            headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=()";
            if (!isDevelopment) headers.StrictTransportSecurity = StrictTransportSecurity;
            return Task.CompletedTask;
        });
        return next(context);
    });
    }
}
