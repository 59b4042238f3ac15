using System.Security.Cryptography;
using Hearth.Adapters.Crypto;

namespace Hearth.Images.Tests;

/// <summary>The Ed25519 seam against RFC 8032 section 7.1 (TEST 1, 2, 3, 1024 and SHA(abc)), typed in from the RFC.</summary>
public sealed class Ed25519Rfc8032Tests
{
    public static TheoryData<string, string, string, string, string> Vectors => new()
    {
        {
            "TEST 1",
            "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
            "",
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155" +
            "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
        },
        {
            "TEST 2",
            "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
            "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
            "72",
            "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da" +
            "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"
        },
        {
            "TEST 3",
            "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
            "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
            "af82",
            "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac" +
            "18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"
        },
        {
            "TEST 1024",
            "f5e5767cf153319517630f226876b86c8160cc583bc013744c6bf255f5cc0ee5",
            "278117fc144c72340f67d0f2316e8386ceffbf2b2428c9c51fef7c597f1d426e",
            Test1024Message,
            "0aab4c900501b3e24d7cdf4663326a3a87df5e4843b2cbdb67cbf6e460fec350" +
            "aa5371b1508f9f4528ecea23c436d94b5e8fcd4f681e30a6ac00a9704a188a03"
        },
        {
            "TEST SHA(abc)",
            "833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42",
            "ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf",
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a" +
            "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
            "dc2a4459e7369633a52b1bf277839a00201009a3efbf3ecb69bea2186c26b589" +
            "09351fc9ac90b3ecfdfbc7c66431e0303dca179c138ac17ad9bef1177331a704"
        },
    };

    private const string Test1024Message =
        "08b8b2b733424243760fe426a4b54908632110a66c2f6591eabd3345e3e4eb98" +
        "fa6e264bf09efe12ee50f8f54e9f77b1e355f6c50544e23fb1433ddf73be84d8" +
        "79de7c0046dc4996d9e773f4bc9efe5738829adb26c81b37c93a1b270b20329d" +
        "658675fc6ea534e0810a4432826bf58c941efb65d57a338bbd2e26640f89ffbc" +
        "1a858efcb8550ee3a5e1998bd177e93a7363c344fe6b199ee5d02e82d522c4fe" +
        "ba15452f80288a821a579116ec6dad2b3b310da903401aa62100ab5d1a36553e" +
        "06203b33890cc9b832f79ef80560ccb9a39ce767967ed628c6ad573cb116dbef" +
        "efd75499da96bd68a8a97b928a8bbc103b6621fcde2beca1231d206be6cd9ec7" +
        "aff6f6c94fcd7204ed3455c68c83f4a41da4af2b74ef5c53f1d8ac70bdcb7ed1" +
        "85ce81bd84359d44254d95629e9855a94a7c1958d1f8ada5d0532ed8a5aa3fb2" +
        "d17ba70eb6248e594e1a2297acbbb39d502f1a8c6eb6f1ce22b3de1a1f40cc24" +
        "554119a831a9aad6079cad88425de6bde1a9187ebb6092cf67bf2b13fd65f270" +
        "88d78b7e883c8759d2c4f5c65adb7553878ad575f9fad878e80a0c9ba63bcbcc" +
        "2732e69485bbc9c90bfbd62481d9089beccf80cfe2df16a2cf65bd92dd597b07" +
        "07e0917af48bbb75fed413d238f5555a7a569d80c3414a8d0859dc65a46128ba" +
        "b27af87a71314f318c782b23ebfe808b82b0ce26401d2e22f04d83d1255dc51a" +
        "ddd3b75a2b1ae0784504df543af8969be3ea7082ff7fc9888c144da2af58429e" +
        "c96031dbcad3dad9af0dcbaaaf268cb8fcffead94f3c7ca495e056a9b47acdb7" +
        "51fb73e666c6c655ade8297297d07ad1ba5e43f1bca32301651339e22904cc8c" +
        "42f58c30c04aafdb038dda0847dd988dcda6f3bfd15c4b4c4525004aa06eeff8" +
        "ca61783aacec57fb3d1f92b0fe2fd1a85f6724517b65e614ad6808d6f6ee34df" +
        "f7310fdc82aebfd904b01e1dc54b2927094b2db68d6f903b68401adebf5a7e08" +
        "d78ff4ef5d63653a65040cf9bfd4aca7984a74d37145986780fc0b16ac451649" +
        "de6188a7dbdf191f64b5fc5e2ab47b57f7f7276cd419c17a3ca8e1b939ae49e4" +
        "88acba6b965610b5480109c8b17b80e1b7b750dfc7598d5d5011fd2dcc5600a3" +
        "2ef5b52a1ecc820e308aa342721aac0943bf6686b64b2579376504ccc493d97e" +
        "6aed3fb0f9cd71a43dd497f01f17c0e2cb3797aa2a2f256656168e6c496afc5f" +
        "b93246f6b1116398a346f1a641f3b041e989f7914f90cc2c7fff357876e506b5" +
        "0d334ba77c225bc307ba537152f3f1610e4eafe595f6d9d90d11faa933a15ef1" +
        "369546868a7f3a45a96768d40fd9d03412c091c6315cf4fde7cb68606937380d" +
        "b2eaaa707b4c4185c32eddcdd306705e4dc1ffc872eeee475a64dfac86aba41c" +
        "0618983f8741c5ef68d3a101e8a3b8cac60c905c15fc910840b94c00a0b9d0";

