using System.Collections.Concurrent;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Hearth.Functions.Identity;

/// <summary>
/// Verifies compact JWS tokens (RFC 7519) with Microsoft.IdentityModel's <see cref="JsonWebTokenHandler"/> (the engine of
/// ASP.NET Core's JwtBearer): HS256 with the configured secret, RS256 and ES256 with keys from the JWKS. The algorithm
/// decides the key kind, never the other way round: an HS256 token is only ever checked against the secret (so an RSA
/// public key can never serve as an HMAC secret), "none" and every other algorithm are refused. The handler checks the
/// signature, iss (exact) and aud (string or array); Hearth adds what it needs beyond that: exp (required) and nbf with
/// the configured leeway on the host's TimeProvider, sub required, RSA keys below 2048 bits and critical headers
/// refused, and an unknown key id fetches the keys again (rotation). A client sends the same token with every request,
/// so a verified token is remembered (at most 5 minutes, never past its expiry, which is checked again on every use):
/// the signature check runs once.
/// </summary>
public sealed class JwtVerifier(JwtOptions options, ISigningKeys? keys, TimeProvider time) : ITokenVerifier
{
    private const int MaxTokenLength = 16 * 1024;
    private const int MaxRemembered = 10_000;
    private static readonly TimeSpan RememberFor = TimeSpan.FromMinutes(5);
    private readonly SymmetricSecurityKey? _secret = string.IsNullOrEmpty(options.Secret) ? null : new(Encoding.UTF8.GetBytes(options.Secret));
    private readonly JsonWebTokenHandler _handler = new() { MaximumTokenSizeInBytes = MaxTokenLength, MapInboundClaims = false };
    private readonly ConcurrentDictionary<string, Remembered> _verified = new(StringComparer.Ordinal);

    public async ValueTask<TokenVerification> VerifyAsync(string token, CancellationToken ct = default)
    {
        var now = time.GetUtcNow();
        if (_verified.TryGetValue(token, out var remembered))
        {
            if (now > remembered.Token.ExpiresAt!.Value.AddSeconds(options.ClockSkewSeconds))
            {
                _verified.TryRemove(token, out _);
                return TokenVerification.Fail("The token has expired.");
            }
            if (now < remembered.Until) return TokenVerification.Success(remembered.Token);
            _verified.TryRemove(token, out _);
        }

        var result = await VerifyOnceAsync(token, ct);
        if (result.Token is { ExpiresAt: not null } verified)
        {
            if (_verified.Count >= MaxRemembered) _verified.Clear();
            _verified[token] = new Remembered(verified, now + RememberFor);
        }
        return result;
    }

    private async ValueTask<TokenVerification> VerifyOnceAsync(string token, CancellationToken ct)
    {
        if (token.Length > MaxTokenLength) return TokenVerification.Fail("The token is too long.");
        if (token.Count(c => c == '.') != 2) return TokenVerification.Fail("The token is not a JWT (three dot-separated parts).");
        JsonWebToken jwt;
        try
        {
            jwt = _handler.ReadJsonWebToken(token);
        }
        catch (Exception e) when (e is ArgumentException or SecurityTokenMalformedException)
        {
            return TokenVerification.Fail("The token is not a valid JWT (base64url JSON header and claims).");
        }
        if (jwt.TryGetHeaderValue<object>("crit", out _)) return TokenVerification.Fail("The token has critical header parameters this host does not understand.");

        var (signingKeys, keyError) = jwt.Alg switch
        {
            SecurityAlgorithms.HmacSha256 => _secret is null
                ? (null, "HS256 tokens are not accepted (no Auth:Jwt:Secret is configured).")
                : ([_secret], null),
            SecurityAlgorithms.RsaSha256 or SecurityAlgorithms.EcdsaSha256 => await PublicKeysAsync(jwt, ct),
            null or "" => (null, "The token names no algorithm."),
            _ => ((IReadOnlyList<SecurityKey>?)null, $"The algorithm '{jwt.Alg}' is not accepted."),
        };
        if (signingKeys is null) return TokenVerification.Fail(keyError!);

        var validation = await _handler.ValidateTokenAsync(jwt, new TokenValidationParameters
        {
            ValidAlgorithms = [jwt.Alg],
            IssuerSigningKeys = signingKeys,
            TryAllIssuerSigningKeys = true,
            ValidIssuer = options.Issuer,
            ValidAudience = options.Audience,
            RequireSignedTokens = true,
            ValidateLifetime = false, // checked below on the host's clock (the handler reads the system clock)
        });
        if (!validation.IsValid) return TokenVerification.Fail(Reason(validation.Exception));
        if (Lifetime(jwt) is { } lifetimeError) return TokenVerification.Fail(lifetimeError);

        if (Claim(jwt, "sub") is not { Length: > 0 and <= 255 } subject) return TokenVerification.Fail("The token has no subject (sub).");
        var roles = validation.ClaimsIdentity.Claims.Where(c => c.Type is "roles" or "role").Select(c => c.Value).Distinct(StringComparer.Ordinal).ToList();
        return TokenVerification.Success(new VerifiedToken(subject, Claim(jwt, "name") ?? Claim(jwt, "preferred_username"), roles, Claim(jwt, "zoneinfo"))
        {
            ExpiresAt = new DateTimeOffset(DateTime.SpecifyKind(jwt.ValidTo, DateTimeKind.Utc)),
        });
    }

