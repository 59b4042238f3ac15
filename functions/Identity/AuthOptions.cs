using System.ComponentModel.DataAnnotations;

namespace Hearth.Functions.Identity;

/// <summary>Who may call the API.</summary>
[SettingsSection("Auth")]
public sealed class AuthOptions
{
    [Setting("Development only: this bearer token signs in as the admin user 'dev'; '<token>:<name>' signs in as the non-admin user 'dev:<name>'.",
        Secret = true)]
    public string DevToken { get; set; } = "dev";

    [Setting("Token subjects that are admins whatever their token's roles (comma-separated or an array).")]
    public string[] AdminSubjects { get; set; } = [];
}

/// <summary>JWT verification: HS256 with a shared secret, or RS256/ES256 with keys from a JWKS URL.</summary>
[SettingsSection("Auth:Jwt")]
public sealed class JwtOptions : IValidatableSettings
{
    [Setting("Issuer (iss) that tokens must carry, exactly.", RequiredInProduction = true)]
    public string? Issuer { get; set; }

    [Setting("Audience (aud) that tokens must name.", RequiredInProduction = true)]
    public string? Audience { get; set; }

    [Setting("HS256 shared secret (at least 32 bytes of UTF-8).", Secret = true, OneOfInProduction = "key")]
    public string? Secret { get; set; }

    [Setting("JWKS URL of the identity provider, for RS256 and ES256 tokens (https outside loopback).", OneOfInProduction = "key")]
    public Uri? JwksUrl { get; set; }

    [Setting("Leeway for exp and nbf, in seconds.")]
    [Range(0, 600)]
    public int ClockSkewSeconds { get; set; } = 60;

    [Setting("How long fetched signing keys are used before they are fetched again, in minutes (an unknown key id fetches sooner).")]
    [Range(1, 1440)]
    public int JwksRefreshMinutes { get; set; } = 60;

    /// <summary>True when any JWT setting is given: then tokens are verified as JWTs (in Development too).</summary>
    public bool IsConfigured => !string.IsNullOrWhiteSpace(Issuer) || !string.IsNullOrWhiteSpace(Audience)
        || !string.IsNullOrWhiteSpace(Secret) || JwksUrl is not null;

    public IEnumerable<SettingProblem> Validate(SettingsContext context)
    {
        if (!IsConfigured) yield break; // Development without JWT: dev tokens only
        if (string.IsNullOrWhiteSpace(Issuer))
            yield return SettingProblem.Missing(context.KeyOf(nameof(Issuer)), "needed once any Auth:Jwt setting is given");
        if (string.IsNullOrWhiteSpace(Audience))
            yield return SettingProblem.Missing(context.KeyOf(nameof(Audience)), "needed once any Auth:Jwt setting is given");
        if (string.IsNullOrWhiteSpace(Secret) && JwksUrl is null)
            yield return new SettingProblem(context.KeyOf(nameof(Secret)),
                $"Missing setting '{context.KeyOf(nameof(Secret))}' or '{context.KeyOf(nameof(JwksUrl))}' (needed to verify tokens)");
        if (!string.IsNullOrEmpty(Secret) && System.Text.Encoding.UTF8.GetByteCount(Secret) < 32)
            yield return SettingProblem.Invalid(context.KeyOf(nameof(Secret)), "an HS256 secret needs at least 32 bytes");
        if (JwksUrl is not null && JwksUrl.Scheme != Uri.UriSchemeHttps && !JwksUrl.IsLoopback && !context.IsDevelopment)
            yield return SettingProblem.Invalid(context.KeyOf(nameof(JwksUrl)), "must be https (plain http only on loopback)");
    }
}
