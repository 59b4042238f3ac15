using System.Security.Claims;
using Hearth.Identity;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;

namespace Hearth.Functions.Identity;

/// <summary>
/// The API's side of sign-in for people: the OpenID Connect provider's access tokens are validated by ASP.NET Core's
/// JwtBearer handler (keys and issuer from the provider's metadata, audience <see cref="OidcOptions.Audience"/>), beside
/// the <see cref="BearerAuthenticationHandler"/> that keeps dev tokens and Hearth's own JWTs. A policy scheme picks one per
/// request: a JWT whose issuer is not <c>Auth:Jwt:Issuer</c> goes to the provider's scheme when one is configured.
/// Either way the person is signed in the same way (a user created on first sight, Hearth's claims); challenges and
/// forbids stay Hearth's problem documents.
/// </summary>
public static class OidcSignIn
{
    /// <summary>The scheme of the provider's tokens.</summary>
    public const string SchemeName = "Oidc";

    /// <summary>The default scheme: chooses between <see cref="SchemeName"/> and <see cref="BearerAuthenticationHandler.SchemeName"/>.</summary>
    public const string SelectorName = "HearthBearer";

    internal static AuthenticationBuilder AddOidcSignIn(this AuthenticationBuilder authentication)
    {
        authentication.AddPolicyScheme(SelectorName, "Bearer tokens of Hearth or of the sign-in provider", options =>
        {
            options.ForwardDefaultSelector = SelectScheme;
            options.ForwardChallenge = BearerAuthenticationHandler.SchemeName;
            options.ForwardForbid = BearerAuthenticationHandler.SchemeName;
        });
        authentication.AddJwtBearer(SchemeName, _ => { });
        authentication.Services.AddOptions<JwtBearerOptions>(SchemeName).Configure<IOptions<OidcOptions>, IOptions<JwtOptions>>((options, oidc, jwt) =>
        {
            var settings = oidc.Value;
            if (!settings.IsConfigured) return;
            options.Authority = settings.Authority!.ToString().TrimEnd('/');
            options.Audience = settings.Audience;
            options.RequireHttpsMetadata = !settings.Authority.IsLoopback;
            options.MapInboundClaims = false; // claim names as the provider wrote them (sub, oid, roles)
            options.TokenValidationParameters.ValidAudiences = [settings.Audience!];
            options.TokenValidationParameters.ClockSkew = TimeSpan.FromSeconds(jwt.Value.ClockSkewSeconds);
            options.Events = new JwtBearerEvents
            {
                OnTokenValidated = SignInAsync,
                OnAuthenticationFailed = context =>
                {
                    context.HttpContext.Items[BearerAuthenticationHandler.FailureKey] = "The sign-in provider's token was not accepted (expired, or not for this API).";
                    return Task.CompletedTask;
                },
            };
        });
        return authentication;
    }

    private static string SelectScheme(HttpContext context)
    {
        var oidc = context.RequestServices.GetRequiredService<IOptions<OidcOptions>>().Value;
        if (!oidc.IsConfigured) return BearerAuthenticationHandler.SchemeName;
        string? header = context.Request.Headers.Authorization;
        if (header is null || !header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return BearerAuthenticationHandler.SchemeName;
        var token = header[7..].Trim();
        var handler = new JsonWebTokenHandler();
        if (!handler.CanReadToken(token)) return BearerAuthenticationHandler.SchemeName;
        string issuer;
        try
        {
            issuer = handler.ReadJsonWebToken(token).Issuer;
        }
        catch (ArgumentException)
        {
            return BearerAuthenticationHandler.SchemeName;
        }
        var own = context.RequestServices.GetRequiredService<IOptions<JwtOptions>>().Value.Issuer;
        return string.Equals(issuer, own, StringComparison.Ordinal) ? BearerAuthenticationHandler.SchemeName : SchemeName;
    }

    /// <summary>The provider vouched for the token: the person becomes (or is) a Hearth user with Hearth's claims.</summary>
    private static async Task SignInAsync(TokenValidatedContext context)
    {
        var services = context.HttpContext.RequestServices;
        var oidc = services.GetRequiredService<IOptions<OidcOptions>>().Value;
        var claims = context.Principal!;
        var subject = claims.FindFirst(oidc.SubjectClaim)?.Value;
        if (string.IsNullOrEmpty(subject))
        {
            context.Fail($"The sign-in provider's token has no '{oidc.SubjectClaim}' claim.");
            context.HttpContext.Items[BearerAuthenticationHandler.FailureKey] = $"The sign-in provider's token has no '{oidc.SubjectClaim}' claim.";
            return;
        }
        var roles = claims.Claims.Where(c => c.Type is "roles" or "role").Select(c => c.Value).Distinct(StringComparer.Ordinal).ToList();
        var token = new VerifiedToken(subject, claims.FindFirst("name")?.Value ?? claims.FindFirst("preferred_username")?.Value, roles, claims.FindFirst("zoneinfo")?.Value);
        context.Principal = await HearthPrincipal.SignInAsync(services.GetRequiredService<UserDirectory>(), services.GetRequiredService<IOptions<AuthOptions>>().Value,
            token, SchemeName, context.HttpContext.RequestAborted);
    }
}

/// <summary>How a verified token becomes a signed-in Hearth user and the principal the endpoints read.</summary>
internal static class HearthPrincipal
{
    public static async Task<ClaimsPrincipal> SignInAsync(UserDirectory users, AuthOptions auth, VerifiedToken token, string scheme, CancellationToken ct)
    {
        var isAdmin = token.Roles.Contains("admin", StringComparer.OrdinalIgnoreCase) || auth.AdminSubjects.Contains(token.Subject, StringComparer.Ordinal);
        var user = await users.SignInAsync(new UserSighting(token.Subject, token.Name, isAdmin, token.TimeZone), ct);
        var identity = new ClaimsIdentity(
        [
            new Claim(HearthClaims.Subject, user.Subject),
            new Claim(HearthClaims.UserId, user.Id),
            new Claim(HearthClaims.Name, user.DisplayName),
            new Claim(HearthClaims.Admin, user.IsAdmin ? "true" : "false"),
            new Claim(HearthClaims.TimeZone, user.TimeZone),
        ], scheme, HearthClaims.Name, null);
        return new ClaimsPrincipal(identity);
    }
}