    private readonly IEd25519Verifier _verifier = new BouncyCastleEd25519();

    [Theory]
    [MemberData(nameof(Vectors))]
    public void The_rfc_signature_verifies_under_the_rfc_public_key(string name, string secret, string publicKey, string message, string signature)
    {
        _ = (name, secret);
        Assert.True(_verifier.Verify(Convert.FromHexString(publicKey), Convert.FromHexString(message), Convert.FromHexString(signature)));
    }

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Signing_reproduces_the_rfc_signature_and_public_key(string name, string secret, string publicKey, string message, string signature)
    {
        _ = name;
        var sk = Convert.FromHexString(secret);
        Assert.Equal(publicKey, Convert.ToHexStringLower(BouncyCastleEd25519.DerivePublicKey(sk)));
        Assert.Equal(signature, Convert.ToHexStringLower(BouncyCastleEd25519.Sign(sk, Convert.FromHexString(message))));
    }

    [Theory]
    [MemberData(nameof(Vectors))]
    public void A_flipped_bit_in_the_signature_the_message_or_the_key_fails(string name, string secret, string publicKey, string message, string signature)
    {
        _ = (name, secret);
        var pk = Convert.FromHexString(publicKey);
        var msg = Convert.FromHexString(message);
        var sig = Convert.FromHexString(signature);
        foreach (var index in new[] { 0, 31, 32, 63 })
        {
            var bad = (byte[])sig.Clone();
            bad[index] ^= 0x01;
            Assert.False(_verifier.Verify(pk, msg, bad));
        }
        if (msg.Length > 0)
        {
            var badMessage = (byte[])msg.Clone();
            badMessage[^1] ^= 0x80;
            Assert.False(_verifier.Verify(pk, badMessage, sig));
        }
        var badKey = (byte[])pk.Clone();
        badKey[5] ^= 0x04;
        Assert.False(_verifier.Verify(badKey, msg, sig));
    }

    [Fact]
    public void The_vector_messages_are_what_the_rfc_describes()
    {
        Assert.Equal(1023, Convert.FromHexString(Test1024Message).Length);
        var shaAbc = Vectors.Single(v => (string)v[0] == "TEST SHA(abc)");
        Assert.Equal(SHA512.HashData("abc"u8), Convert.FromHexString((string)shaAbc[3]));
    }

