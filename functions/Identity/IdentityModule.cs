using Hearth.Identity;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;

namespace Hearth.Functions.Identity;

/// <summary>
/// Bearer authentication (Hearth's JWTs, the sign-in provider's access tokens, and dev tokens in Development), users created on first sight, the admin policy, and the
/// rule that every <c>/api</c> endpoint needs a signed-in user unless it is marked <c>.AllowAnonymous()</c> (webhooks).
/// </summary>
public static class IdentityModule
{
    private const string DataProtectionStart = "Microsoft.AspNetCore.DataProtection.Internal.DataProtectionHostedService";

    public static IHostApplicationBuilder AddIdentity(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        builder.AddSettings<AuthOptions>();
        builder.AddSettings<JwtOptions>();
        builder.AddSettings<OidcOptions>();
        services.AddUserStore();
        services.AddSingleton<UserDirectory>();
        services.AddHttpClient(nameof(JwksSigningKeys));
        services.AddSingleton(sp => CreateVerifiers(sp.GetRequiredService<IHostEnvironment>(), sp.GetRequiredService<IOptions<JwtOptions>>().Value,
            sp.GetRequiredService<IOptions<AuthOptions>>().Value, sp.GetRequiredService<IHttpClientFactory>(), sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<JwksSigningKeys>>()));
        services.AddSingleton<ITokenVerifier>(sp => sp.GetRequiredService<BearerTokens>());

        // Hearth's tokens (dev, HS256, JWKS) and the sign-in provider's access tokens, chosen per request by their issuer.
        services.AddAuthentication(OidcSignIn.SelectorName)
            .AddScheme<AuthenticationSchemeOptions, BearerAuthenticationHandler>(BearerAuthenticationHandler.SchemeName, null)
            .AddOidcSignIn();
        // Authentication registers data protection, whose hosted service loads (and, on a first start, writes) an XML
        // key ring before the host listens. Nothing in Hearth protects data with it (no cookies, no antiforgery), so
        // the key ring is left to be made on first use, as it would be without that service: the XML stack stays unloaded.
        if (services.FirstOrDefault(d => d.ServiceType == typeof(IHostedService) && d.ImplementationType?.FullName == DataProtectionStart) is { } keyRingStart)
            services.Remove(keyRingStart);
        services.AddSingleton<IAuthorizationHandler, ApiRequiresUser.Handler>();
        services.AddAuthorizationBuilder()
            .AddPolicy(AuthorizationPolicies.Admin, policy => policy.RequireAuthenticatedUser().RequireClaim(HearthClaims.Admin, "true"))
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().AddRequirements(new ApiRequiresUser()).Build());
        return builder;
    }

    private static BearerTokens CreateVerifiers(IHostEnvironment environment, JwtOptions jwt, AuthOptions auth, IHttpClientFactory http, TimeProvider time,
        ILogger<JwksSigningKeys> jwksLogger)
    {
        var modes = new List<string>();
        DevTokenVerifier? dev = null;
        if (environment.IsDevelopment())
        {
            dev = new DevTokenVerifier(auth.DevToken);
            modes.Add("dev");
        }
        ITokenVerifier? verifier = null;
        if (jwt.IsConfigured)
        {
            ISigningKeys? keys = null;
            if (jwt.JwksUrl is { } url)
            {
                keys = new JwksSigningKeys(http.CreateClient(nameof(JwksSigningKeys)), url, TimeSpan.FromMinutes(jwt.JwksRefreshMinutes), time, jwksLogger);
                modes.Add("jwt-jwks");
            }
            if (!string.IsNullOrEmpty(jwt.Secret)) modes.Add("jwt-hs256");
            verifier = new JwtVerifier(jwt, keys, time);
        }
        return new BearerTokens(dev, verifier) { Modes = modes };
    }
}

/// <summary>The fallback rule: a request under <c>/api</c> needs a signed-in user; anything else (health, OpenAPI, web UI) does not.</summary>
internal sealed class ApiRequiresUser : IAuthorizationRequirement
{
    internal sealed class Handler : AuthorizationHandler<ApiRequiresUser>
    {
        protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, ApiRequiresUser requirement)
        {
            var underApi = context.Resource is HttpContext http && http.Request.Path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase);
            if (!underApi || context.User.Identity?.IsAuthenticated == true) context.Succeed(requirement);
            return Task.CompletedTask;
        }
    }
}
