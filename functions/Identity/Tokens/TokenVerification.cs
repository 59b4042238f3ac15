namespace Hearth.Functions.Identity;

/// <summary>Checks a bearer token and says who it is for; the seam behind which JWT and dev tokens live.</summary>
public interface ITokenVerifier
{
    /// <summary>Never throws for a bad token (it fails with a reason); throws <see cref="SigningKeysUnavailableException"/> when keys cannot be had.</summary>
    ValueTask<TokenVerification> VerifyAsync(string token, CancellationToken ct = default);
}

/// <summary>The claims Hearth uses from a verified token.</summary>
/// <param name="Subject">The <c>sub</c> claim: who the token is for.</param>
/// <param name="Name">The <c>name</c> (or <c>preferred_username</c>) claim.</param>
/// <param name="Roles">The <c>roles</c> and <c>role</c> claims.</param>
/// <param name="TimeZone">The <c>zoneinfo</c> claim.</param>
public sealed record VerifiedToken(string Subject, string? Name, IReadOnlyList<string> Roles, string? TimeZone = null)
{
    /// <summary>The <c>exp</c> claim (null for tokens that do not expire, e.g. dev tokens).</summary>
    public DateTimeOffset? ExpiresAt { get; init; }
}

/// <summary>The outcome of a verification: a token, or why not (safe to log: it never contains the token).</summary>
public sealed record TokenVerification(VerifiedToken? Token, string? Error)
{
    public bool Succeeded => Token is not null;

    public static TokenVerification Success(VerifiedToken token) => new(token, null);

    public static TokenVerification Fail(string error) => new(null, error);
}

/// <summary>The identity provider's signing keys could not be fetched (and none are cached): the request gets 503, not 401.</summary>
public sealed class SigningKeysUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>An endpoint asked for the <see cref="CurrentUser"/> of a request that is not authenticated.</summary>
public sealed class UnauthenticatedException() : Exception("The request is not authenticated.");
