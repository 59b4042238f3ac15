using System.Security.Cryptography;
using System.Text;

namespace Hearth.Functions.Identity;

/// <summary>
/// Development sign-in without an identity provider: the configured dev token (default "dev") is the admin user "dev";
/// "&lt;token&gt;:&lt;name&gt;" is the non-admin user "dev:&lt;name&gt;" (names of 1-64 letters, digits, '.', '_' or '-'),
/// so several people (or tests) can act as different users. Used only in the Development environment.
/// </summary>
public sealed class DevTokenVerifier(string devToken) : ITokenVerifier
{
    public const string AdminSubject = "dev";
    private readonly byte[] _token = Encoding.UTF8.GetBytes(devToken);

    /// <summary>Whether the token is a dev token at all (the caller then does not try it as a JWT).</summary>
    public bool Recognises(string token) => Matches(token, out _);

    public ValueTask<TokenVerification> VerifyAsync(string token, CancellationToken ct = default)
    {
        if (!Matches(token, out var name)) return ValueTask.FromResult(TokenVerification.Fail("The token is not a dev token."));
        var verified = name is null
            ? new VerifiedToken(AdminSubject, "Developer", ["admin"])
            : new VerifiedToken($"{AdminSubject}:{name}", name, []);
        return ValueTask.FromResult(TokenVerification.Success(verified));
    }

    private bool Matches(string token, out string? name)
    {
        name = null;
        if (_token.Length == 0) return false;
        var colon = token.IndexOf(':', StringComparison.Ordinal);
        var secret = colon < 0 ? token : token[..colon];
        if (!CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(secret), _token)) return false;
        if (colon < 0) return true;
        name = token[(colon + 1)..];
        return name.Length is > 0 and <= 64 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');
    }
}