    /// <summary>The JWKS keys that may have signed this token: its key kind and id; an unknown id fetches the keys again.</summary>
    private async ValueTask<(IReadOnlyList<SecurityKey>?, string?)> PublicKeysAsync(JsonWebToken jwt, CancellationToken ct)
    {
        if (keys is null) return (null, $"{jwt.Alg} tokens are not accepted (no Auth:Jwt:JwksUrl is configured).");
        var kid = string.IsNullOrEmpty(jwt.Kid) ? null : jwt.Kid;
        var candidates = Candidates(await keys.GetAsync(refresh: false, ct), jwt.Alg, kid);
        if (candidates.Count == 0 && kid is not null) candidates = Candidates(await keys.GetAsync(refresh: true, ct), jwt.Alg, kid); // keys may have rotated
        if (candidates.Count == 0) return (null, kid is null ? $"No {jwt.Alg} signing key is known." : $"The signing key '{kid}' is not known.");
        return (candidates, null);
    }

    private static List<SecurityKey> Candidates(IReadOnlyList<JsonWebKey> all, string algorithm, string? kid) =>
        all.Where(k => (k.Use is null or "" or "sig")
                && (string.IsNullOrEmpty(k.Alg) || k.Alg == algorithm)
                && (kid is null || k.Kid == kid)
                && (algorithm == SecurityAlgorithms.RsaSha256
                    ? k.Kty == JsonWebAlgorithmsKeyTypes.RSA && k.KeySize >= 2048 // RSA keys below 2048 bits are refused
                    : k.Kty == JsonWebAlgorithmsKeyTypes.EllipticCurve && k.Crv == JsonWebKeyECTypes.P256))
            .Cast<SecurityKey>()
            .ToList();

    /// <summary>exp (required) and nbf with the configured leeway, on <see cref="TimeProvider"/>; null when the token is current.</summary>
    private string? Lifetime(JsonWebToken jwt)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var skew = TimeSpan.FromSeconds(options.ClockSkewSeconds);
        if (!jwt.TryGetPayloadValue<object>("exp", out _) || jwt.ValidTo == DateTime.MinValue) return "The token has no expiry (exp).";
        if (now > jwt.ValidTo + skew) return "The token has expired.";
        if (jwt.ValidFrom != DateTime.MinValue && now + skew < jwt.ValidFrom) return "The token is not valid yet (nbf).";
        return null;
    }

    private static string? Claim(JsonWebToken jwt, string name) => jwt.TryGetPayloadValue<string>(name, out var value) ? value : null;

    /// <summary>Why the handler refused the token, in words safe to log and to answer (never the token).</summary>
    private static string Reason(Exception? e) => e switch
    {
        SecurityTokenInvalidIssuerException => "The token issuer (iss) is not accepted.",
        SecurityTokenInvalidAudienceException => "The token audience (aud) is not accepted.",
        SecurityTokenInvalidAlgorithmException => "The token's algorithm is not accepted.",
        SecurityTokenInvalidSignatureException => "The token signature is not valid.",
        SecurityTokenMalformedException or ArgumentException => "The token is not a valid JWT (base64url JSON header and claims).",
        _ => "The token is not valid.",
    };

    private sealed record Remembered(VerifiedToken Token, DateTimeOffset Until);
}
