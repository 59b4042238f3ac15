using System.Text;
using System.Web;
using Hearth.Media;

namespace Hearth.Images.Tests;

public sealed class MediaUrlSignerTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly MediaUrlSigner Signer = new(Encoding.UTF8.GetBytes(new string('k', 32)));
    private const string Id = "0190f0aa0b1c7d2e8f90a1b2c3d4e5f6";

    private static (string Exp, string Sig) Query(string path)
    {
        var query = HttpUtility.ParseQueryString(path[(path.IndexOf('?') + 1)..]);
        return (query["exp"]!, query["sig"]!);
    }

    [Fact]
    public void A_signed_url_is_valid_until_it_expires()
    {
        var path = Signer.CreatePath(Id, Now.AddMinutes(10));
        Assert.StartsWith($"/media/{Id}?exp=", path);
        var (exp, sig) = Query(path);

        Assert.Equal(MediaSignatureCheck.Valid, Signer.ValidateSignature(Id, exp, sig, Now));
        Assert.Equal(MediaSignatureCheck.Valid, Signer.ValidateSignature(Id, exp, sig, Now.AddMinutes(10).AddSeconds(-1)));
        Assert.Equal(MediaSignatureCheck.Expired, Signer.ValidateSignature(Id, exp, sig, Now.AddMinutes(10)));
    }

    [Fact]
    public void A_tampered_id_expiry_or_signature_is_invalid()
    {
        var (exp, sig) = Query(Signer.CreatePath(Id, Now.AddMinutes(10)));
        var otherId = "1" + Id[1..];
        var later = (long.Parse(exp) + 3600).ToString();
        var flipped = (sig[0] == 'A' ? "B" : "A") + sig[1..];

        Assert.Equal(MediaSignatureCheck.Invalid, Signer.ValidateSignature(otherId, exp, sig, Now));
        Assert.Equal(MediaSignatureCheck.Invalid, Signer.ValidateSignature(Id, later, sig, Now));
        Assert.Equal(MediaSignatureCheck.Invalid, Signer.ValidateSignature(Id, exp, flipped, Now));
    }

    [Fact]
    public void A_url_signed_with_another_key_is_invalid()
    {
        var other = new MediaUrlSigner(Encoding.UTF8.GetBytes(new string('o', 32)));
        var (exp, sig) = Query(other.CreatePath(Id, Now.AddMinutes(10)));
        Assert.Equal(MediaSignatureCheck.Invalid, Signer.ValidateSignature(Id, exp, sig, Now));
    }

    [Theory]
    [InlineData(null, "1", "x")]
    [InlineData(Id, null, "x")]
    [InlineData(Id, "1", null)]
    [InlineData(Id, "-5", "AAAA")]
    [InlineData(Id, "12abc", "AAAA")]
    [InlineData(Id, "99999999999999999999", "AAAA")]
    [InlineData(Id, "1", "!!!not base64!!!")]
    public void Missing_or_malformed_parameters_are_invalid(string? id, string? exp, string? sig) =>
        Assert.Equal(MediaSignatureCheck.Invalid, Signer.ValidateSignature(id, exp, sig, Now));

    [Theory]
    [InlineData("https://hearth.example", "https://hearth.example/media/")]
    [InlineData("https://hearth.example/", "https://hearth.example/media/")]
    [InlineData("https://tunnel.example/base/", "https://tunnel.example/base/media/")]
    public void Absolute_urls_sit_under_the_public_base(string publicBase, string expectedPrefix)
    {
        var url = Signer.CreateUrl(new Uri(publicBase), Id, Now.AddMinutes(1));
        Assert.StartsWith(expectedPrefix + Id + "?exp=", url.AbsoluteUri);
    }

    [Fact]
    public void A_short_key_is_refused() => Assert.Throws<ArgumentException>(() => new MediaUrlSigner(new byte[16]));

    [Fact]
    public async Task Without_a_configured_key_every_replica_signs_with_the_same_generated_key()
    {
        await using var kit = await MediaTestKit.StartAsync();
        var replicaA = kit.Urls();
        var replicaB = new MediaUrls(Microsoft.Extensions.Options.Options.Create(new MediaOptions { Root = kit.Root }), new PostgresSecretKeyStore(kit.Db), kit.Clock);

        var path = await replicaA.CreatePathAsync(Id, TimeSpan.FromMinutes(5), CancellationToken.None);
        var (exp, sig) = Query(path);

        Assert.Equal(MediaSignatureCheck.Valid, await replicaB.ValidateAsync(Id, exp, sig, CancellationToken.None));
        kit.Clock.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(MediaSignatureCheck.Expired, await replicaB.ValidateAsync(Id, exp, sig, CancellationToken.None));
    }

    [Fact]
    public async Task A_configured_key_is_used_instead_of_a_generated_one()
    {
        await using var kit = await MediaTestKit.StartAsync();
        var configured = kit.Urls(new string('c', 40));
        var generated = kit.Urls();

        var (exp, sig) = Query(await configured.CreatePathAsync(Id, null, CancellationToken.None));

        Assert.Equal(MediaSignatureCheck.Valid, await configured.ValidateAsync(Id, exp, sig, CancellationToken.None));
        Assert.Equal(MediaSignatureCheck.Invalid, await generated.ValidateAsync(Id, exp, sig, CancellationToken.None));
        var expected = new MediaUrlSigner(Encoding.UTF8.GetBytes(new string('c', 40))).CreatePath(Id, kit.Clock.Now + TimeSpan.FromHours(1));
        Assert.Equal(expected, await configured.CreatePathAsync(Id, null, CancellationToken.None));
    }

    [Fact]
    public async Task A_lifetime_beyond_seven_days_is_refused()
    {
        await using var kit = await MediaTestKit.StartAsync();
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => kit.Urls().CreatePathAsync(Id, TimeSpan.FromDays(8), CancellationToken.None));
    }

    [Fact]
    public async Task Concurrent_first_uses_of_a_secret_agree_on_one_key()
    {
        await using var kit = await MediaTestKit.StartAsync();
        var keys = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => new PostgresSecretKeyStore(kit.Db).GetOrCreateAsync("shared", CancellationToken.None)));
        Assert.All(keys, k => Assert.Equal(keys[0], k));
        Assert.Equal(32, keys[0].Length);
        Assert.NotEqual(keys[0], await kit.Secrets.GetOrCreateAsync("another", CancellationToken.None));
    }
}
