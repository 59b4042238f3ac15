namespace Hearth.Functions.Identity;

/// <summary>
/// Sign-in for people through an OpenID Connect provider (Microsoft Entra ID first): the web app runs the authorization
/// code flow with PKCE against <see cref="Authority"/> as the public client <see cref="ClientId"/>, and the API accepts the
/// provider's access tokens (signature from the provider's JWKS, issuer from its metadata, audience <see cref="Audience"/>).
/// </summary>
[SettingsSection("Auth:Oidc")]
public sealed class OidcOptions : IValidatableSettings
{
    [Setting("OpenID Connect authority (issuer) of the sign-in provider, e.g. https://login.microsoftonline.com/<tenant-id>/v2.0; its /.well-known/openid-configuration is read. Unset: no sign-in button.")]
    public Uri? Authority { get; set; }

    [Setting("Client (application) id of the web app's registration at the provider (a public client: single-page application, no secret).")]
    public string? ClientId { get; set; }

    [Setting("Audience (aud) the API requires in the provider's access tokens, e.g. api://<client-id> or the client id itself.")]
    public string? Audience { get; set; }

    [Setting("Scopes the web app asks for, space-separated; include the API's scope (e.g. api://<client-id>/access_as_user) so the access token is for Hearth, and offline_access for refresh tokens.")]
    public string Scopes { get; set; } = "openid profile offline_access";

    [Setting("Claim of the provider's token that identifies the person (sub, or oid for Entra's object id).")]
    public string SubjectClaim { get; set; } = "sub";

    [Setting("Text of the sign-in button.")]
    public string ButtonText { get; set; } = "Sign in with Microsoft";

    /// <summary>True when the provider is configured (then the web app offers its sign-in and the API accepts its tokens).</summary>
    public bool IsConfigured => Authority is not null;

    /// <summary>The origin (scheme, host, port) the browser talks to for discovery and tokens: the page's policy must allow it.</summary>
    public string? Origin => Authority?.GetLeftPart(UriPartial.Authority);

    public IEnumerable<SettingProblem> Validate(SettingsContext context)
    {
        if (Authority is null)
        {
            if (!string.IsNullOrWhiteSpace(ClientId) || !string.IsNullOrWhiteSpace(Audience))
                yield return SettingProblem.Missing(context.KeyOf(nameof(Authority)), "needed once any Auth:Oidc setting is given");
            yield break;
        }
        if (Authority.Scheme != Uri.UriSchemeHttps && !Authority.IsLoopback)
            yield return SettingProblem.Invalid(context.KeyOf(nameof(Authority)), "must be https (plain http only on loopback)");
        if (string.IsNullOrWhiteSpace(ClientId))
            yield return SettingProblem.Missing(context.KeyOf(nameof(ClientId)), "needed to sign in with the provider");
        if (string.IsNullOrWhiteSpace(Audience))
            yield return SettingProblem.Missing(context.KeyOf(nameof(Audience)), "needed to accept the provider's access tokens");
        if (!Scopes.Split(' ', StringSplitOptions.RemoveEmptyEntries).Contains("openid", StringComparer.Ordinal))
            yield return SettingProblem.Invalid(context.KeyOf(nameof(Scopes)), "must include openid");
        if (string.IsNullOrWhiteSpace(SubjectClaim))
            yield return SettingProblem.Invalid(context.KeyOf(nameof(SubjectClaim)), "must name a claim");
    }
}
