using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Hearth.Functions.Identity;
using Microsoft.IdentityModel.Tokens;

namespace Hearth.Benchmarks.Identity;

/// <summary>
/// What verifying a bearer token costs per request: HS256, RS256 (2048-bit), ES256 (P-256) JWTs on first sight (a fresh
/// verifier each time), the same RS256 token again (remembered), and the dev token.
/// `./bench micro --filter '*TokenBenchmarks*'`
/// </summary>
[MemoryDiagnoser]
public class TokenBenchmarks
{
    private const string Issuer = "https://issuer.bench/";
    private const string Audience = "hearth";
    private const string Secret = "a-benchmark-secret-that-is-long-enough!!";
    private readonly RSA _rsa = RSA.Create(2048);
    private readonly ECDsa _ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private JwtOptions _hmacOptions = null!;
    private JwtOptions _jwksOptions = null!;
    private StaticKeys _keys = null!;
    private JwtVerifier _remembering = null!;
    private DevTokenVerifier _dev = null!;
    private string _hs256 = "", _rs256 = "", _es256 = "";

    [GlobalSetup]
    public void Setup()
    {
        _hmacOptions = new JwtOptions { Issuer = Issuer, Audience = Audience, Secret = Secret };
        var rsa = _rsa.ExportParameters(false);
        var ec = _ec.ExportParameters(false);
        _keys = new StaticKeys(
        [
            new JsonWebKey { Kty = "RSA", Kid = "r1", Use = "sig", Alg = "RS256", N = B64(rsa.Modulus!), E = B64(rsa.Exponent!) },
            new JsonWebKey { Kty = "EC", Kid = "e1", Use = "sig", Crv = "P-256", X = B64(ec.Q.X!), Y = B64(ec.Q.Y!) },
        ]);
        _jwksOptions = new JwtOptions { Issuer = Issuer, Audience = Audience, JwksUrl = new Uri("https://issuer.bench/jwks") };
        _remembering = new JwtVerifier(_jwksOptions, _keys, TimeProvider.System);
        _dev = new DevTokenVerifier("dev");
        _hs256 = Token("HS256", null, input => HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), input));
        _rs256 = Token("RS256", "r1", input => _rsa.SignData(input, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
        _es256 = Token("ES256", "e1", input => _ec.SignData(input, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation));
    }

    [Benchmark(Baseline = true)]
    public bool Hs256() => new JwtVerifier(_hmacOptions, null, TimeProvider.System).VerifyAsync(_hs256).Result.Succeeded;

    [Benchmark]
    public bool Rs256() => new JwtVerifier(_jwksOptions, _keys, TimeProvider.System).VerifyAsync(_rs256).Result.Succeeded;

    [Benchmark]
    public bool Es256() => new JwtVerifier(_jwksOptions, _keys, TimeProvider.System).VerifyAsync(_es256).Result.Succeeded;

    [Benchmark]
    public bool Rs256Remembered() => _remembering.VerifyAsync(_rs256).Result.Succeeded;

    [Benchmark]
    public bool DevToken() => _dev.VerifyAsync("dev:alice").Result.Succeeded;

    private static string Token(string alg, string? kid, Func<byte[], byte[]> sign)
    {
        var now = DateTimeOffset.UtcNow;
        var header = B64(JsonSerializer.SerializeToUtf8Bytes(kid is null ? new Dictionary<string, string> { ["alg"] = alg } : new() { ["alg"] = alg, ["kid"] = kid }));
        var claims = B64(JsonSerializer.SerializeToUtf8Bytes(new { iss = Issuer, aud = Audience, sub = "bench-user", name = "Bench", exp = now.AddDays(1).ToUnixTimeSeconds(), roles = new[] { "reader" } }));
        var input = header + "." + claims;
        return input + "." + B64(sign(Encoding.ASCII.GetBytes(input)));
    }

    private static string B64(byte[] bytes) => System.Buffers.Text.Base64Url.EncodeToString(bytes);

    private sealed class StaticKeys(IReadOnlyList<JsonWebKey> keys) : ISigningKeys
    {
        public ValueTask<IReadOnlyList<JsonWebKey>> GetAsync(bool refresh, CancellationToken ct) => ValueTask.FromResult(keys);
    }
}
