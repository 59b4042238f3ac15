using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Hearth.Functions.Identity;

/// <summary>
/// Verifies compact JWS tokens (RFC 7519) with System.Security.Cryptography: HS256 with the configured secret, RS256 and
/// ES256 with keys from the JWKS. The algorithm decides the key kind, never the other way round: HS256 only ever uses
/// the secret (so an RSA public key can never serve as an HMAC secret), "none" and every other algorithm are refused.
/// Checks iss (exact), aud (string or array), exp (required) and nbf with the configured clock skew, and requires sub.
/// A client sends the same token with every request, so a verified token is remembered (at most 5 minutes, never past
/// its expiry, which is checked again on every use): the signature check — 150-200 µs for RS256/ES256 — runs once.
/// </summary>
public sealed class JwtVerifier(JwtOptions options, ISigningKeys? keys, TimeProvider time) : ITokenVerifier
{
    private const int MaxTokenLength = 16 * 1024;
    private const int MaxRemembered = 10_000;
    private static readonly TimeSpan RememberFor = TimeSpan.FromMinutes(5);
    private readonly byte[]? _secret = string.IsNullOrEmpty(options.Secret) ? null : Encoding.UTF8.GetBytes(options.Secret);
    private readonly ConcurrentDictionary<string, Remembered> _verified = new(StringComparer.Ordinal);

    public async ValueTask<TokenVerification> VerifyAsync(string token, CancellationToken ct = default)
    {
        var now = time.GetUtcNow();
        if (_verified.TryGetValue(token, out var remembered))
        {
            if (now.ToUnixTimeSeconds() > remembered.Expires + options.ClockSkewSeconds)
            {
                _verified.TryRemove(token, out _);
                return TokenVerification.Fail("The token has expired.");
            }
            if (now < remembered.Until) return TokenVerification.Success(remembered.Token);
            _verified.TryRemove(token, out _);
        }

        var result = await VerifyOnceAsync(token, ct);
        if (result.Token is { ExpiresAt: { } expires } verified)
        {
            if (_verified.Count >= MaxRemembered) _verified.Clear();
            _verified[token] = new Remembered(verified, expires.ToUnixTimeSeconds(), now + RememberFor);
        }
        return result;
    }

    private async ValueTask<TokenVerification> VerifyOnceAsync(string token, CancellationToken ct)
    {
        if (token.Length > MaxTokenLength) return TokenVerification.Fail("The token is too long.");
        var parts = token.Split('.');
        if (parts.Length != 3) return TokenVerification.Fail("The token is not a JWT (three dot-separated parts).");
        if (!Base64Url.TryDecode(parts[0], out var headerBytes) || !Base64Url.TryDecode(parts[1], out var payloadBytes)
            || !Base64Url.TryDecode(parts[2], out var signature))
            return TokenVerification.Fail("The token is not valid base64url.");

        Header header;
        try
        {
            header = ReadHeader(headerBytes);
        }
        catch (JsonException)
        {
            return TokenVerification.Fail("The token header is not valid JSON.");
        }
        if (header.HasCritical) return TokenVerification.Fail("The token has critical header parameters this host does not understand.");

        var signingInput = Encoding.ASCII.GetBytes(token, 0, parts[0].Length + 1 + parts[1].Length);
        var signatureError = header.Algorithm switch
        {
            "HS256" => VerifyHmac(signingInput, signature),
            "RS256" or "ES256" => await VerifyPublicKeyAsync(header, signingInput, signature, ct),
            null => "The token names no algorithm.",
            _ => $"The algorithm '{header.Algorithm}' is not accepted.",
        };
        if (signatureError is not null) return TokenVerification.Fail(signatureError);

        try
        {
            return ValidateClaims(payloadBytes);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            return TokenVerification.Fail("The token payload is not valid JSON claims.");
        }
    }

    private string? VerifyHmac(byte[] input, byte[] signature)
    {
        if (_secret is null) return "HS256 tokens are not accepted (no Auth:Jwt:Secret is configured).";
        var expected = HMACSHA256.HashData(_secret, input);
        return CryptographicOperations.FixedTimeEquals(expected, signature) ? null : "The token signature is not valid.";
    }

    private async ValueTask<string?> VerifyPublicKeyAsync(Header header, byte[] input, byte[] signature, CancellationToken ct)
    {
        if (keys is null) return $"{header.Algorithm} tokens are not accepted (no Auth:Jwt:JwksUrl is configured).";
        var candidates = Candidates(await keys.GetAsync(refresh: false, ct), header);
        if (candidates.Count == 0 && header.KeyId is not null)
            candidates = Candidates(await keys.GetAsync(refresh: true, ct), header); // keys may have rotated
        if (candidates.Count == 0)
            return header.KeyId is null ? $"No {header.Algorithm} signing key is known." : $"The signing key '{header.KeyId}' is not known.";
        foreach (var key in candidates)
        {
            if (header.Algorithm == "RS256" ? VerifyRsa(key, input, signature) : VerifyEcdsa(key, input, signature)) return null;
        }
        return "The token signature is not valid.";
    }