    [Fact]
    public void A_signature_with_s_not_below_the_group_order_is_refused()
    {
        // RFC 8032 5.1.7: S must be in [0, L). Adding L to S of TEST 1 gives the same point equation but must fail.
        var pk = Convert.FromHexString("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
        var sig = Convert.FromHexString("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155" +
                                        "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b");
        var order = System.Numerics.BigInteger.Parse("7237005577332262213973186563042994240857116359379907606001950938285454250989");
        var s = new System.Numerics.BigInteger(sig.AsSpan(32), isUnsigned: true, isBigEndian: false);
        var malleable = (s + order).ToByteArray(isUnsigned: true, isBigEndian: false);
        Assert.Equal(32, malleable.Length);
        var forged = sig[..32].Concat(malleable).ToArray();
        Assert.True(_verifier.Verify(pk, [], sig));
        Assert.False(_verifier.Verify(pk, [], forged));
    }

    [Fact]
    public void Malformed_keys_and_signatures_are_false_not_exceptions()
    {
        var pk = Convert.FromHexString("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
        Assert.False(_verifier.Verify(pk, [], new byte[63]));
        Assert.False(_verifier.Verify(pk, [], new byte[65]));
        Assert.False(_verifier.Verify(pk[..31], [], new byte[64]));
        Assert.False(_verifier.Verify(new byte[32], "x"u8, new byte[64]));
    }
}

/// <summary>Small-order points: refused by the seam even though BouncyCastle alone accepts forgeries with them.</summary>
public sealed class Ed25519SmallOrderTests
{
    private static readonly System.Numerics.BigInteger P = System.Numerics.BigInteger.Pow(2, 255) - 19;

    [Fact]
    public void Bouncy_castle_alone_accepts_a_forgery_with_the_all_zero_key_which_the_seam_refuses()
    {
        // With A = R = the order-4 point encoded as zeros and S = 0, verification holds whenever the challenge hash is
        // 3 mod 4: about one message in four. Find such messages and show the library alone takes them.
        var zeroKey = new byte[32];
        var zeroSignature = new byte[64];
        var forged = Enumerable.Range(0, 64).Select(i => System.Text.Encoding.UTF8.GetBytes($"message {i}"))
            .Where(m => Org.BouncyCastle.Math.EC.Rfc8032.Ed25519.Verify(zeroSignature, 0, zeroKey, 0, m, 0, m.Length))
            .ToList();
        Assert.NotEmpty(forged);
        Assert.All(forged, m => Assert.False(new BouncyCastleEd25519().Verify(zeroKey, m, zeroSignature)));
    }

    [Fact]
    public void Every_blocked_encoding_is_a_point_of_order_dividing_8()
    {
        // Independent check of the list: y mod p is 0, 1 or -1 (orders 4, 1, 2) or a root of d·y⁴ + 2y² − 1 (order 8),
        // which is what 2P = (±√−1, 0) works out to on −x² + y² = 1 + d·x²·y².
        var d = Mod(-121665 * System.Numerics.BigInteger.ModPow(121666, P - 2, P));
        var blocked = 0;
        for (var y = System.Numerics.BigInteger.Zero; y < 20; y++) Check(y);
        Check(P - 1);
        foreach (var hex in new[] { "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05", "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a" })
        {
            var y = new System.Numerics.BigInteger(Convert.FromHexString(hex), isUnsigned: true);
            Assert.Equal(0, Mod(d * y * y * y * y + 2 * y * y - 1).Sign);
            Assert.True(BouncyCastleEd25519.HasSmallOrder(Convert.FromHexString(hex)));
            blocked++;
        }
        Assert.Equal(2, blocked);

        void Check(System.Numerics.BigInteger y)
        {
            var bytes = new byte[32];
            y.TryWriteBytes(bytes, out _, isUnsigned: true);
            var smallOrder = y.IsZero || y.IsOne || y == P - 1;
            Assert.Equal(smallOrder, BouncyCastleEd25519.HasSmallOrder(bytes));
            bytes[31] |= 0x80; // the sign bit does not matter
            Assert.Equal(smallOrder, BouncyCastleEd25519.HasSmallOrder(bytes));
        }
    }

    [Fact]
    public void Non_canonical_encodings_of_small_order_points_are_refused()
    {
        foreach (var y in new[] { P, P + 1 })
        {
            var bytes = new byte[32];
            y.TryWriteBytes(bytes, out _, isUnsigned: true);
            Assert.True(BouncyCastleEd25519.HasSmallOrder(bytes));
        }
    }

    private static System.Numerics.BigInteger Mod(System.Numerics.BigInteger x) => ((x % P) + P) % P;
}
