using Hearth.Images;
using Hearth.Media;
using Microsoft.Extensions.Options;

namespace Hearth.Adapters.Fal;

/// <summary>
/// Webhook URLs for image jobs: <c>{Fal:PublicBaseUrl}/api/webhooks/fal?job={jobId}&amp;token={per-job token}</c>. The token is an
/// HMAC of the job id (<see cref="ImageWebhookTokens"/>) under <c>Fal:WebhookSecret</c>, or, when unset, a secret generated
/// once and kept in the database (<c>media.secret_keys</c>, name <see cref="StoredSecretName"/>).
/// </summary>
public sealed class FalWebhookUrls(IOptions<FalOptions> options, ISecretKeyStore secrets)
{
    /// <summary>The route the host maps for Fal's webhook (anonymous; the token and Fal's signature authenticate it).</summary>
    public const string Route = "/api/webhooks/fal";

    /// <summary>Query parameter naming the job.</summary>
    public const string JobParameter = "job";

    /// <summary>Query parameter carrying the job's token.</summary>
    public const string TokenParameter = "token";

    public const string StoredSecretName = "fal-webhook-token";

    private readonly ConfiguredOrStoredSecret _secret = new(options.Value.WebhookSecret, StoredSecretName, secrets);
    private ImageWebhookTokens? _tokens;

    /// <summary>The token issuer/checker with the server's secret.</summary>
    public async ValueTask<ImageWebhookTokens> GetTokensAsync(CancellationToken ct) =>
        _tokens ??= new ImageWebhookTokens(await _secret.GetAsync(ct));

    /// <summary>The webhook URL for <paramref name="jobId"/>, or null when <c>Fal:PublicBaseUrl</c> is unset (poll instead).</summary>
    public async Task<Uri?> CreateAsync(string jobId, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrEmpty(jobId);
        if (options.Value.PublicBaseUrl is not { } publicBase) return null;
        var token = (await GetTokensAsync(ct)).Create(jobId);
        return new Uri(publicBase.GetLeftPart(UriPartial.Authority) + publicBase.AbsolutePath.TrimEnd('/') + Route
            + "?" + JobParameter + "=" + Uri.EscapeDataString(jobId) + "&" + TokenParameter + "=" + token);
    }

    /// <summary>True when <paramref name="token"/> was issued for <paramref name="jobId"/> (constant-time).</summary>
    public async Task<bool> VerifyTokenAsync(string jobId, string? token, CancellationToken ct) =>
        (await GetTokensAsync(ct)).Verify(jobId, token);
}
