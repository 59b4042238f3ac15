using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Hearth.Functions.Tests.Support;

/// <summary>Builds signed (or deliberately broken) JWTs for tests.</summary>
public static class TestTokens
{
    public const string Issuer = "https://issuer.test/";
    public const string Audience = "hearth-api";
    public const string Secret = "a-test-secret-that-is-long-enough-for-hs256!";

    /// <summary>Claims of a valid token for <paramref name="subject"/>, expiring in an hour from <paramref name="now"/>.</summary>
    public static Dictionary<string, object?> Claims(string subject, DateTimeOffset now, params string[] roles)
    {
        var claims = new Dictionary<string, object?>
        {
            ["iss"] = Issuer,
            ["aud"] = Audience,
            ["sub"] = subject,
            ["iat"] = now.ToUnixTimeSeconds(),
            ["exp"] = now.AddHours(1).ToUnixTimeSeconds(),
            ["name"] = subject,
        };
        if (roles.Length > 0) claims["roles"] = roles;
        return claims;
    }

    public static string Hs256(IDictionary<string, object?> claims, string secret = Secret, string? kid = null) =>
        Sign(Header("HS256", kid), claims, input => HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), input));

    public static string HmacWithKeyBytes(IDictionary<string, object?> claims, byte[] key) =>
        Sign(Header("HS256", null), claims, input => HMACSHA256.HashData(key, input));

    public static string Rs256(IDictionary<string, object?> claims, RSA rsa, string? kid) =>
        Sign(Header("RS256", kid), claims, input => rsa.SignData(input, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));

    public static string Es256(IDictionary<string, object?> claims, ECDsa ecdsa, string? kid) =>
        Sign(Header("ES256", kid), claims, input => ecdsa.SignData(input, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation));

    public static string Unsigned(IDictionary<string, object?> claims) =>
        Part(new Dictionary<string, object?> { ["alg"] = "none", ["typ"] = "JWT" }) + "." + Part(claims) + ".";

    public static Dictionary<string, object?> Header(string alg, string? kid)
    {
        var header = new Dictionary<string, object?> { ["alg"] = alg, ["typ"] = "JWT" };
        if (kid is not null) header["kid"] = kid;
        return header;
    }

    public static string Sign(IDictionary<string, object?> header, IDictionary<string, object?> claims, Func<byte[], byte[]> sign)
    {
        var input = Part(header) + "." + Part(claims);
        return input + "." + Base64Url(sign(Encoding.ASCII.GetBytes(input)));
    }

    public static string Part(object value) => Base64Url(JsonSerializer.SerializeToUtf8Bytes(value));

    public static string Base64Url(byte[] bytes) => System.Buffers.Text.Base64Url.EncodeToString(bytes);

    /// <summary>The JWK of an RSA public key.</summary>
    public static object Jwk(RSA rsa, string kid)
    {
        var p = rsa.ExportParameters(false);
        return new { kty = "RSA", kid, use = "sig", alg = "RS256", n = Base64Url(p.Modulus!), e = Base64Url(p.Exponent!) };
    }

    /// <summary>The JWK of a P-256 public key.</summary>
    public static object Jwk(ECDsa ecdsa, string kid)
    {
        var p = ecdsa.ExportParameters(false);
        return new { kty = "EC", kid, use = "sig", crv = "P-256", x = Base64Url(p.Q.X!), y = Base64Url(p.Q.Y!) };
    }
}
