namespace Hearth.Adapters.Crypto;

/// <summary>Ed25519 signature verification (RFC 8032, pure Ed25519). .NET has none built in; see <see cref="BouncyCastleEd25519"/>.</summary>
public interface IEd25519Verifier
{
    /// <summary>
    /// True when <paramref name="signature"/> (64 bytes) is a valid signature of <paramref name="message"/> under
    /// <paramref name="publicKey"/> (32 bytes). Malformed keys or signatures give false, never an exception.
    /// </summary>
    bool Verify(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature);
}
