using Org.BouncyCastle.Math.EC.Rfc8032;

namespace Hearth.Adapters.Crypto;

/// <summary>
/// Ed25519 from BouncyCastle's RFC 8032 implementation (Portable.BouncyCastle). Verification is what production needs;
/// signing and key derivation are here for test doubles (the fake Fal server) and for the RFC test vectors.
/// On top of RFC 8032, public keys and R values of small order are refused (as libsodium does): BouncyCastle 1.8.10
/// accepts, for example, the all-zero key with an all-zero signature for any message.
/// </summary>
public sealed class BouncyCastleEd25519 : IEd25519Verifier
{
    public const int PublicKeySize = 32;
    public const int SecretKeySize = 32;
    public const int SignatureSize = 64;

    public bool Verify(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature)
    {
        if (publicKey.Length != PublicKeySize || signature.Length != SignatureSize) return false;
        if (HasSmallOrder(publicKey) || HasSmallOrder(signature[..32])) return false;
        try
        {
            var sig = signature.ToArray();
            var pk = publicKey.ToArray();
            var msg = message.ToArray();
            return Ed25519.Verify(sig, 0, pk, 0, msg, 0, msg.Length);
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>
    /// True when <paramref name="encoding"/> is a point of order 1, 2, 4 or 8, canonical or not, either sign: the seven
    /// y-coordinates below with the sign bit masked (0, 1, the two of order 8, p−1, p, p+1).
    /// </summary>
    public static bool HasSmallOrder(ReadOnlySpan<byte> encoding)
    {
        if (encoding.Length != PublicKeySize) return false;
        Span<byte> masked = stackalloc byte[PublicKeySize];
        encoding.CopyTo(masked);
        masked[31] &= 0x7F;
        foreach (var point in SmallOrderPoints)
        {
            if (masked.SequenceEqual(point)) return true;
        }
        return false;
    }

    private static readonly byte[][] SmallOrderPoints =
    [
        Convert.FromHexString("0000000000000000000000000000000000000000000000000000000000000000"),
        Convert.FromHexString("0100000000000000000000000000000000000000000000000000000000000000"),
        Convert.FromHexString("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05"),
        Convert.FromHexString("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a"),
        Convert.FromHexString("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),
        Convert.FromHexString("edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),
        Convert.FromHexString("eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),
    ];

    /// <summary>The public key of a 32-byte secret key (RFC 8032 "seed").</summary>
    public static byte[] DerivePublicKey(ReadOnlySpan<byte> secretKey)
    {
        if (secretKey.Length != SecretKeySize) throw new ArgumentException($"An Ed25519 secret key is {SecretKeySize} bytes.", nameof(secretKey));
        var pk = new byte[PublicKeySize];
        Ed25519.GeneratePublicKey(secretKey.ToArray(), 0, pk, 0);
        return pk;
    }

    /// <summary>The (deterministic) signature of <paramref name="message"/> under <paramref name="secretKey"/>.</summary>
    public static byte[] Sign(ReadOnlySpan<byte> secretKey, ReadOnlySpan<byte> message)
    {
        if (secretKey.Length != SecretKeySize) throw new ArgumentException($"An Ed25519 secret key is {SecretKeySize} bytes.", nameof(secretKey));
        var sig = new byte[SignatureSize];
        var msg = message.ToArray();
        Ed25519.Sign(secretKey.ToArray(), 0, msg, 0, msg.Length, sig, 0);
        return sig;
    }
}
