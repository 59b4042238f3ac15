namespace Hearth.Functions.Identity;

/// <summary>
/// The verifiers in force: dev tokens in Development, then JWTs when Auth:Jwt is configured. Outside Development only
/// JWTs are accepted (the host refuses to start without a JWT configuration there).
/// </summary>
public sealed class BearerTokens(DevTokenVerifier? dev, ITokenVerifier? jwt) : ITokenVerifier
{
    /// <summary>What verifies tokens here, for /api/status: "dev", "jwt-hs256", "jwt-jwks" or a combination.</summary>
    public IReadOnlyList<string> Modes { get; init; } = [];

    public async ValueTask<TokenVerification> VerifyAsync(string token, CancellationToken ct = default)
    {
        if (dev is not null && dev.Recognises(token)) return await dev.VerifyAsync(token, ct);
        if (jwt is not null) return await jwt.VerifyAsync(token, ct);
        return TokenVerification.Fail(dev is null ? "No token verifier is configured." : "The token is not a dev token (Development accepts Auth:DevToken).");
    }
}