    private static List<JsonWebKey> Candidates(IReadOnlyList<JsonWebKey> all, Header header)
    {
        var keyType = header.Algorithm == "RS256" ? "RSA" : "EC";
        return all.Where(k => k.KeyType == keyType
                && (k.Use is null || k.Use == "sig")
                && (k.Algorithm is null || k.Algorithm == header.Algorithm)
                && (header.KeyId is null || k.KeyId == header.KeyId))
            .ToList();
    }

    private static bool VerifyRsa(JsonWebKey key, byte[] input, byte[] signature)
    {
        if (!Base64Url.TryDecode(key.Modulus ?? "", out var modulus) || !Base64Url.TryDecode(key.Exponent ?? "", out var exponent)) return false;
        if (modulus.Length < 256) return false; // RSA keys below 2048 bits are refused
        try
        {
            using var rsa = RSA.Create();
            rsa.ImportParameters(new RSAParameters { Modulus = modulus, Exponent = exponent });
            return rsa.VerifyData(input, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    private static bool VerifyEcdsa(JsonWebKey key, byte[] input, byte[] signature)
    {
        if (key.Curve != "P-256" || signature.Length != 64) return false;
        if (!Base64Url.TryDecode(key.X ?? "", out var x) || !Base64Url.TryDecode(key.Y ?? "", out var y) || x.Length != 32 || y.Length != 32) return false;
        try
        {
            using var ecdsa = ECDsa.Create(new ECParameters { Curve = ECCurve.NamedCurves.nistP256, Q = new ECPoint { X = x, Y = y } });
            return ecdsa.VerifyData(input, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    private TokenVerification ValidateClaims(byte[] payloadBytes)
    {
        using var document = JsonDocument.Parse(payloadBytes);
        var claims = document.RootElement;
        if (claims.ValueKind != JsonValueKind.Object) return TokenVerification.Fail("The token payload is not a JSON object.");

        var now = time.GetUtcNow().ToUnixTimeSeconds();
        var skew = options.ClockSkewSeconds;
        if (!TryNumber(claims, "exp", out var exp)) return TokenVerification.Fail("The token has no expiry (exp).");
        if (now > exp + skew) return TokenVerification.Fail("The token has expired.");
        if (TryNumber(claims, "nbf", out var nbf) && now + skew < nbf) return TokenVerification.Fail("The token is not valid yet (nbf).");

        if (String(claims, "iss") is not { } issuer || !string.Equals(issuer, options.Issuer, StringComparison.Ordinal))
            return TokenVerification.Fail("The token issuer (iss) is not accepted.");
        if (!Strings(claims, "aud").Contains(options.Audience, StringComparer.Ordinal))
            return TokenVerification.Fail("The token audience (aud) is not accepted.");
        if (String(claims, "sub") is not { Length: > 0 and <= 255 } subject)
            return TokenVerification.Fail("The token has no subject (sub).");

        var roles = Strings(claims, "roles").Concat(Strings(claims, "role")).Distinct(StringComparer.Ordinal).ToList();
        var name = String(claims, "name") ?? String(claims, "preferred_username");
        return TokenVerification.Success(new VerifiedToken(subject, name, roles, String(claims, "zoneinfo"))
        {
            ExpiresAt = DateTimeOffset.FromUnixTimeSeconds(Math.Clamp(exp, 0, 253402300799)),
        });
    }

    private static Header ReadHeader(byte[] bytes)
    {
        using var document = JsonDocument.Parse(bytes);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object) throw new JsonException("The header is not an object.");
        return new Header(String(root, "alg"), String(root, "kid"), root.TryGetProperty("crit", out _));
    }

    private static string? String(JsonElement claims, string name) =>
        claims.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static IEnumerable<string> Strings(JsonElement claims, string name)
    {
        if (!claims.TryGetProperty(name, out var value)) return [];
        return value.ValueKind switch
        {
            JsonValueKind.String => [value.GetString()!],
            JsonValueKind.Array => value.EnumerateArray().Where(v => v.ValueKind == JsonValueKind.String).Select(v => v.GetString()!).ToList(),
            _ => [],
        };
    }

    private static bool TryNumber(JsonElement claims, string name, out long value)
    {
        value = 0;
        if (!claims.TryGetProperty(name, out var element) || element.ValueKind != JsonValueKind.Number) return false;
        if (element.TryGetInt64(out value)) return true;
        if (element.TryGetDouble(out var number) && number is > -1e15 and < 1e15)
        {
            value = (long)Math.Floor(number);
            return true;
        }
        return false;
    }

    private sealed record Header(string? Algorithm, string? KeyId, bool HasCritical);

    private sealed record Remembered(VerifiedToken Token, long Expires, DateTimeOffset Until);
}
