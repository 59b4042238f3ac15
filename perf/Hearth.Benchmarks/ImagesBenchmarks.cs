using System.Net;
using System.Text;
using BenchmarkDotNet.Attributes;
using Hearth.Adapters.Crypto;
using Hearth.Adapters.Fal;
using Hearth.Images;
using Hearth.Images.Placeholder;
using Hearth.Media;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Hearth.Benchmarks;

/// <summary>
/// Costs on the picture path: painting a placeholder, verifying a Fal webhook (Ed25519 + SHA-256 + JSON, keys cached),
/// and checking a signed media URL (per <c>GET /media/{id}</c>).
/// </summary>
[MemoryDiagnoser]
public class ImagesBenchmarks
{
    private readonly byte[] _secretKey = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();
    private FalWebhookVerifier _verifier = null!;
    private Dictionary<string, string> _headers = null!;
    private byte[] _body = null!;
    private DateTimeOffset _now;
    private MediaUrlSigner _signer = null!;
    private (string Exp, string Sig) _query;
    private byte[] _message = null!;
    private byte[] _signature = null!;
    private byte[] _publicKey = null!;
    private readonly BouncyCastleEd25519 _ed25519 = new();

    [GlobalSetup]
    public void Setup()
    {
        _publicKey = BouncyCastleEd25519.DerivePublicKey(_secretKey);
        var x = Convert.ToBase64String(_publicKey).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var jwks = $$"""{"keys":[{"kty":"OKP","crv":"Ed25519","x":"{{x}}"}]}""";
        var options = Options.Create(new FalOptions { JwksUrl = new Uri("http://jwks.invalid/jwks.json") });
        var cache = new FalJwksCache(new HttpClient(new StaticHandler(jwks)), options, TimeProvider.System, NullLogger<FalJwksCache>.Instance);
        _verifier = new FalWebhookVerifier(cache, _ed25519, options, NullLogger<FalWebhookVerifier>.Instance);

        _now = DateTimeOffset.UtcNow;
        _body = Encoding.UTF8.GetBytes("""{"request_id":"r-1","gateway_request_id":"r-1","status":"OK","payload":{"images":[{"url":"https://v3.fal.media/files/a/b.png","content_type":"image/png","width":768,"height":1024}],"seed":1}}""");
        var timestamp = _now.ToUnixTimeSeconds().ToString();
        var message = Encoding.UTF8.GetBytes($"r-1\nuser\n{timestamp}\n{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(_body))}");
        _headers = new Dictionary<string, string>
        {
            ["X-Fal-Webhook-Request-Id"] = "r-1",
            ["X-Fal-Webhook-User-Id"] = "user",
            ["X-Fal-Webhook-Timestamp"] = timestamp,
            ["X-Fal-Webhook-Signature"] = Convert.ToHexStringLower(BouncyCastleEd25519.Sign(_secretKey, message)),
        };
        _message = message;
        _signature = BouncyCastleEd25519.Sign(_secretKey, message);
        if (VerifyWebhook() is not WebhookVerification.Verified) throw new InvalidOperationException("Benchmark setup does not verify.");

        _signer = new MediaUrlSigner(new byte[32]);
        var path = _signer.CreatePath("0190f0aa0b1c7d2e8f90a1b2c3d4e5f6", _now.AddHours(1));
        var query = System.Web.HttpUtility.ParseQueryString(path[(path.IndexOf('?') + 1)..]);
        _query = (query["exp"]!, query["sig"]!);
    }

    [Benchmark]
    public byte[] PaintPlaceholder() => PlaceholderPainter.Paint("agent-1", ImageKind.BasePortrait, "auburn hair, green eyes, freckles");

    [Benchmark]
    public bool Ed25519Verify() => _ed25519.Verify(_publicKey, _message, _signature);

    [Benchmark]
    public WebhookVerification VerifyWebhook() => _verifier.VerifyAsync(_headers, _body, _now, CancellationToken.None).GetAwaiter().GetResult();

    [Benchmark]
    public MediaSignatureCheck ValidateMediaUrl() => _signer.ValidateSignature("0190f0aa0b1c7d2e8f90a1b2c3d4e5f6", _query.Exp, _query.Sig, _now);

    private sealed class StaticHandler(string body) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(body) });
    }
}
