using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Options;

namespace Hearth.Functions.Web;

/// <summary>
/// The web app: static ES modules and CSS from <c>wwwroot</c> (no build step), <c>/</c> the chat, <c>/admin</c> the admin,
/// and <c>/web/config.json</c> telling the page what it cannot know by itself (the dev token, in Development only; the
/// sign-in provider).
/// </summary>
public static class WebModule
{
    /// <summary>
    /// Host options that find the web app wherever the process starts: a published app has <c>wwwroot</c> beside its
    /// binaries; a built one lists the project's <c>wwwroot</c> in its static web assets manifest (read in every
    /// environment by <see cref="AddWeb"/>, not only in Development as ASP.NET does by default).
    /// </summary>
    public static WebApplicationOptions HostOptions(string[] args)
    {
        var published = Path.Combine(AppContext.BaseDirectory, "wwwroot");
        return new WebApplicationOptions { Args = args, WebRootPath = Directory.Exists(published) ? published : null };
    }

    public static IHostApplicationBuilder AddWeb(this IHostApplicationBuilder builder)
    {
        if (builder.Environment is IWebHostEnvironment web && !web.IsDevelopment())
            Microsoft.AspNetCore.Hosting.StaticWebAssets.StaticWebAssetsLoader.UseStaticWebAssets(web, builder.Configuration);
        builder.Services.AddOptions<StaticFileOptions>().Configure<IWebHostEnvironment>((options, environment) =>
        {
            options.FileProvider = environment.WebRootFileProvider;
            // Modules change with the code: let the browser revalidate (ETag) rather than keep stale copies.
            options.OnPrepareResponse = context => context.Context.Response.Headers.CacheControl = "no-cache";
        });
        return builder;
    }

    public static WebApplication MapWeb(this WebApplication app)
    {
        app.UseStaticFiles();
        app.MapGet("/", (IWebHostEnvironment environment) => Page(environment, "index.html")).ExcludeFromDescription();
        app.MapGet("/admin", (IWebHostEnvironment environment) => Page(environment, "admin.html")).ExcludeFromDescription();
        app.MapGet("/web/config.json", (IWebHostEnvironment environment, IOptions<AuthOptions> auth, IOptions<OidcOptions> oidc) =>
            TypedResults.Ok(new WebConfig(environment.EnvironmentName, environment.IsDevelopment() && !string.IsNullOrEmpty(auth.Value.DevToken) ? auth.Value.DevToken : null,
                environment.IsDevelopment(), oidc.Value.IsConfigured
                    ? new WebSignIn(oidc.Value.Authority!.ToString().TrimEnd('/'), oidc.Value.ClientId!, oidc.Value.Scopes, oidc.Value.ButtonText)
                    : null)))
            .ExcludeFromDescription();
        return app;
    }

    private static IResult Page(IWebHostEnvironment environment, string name)
    {
        var file = environment.WebRootFileProvider.GetFileInfo(name);
        if (!file.Exists) return Problems.NotFound("page");
        return TypedResults.Stream(file.CreateReadStream(), "text/html; charset=utf-8");
    }

    /// <summary>
    /// What the page needs from the host: the environment, in Development the dev token to prefill, whether the pasted-token
    /// form is offered (Development only), and the sign-in provider when one is configured.
    /// </summary>
    public sealed record WebConfig(string Environment, string? DevToken, bool TokenForm, WebSignIn? Oidc);

    /// <summary>The OpenID Connect provider the page signs people in with (authorization code with PKCE, a public client).</summary>
    public sealed record WebSignIn(string Authority, string ClientId, string Scopes, string ButtonText);
}
