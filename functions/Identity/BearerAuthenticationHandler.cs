using System.Security.Claims;
using System.Text.Encodings.Web;
using Hearth.Identity;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Hearth.Functions.Identity;

/// <summary>
/// Authenticates <c>Authorization: Bearer &lt;token&gt;</c>: verifies the token, signs the user in (created on first sight)
/// and builds a principal with Hearth's claims. Challenges answer 401 and forbids 403, both as problems.
/// Tokens are never logged; the reason a token was refused is.
/// </summary>
internal sealed class BearerAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory loggers,
    UrlEncoder encoder,
    BearerTokens tokens,
    UserDirectory users,
    IOptions<AuthOptions> auth) : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggers, encoder)
{
    public const string SchemeName = "Bearer";
    /// <summary>Where a refusal's reason waits for the challenge (the problem's detail); the provider's scheme writes it too.</summary>
    internal const string FailureKey = "hearth:auth-failure";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? header = Request.Headers.Authorization;
        if (string.IsNullOrEmpty(header)) return AuthenticateResult.NoResult();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) || header.Length <= 7)
            return Failed("The Authorization header must be 'Bearer <token>'.");

        var verification = await tokens.VerifyAsync(header[7..].Trim(), Context.RequestAborted);
        if (verification.Token is not { } token) return Failed(verification.Error!);

        var principal = await HearthPrincipal.SignInAsync(users, auth.Value, token, SchemeName, Context.RequestAborted);
        return AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName));
    }

    private AuthenticateResult Failed(string reason)
    {
        Logger.LogInformation("Bearer token refused: {Reason}", reason);
        Context.Items[FailureKey] = reason;
        return AuthenticateResult.Fail(reason);
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var reason = Context.Items[FailureKey] as string;
        Response.Headers.WWWAuthenticate = reason is null
            ? "Bearer realm=\"hearth\""
            : $"Bearer realm=\"hearth\", error=\"invalid_token\", error_description=\"{reason.Replace("\"", "'", StringComparison.Ordinal)}\"";
        await Hosting.Problems.WriteAsync(Context, StatusCodes.Status401Unauthorized, ProblemTypes.Unauthorized,
            reason ?? "Send Authorization: Bearer <token>.");
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        Hosting.Problems.WriteAsync(Context, StatusCodes.Status403Forbidden, ProblemTypes.Forbidden, "You are not allowed to do this.");
}
