using System.Security.Cryptography;
using System.Text;
using Hearth.Functions.Identity;
using Hearth.Functions.Tests.Support;
using Hearth.Testing.Host;
using Microsoft.Extensions.Logging.Abstractions;

namespace Hearth.Functions.Tests;

public sealed class JwtVerifierTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly ManualTime _time = new(Now);
    // Generating RSA keys is slow: the tests share theirs.
    private static readonly RSA SharedRsa = RSA.Create(2048);
    private static readonly RSA OtherRsa = RSA.Create(2048);
    private static readonly ECDsa SharedEc = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly RSA _rsa = SharedRsa;
    private readonly ECDsa _ec = SharedEc;
    private FakeJwks _jwks = null!;

    public async Task InitializeAsync()
    {
        _jwks = await FakeJwks.StartAsync();
        _jwks.SetKeys(TestTokens.Jwk(_rsa, "rsa-1"), TestTokens.Jwk(_ec, "ec-1"));
    }

    public async Task DisposeAsync()
    {
        await _jwks.DisposeAsync();
    }

    private JwtVerifier Hs256Verifier(int skew = 60) =>
        new(new JwtOptions { Issuer = TestTokens.Issuer, Audience = TestTokens.Audience, Secret = TestTokens.Secret, ClockSkewSeconds = skew }, null, _time);

    private JwtVerifier JwksVerifier(string? secret = null)
    {
        var options = new JwtOptions { Issuer = TestTokens.Issuer, Audience = TestTokens.Audience, JwksUrl = _jwks.Url, Secret = secret };
        var keys = new JwksSigningKeys(new HttpClient(), _jwks.Url, TimeSpan.FromHours(1), _time, NullLogger<JwksSigningKeys>.Instance);
        return new JwtVerifier(options, keys, _time);
    }

    private static Dictionary<string, object?> Claims(string subject = "user-1", params string[] roles) => TestTokens.Claims(subject, Now, roles);

    [Fact]
    public async Task A_valid_HS256_token_gives_its_subject_name_and_roles()
    {
        var result = await Hs256Verifier().VerifyAsync(TestTokens.Hs256(Claims("alice", "admin", "reader")));

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal("alice", result.Token!.Subject);
        Assert.Equal("alice", result.Token.Name);
        Assert.Equal(["admin", "reader"], result.Token.Roles);
    }

    [Fact]
    public async Task A_token_signed_with_another_secret_is_refused()
    {
        var result = await Hs256Verifier().VerifyAsync(TestTokens.Hs256(Claims(), secret: "another-secret-that-is-long-enough-too!!"));

        Assert.False(result.Succeeded);
        Assert.Contains("signature", result.Error);
    }

    [Fact]
    public async Task A_token_whose_payload_was_changed_after_signing_is_refused()
    {
        var token = TestTokens.Hs256(Claims("alice"));
        var parts = token.Split('.');
        var forged = parts[0] + "." + TestTokens.Part(Claims("mallory", "admin")) + "." + parts[2];

        var result = await Hs256Verifier().VerifyAsync(forged);

        Assert.False(result.Succeeded);
        Assert.Contains("signature", result.Error);
    }

    [Fact]
    public async Task Alg_none_is_refused_even_without_a_signature()
    {
        var result = await Hs256Verifier().VerifyAsync(TestTokens.Unsigned(Claims("mallory", "admin")));

        Assert.False(result.Succeeded);
    }

    [Theory]
    [InlineData("none")]
    [InlineData("HS512")]
    [InlineData("RS512")]
    [InlineData("PS256")]
    public async Task Algorithms_other_than_HS256_RS256_ES256_are_refused(string alg)
    {
        var token = TestTokens.Sign(TestTokens.Header(alg, null), Claims(), input => HMACSHA256.HashData(Encoding.UTF8.GetBytes(TestTokens.Secret), input));

        var result = await Hs256Verifier().VerifyAsync(token);

        Assert.False(result.Succeeded);
        Assert.Contains(alg, result.Error);
    }

    [Fact]
    public async Task Alg_confusion_HS256_signed_with_the_public_RSA_key_is_refused()
    {
        // The classic attack: take the provider's public key and use it as an HMAC secret.
        var publicKeyBytes = Encoding.ASCII.GetBytes(_rsa.ExportSubjectPublicKeyInfoPem());
        var publicKeyDer = _rsa.ExportSubjectPublicKeyInfo();
        var modulus = _rsa.ExportParameters(false).Modulus!;

        var jwksOnly = JwksVerifier();
        var both = JwksVerifier(secret: TestTokens.Secret);
        foreach (var key in new[] { publicKeyBytes, publicKeyDer, modulus })
        {
            var token = TestTokens.HmacWithKeyBytes(Claims("mallory", "admin"), key);
            Assert.False((await jwksOnly.VerifyAsync(token)).Succeeded);
            Assert.False((await both.VerifyAsync(token)).Succeeded);
        }
        Assert.Contains("HS256 tokens are not accepted", (await jwksOnly.VerifyAsync(TestTokens.HmacWithKeyBytes(Claims(), modulus))).Error);
    }

    [Fact]
    public async Task An_expired_token_is_refused_but_one_within_the_clock_skew_is_accepted()
    {
        var claims = Claims();
        claims["exp"] = Now.AddSeconds(-90).ToUnixTimeSeconds();
        var expired = await Hs256Verifier(skew: 60).VerifyAsync(TestTokens.Hs256(claims));
        Assert.False(expired.Succeeded);
        Assert.Contains("expired", expired.Error);

        claims["exp"] = Now.AddSeconds(-30).ToUnixTimeSeconds();
        Assert.True((await Hs256Verifier(skew: 60).VerifyAsync(TestTokens.Hs256(claims))).Succeeded);
        Assert.False((await Hs256Verifier(skew: 0).VerifyAsync(TestTokens.Hs256(claims))).Succeeded);
    }

    [Fact]
    public async Task A_token_not_valid_yet_is_refused()
    {
        var claims = Claims();
        claims["nbf"] = Now.AddMinutes(5).ToUnixTimeSeconds();

        var result = await Hs256Verifier().VerifyAsync(TestTokens.Hs256(claims));

        Assert.False(result.Succeeded);
        Assert.Contains("nbf", result.Error);
    }

    [Fact]
    public async Task A_token_without_expiry_or_subject_is_refused()
    {
        var noExp = Claims();
        noExp.Remove("exp");
        var noSub = Claims();
        noSub.Remove("sub");

        Assert.Contains("exp", (await Hs256Verifier().VerifyAsync(TestTokens.Hs256(noExp))).Error);
        Assert.Contains("sub", (await Hs256Verifier().VerifyAsync(TestTokens.Hs256(noSub))).Error);
    }

    [Fact]
    public async Task Wrong_issuer_or_audience_is_refused_and_an_audience_list_naming_ours_is_accepted()
    {
        var wrongIssuer = Claims();
        wrongIssuer["iss"] = "https://evil.test/";
        var wrongAudience = Claims();
        wrongAudience["aud"] = "someone-else";
        var audiences = Claims();
        audiences["aud"] = new[] { "someone-else", TestTokens.Audience };

        Assert.Contains("iss", (await Hs256Verifier().VerifyAsync(TestTokens.Hs256(wrongIssuer))).Error);
        Assert.Contains("aud", (await Hs256Verifier().VerifyAsync(TestTokens.Hs256(wrongAudience))).Error);
        Assert.True((await Hs256Verifier().VerifyAsync(TestTokens.Hs256(audiences))).Succeeded);
    }

    [Theory]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("a.b")]
    [InlineData("a.b.c.d")]
    [InlineData("!!!.???.***")]
    [InlineData("eyJhbGciOiJIUzI1NiJ9.bm90IGpzb24.c2ln")]
    public async Task Garbage_is_refused_without_throwing(string token)
    {
        var result = await Hs256Verifier().VerifyAsync(token);

        Assert.False(result.Succeeded);
        Assert.NotNull(result.Error);
    }

    [Fact]
    public async Task A_critical_header_the_host_does_not_understand_is_refused()
    {
        var header = TestTokens.Header("HS256", null);
        header["crit"] = new[] { "exp" };
        var token = TestTokens.Sign(header, Claims(), input => HMACSHA256.HashData(Encoding.UTF8.GetBytes(TestTokens.Secret), input));

        Assert.False((await Hs256Verifier().VerifyAsync(token)).Succeeded);
    }

    [Fact]
    public async Task RS256_and_ES256_tokens_verify_with_keys_from_the_JWKS_url()
    {
        var verifier = JwksVerifier();

        var rs = await verifier.VerifyAsync(TestTokens.Rs256(Claims("rsa-user"), _rsa, "rsa-1"));
        var es = await verifier.VerifyAsync(TestTokens.Es256(Claims("ec-user"), _ec, "ec-1"));

        Assert.True(rs.Succeeded, rs.Error);
        Assert.Equal("rsa-user", rs.Token!.Subject);
        Assert.True(es.Succeeded, es.Error);
        Assert.Equal("ec-user", es.Token!.Subject);
        Assert.Equal(1, _jwks.Fetches); // cached
    }

    [Fact]
    public async Task A_token_signed_by_a_key_the_provider_does_not_publish_is_refused()
    {
        var other = OtherRsa;
        var verifier = JwksVerifier();

        var sameKid = await verifier.VerifyAsync(TestTokens.Rs256(Claims(), other, "rsa-1"));
        var noKid = await verifier.VerifyAsync(TestTokens.Rs256(Claims(), other, null));
        var esWithRsaKid = await verifier.VerifyAsync(TestTokens.Es256(Claims(), _ec, "rsa-1"));

        Assert.Contains("signature", sameKid.Error);
        Assert.Contains("signature", noKid.Error);
        Assert.False(esWithRsaKid.Succeeded); // an RSA key never verifies an ES256 token
    }

    [Fact]
    public async Task An_unknown_kid_fetches_the_keys_again_and_finds_a_rotated_key()
    {
        var verifier = JwksVerifier();
        Assert.True((await verifier.VerifyAsync(TestTokens.Rs256(Claims(), _rsa, "rsa-1"))).Succeeded);
        Assert.Equal(1, _jwks.Fetches);

        var rotated = OtherRsa;
        _jwks.SetKeys(TestTokens.Jwk(_rsa, "rsa-1"), TestTokens.Jwk(rotated, "rsa-2"));
        _time.Now = Now.AddMinutes(1); // past the 30 s floor between refetches

        var result = await verifier.VerifyAsync(TestTokens.Rs256(Claims(), rotated, "rsa-2"));

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal(2, _jwks.Fetches);
    }

    [Fact]
    public async Task An_unknown_kid_is_refused_and_cannot_make_the_verifier_hammer_the_provider()
    {
        var verifier = JwksVerifier();
        var stranger = OtherRsa;

        var first = await verifier.VerifyAsync(TestTokens.Rs256(Claims(), stranger, "unknown-kid"));
        var second = await verifier.VerifyAsync(TestTokens.Rs256(Claims(), stranger, "unknown-kid"));

        Assert.Contains("unknown-kid", first.Error);
        Assert.Contains("not known", second.Error);
        Assert.Equal(1, _jwks.Fetches); // the refetch floor (30 s) holds: both lookups used the one fetch
    }

    [Fact]
    public async Task Unreachable_keys_with_nothing_cached_raise_unavailable_and_cached_keys_survive_an_outage()
    {
        _jwks.Failing = true;
        await Assert.ThrowsAsync<SigningKeysUnavailableException>(() => JwksVerifier().VerifyAsync(TestTokens.Rs256(Claims(), _rsa, "rsa-1")).AsTask());

        _jwks.Failing = false;
        var verifier = JwksVerifier();
        Assert.True((await verifier.VerifyAsync(TestTokens.Rs256(Claims(), _rsa, "rsa-1"))).Succeeded);
        _jwks.Failing = true;
        _time.Now = Now.AddHours(2); // cache expired, provider down
        var claims = TestTokens.Claims("later", _time.Now);
        var result = await verifier.VerifyAsync(TestTokens.Rs256(claims, _rsa, "rsa-1"));
        Assert.True(result.Succeeded, result.Error);
    }

    [Fact]
    public async Task Without_a_JWKS_url_RS256_is_refused()
    {
        var result = await Hs256Verifier().VerifyAsync(TestTokens.Rs256(Claims(), _rsa, "rsa-1"));

        Assert.False(result.Succeeded);
        Assert.Contains("JwksUrl", result.Error);
    }

    [Fact]
    public async Task Short_RSA_keys_are_refused()
    {
        using var weak = RSA.Create(1024);
        _jwks.SetKeys(TestTokens.Jwk(weak, "weak"));

        var result = await JwksVerifier().VerifyAsync(TestTokens.Rs256(Claims(), weak, "weak"));

        Assert.False(result.Succeeded);
    }

    [Fact]
    public async Task A_verified_token_is_remembered_but_still_expires()
    {
        var keys = new CountingKeys(TestTokens.Jwk(_rsa, "rsa-1"));
        var verifier = new JwtVerifier(new JwtOptions { Issuer = TestTokens.Issuer, Audience = TestTokens.Audience, JwksUrl = _jwks.Url, ClockSkewSeconds = 0 }, keys, _time);
        var token = TestTokens.Rs256(Claims("remembered"), _rsa, "rsa-1"); // expires at Now + 1 h

        Assert.True((await verifier.VerifyAsync(token)).Succeeded);
        _time.Now = Now.AddMinutes(2);
        var again = await verifier.VerifyAsync(token);
        Assert.True(again.Succeeded);
        Assert.Equal("remembered", again.Token!.Subject);
        Assert.Equal(1, keys.Calls); // the signature was not checked again

        _time.Now = Now.AddMinutes(10); // past the 5-minute memory: verified afresh
        Assert.True((await verifier.VerifyAsync(token)).Succeeded);
        Assert.Equal(2, keys.Calls);

        _time.Now = Now.AddMinutes(61);
        var expired = await verifier.VerifyAsync(token);
        Assert.False(expired.Succeeded);
        Assert.Contains("expired", expired.Error);
    }

    private sealed class CountingKeys(params object[] jwks) : ISigningKeys
    {
        private readonly IReadOnlyList<Microsoft.IdentityModel.Tokens.JsonWebKey> _keys = [.. new Microsoft.IdentityModel.Tokens.JsonWebKeySet(System.Text.Json.JsonSerializer.Serialize(new { keys = jwks })).Keys];

        public int Calls { get; private set; }

        public ValueTask<IReadOnlyList<Microsoft.IdentityModel.Tokens.JsonWebKey>> GetAsync(bool refresh, CancellationToken ct)
        {
            Calls++;
            return ValueTask.FromResult(_keys);
        }
    }
}
