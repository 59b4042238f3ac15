using Hearth.Adapters.Fal;
using Hearth.Functions.Pictures;
using Hearth.Media;
using Hearth.Testing.Fakes;
using Microsoft.Extensions.Options;
using NSubstitute;

namespace Hearth.Images.Tests.Pictures;

/// <summary>How a variation hands Fal the base portrait: a signed URL when Hearth is reachable, the picture inline otherwise.</summary>
public sealed class PictureReferencesTests
{
    private const string Owner = "00000000-0000-4000-8000-000000000001";
    private static readonly byte[] Png = TinyPng.Solid(9, 8, 7);
    private readonly MediaItem _portrait = new(Guid.CreateVersion7().ToString("N"), Guid.Parse(Owner), "image/png", Png.Length, "hash", DateTimeOffset.UtcNow);
    private readonly IMediaStore _media = Substitute.For<IMediaStore>();

    public PictureReferencesTests()
    {
        _media.FindAsync(_portrait.Id, Arg.Any<CancellationToken>()).Returns(_portrait);
        _media.OpenAsync(_portrait.Id, Arg.Any<CancellationToken>()).Returns(_ => new MediaContent(_portrait, new MemoryStream(Png)));
    }

    private PictureReferences References(Uri? publicBaseUrl, out MediaUrls urls)
    {
        urls = new MediaUrls(Options.Create(new MediaOptions { Root = "/unused", SigningKey = new string('k', 40) }), Substitute.For<ISecretKeyStore>(), TimeProvider.System);
        return new PictureReferences(_media, urls, Options.Create(new FalOptions { PublicBaseUrl = publicBaseUrl }), Options.Create(new PicturesOptions()));
    }

    private static IImageGenerator Generator(bool placeholder)
    {
        var generator = Substitute.For<IImageGenerator>();
        generator.IsPlaceholder.Returns(placeholder);
        return generator;
    }

    [Fact]
    public async Task With_a_public_base_url_fal_gets_a_signed_expiring_url_that_validates()
    {
        var references = References(new Uri("https://tunnel.example/hearth/"), out var urls);

        var url = await references.ReferenceForAsync(Owner, _portrait.Id, Generator(placeholder: false), CancellationToken.None);

        Assert.Equal("tunnel.example", url.Host);
        Assert.StartsWith($"/hearth/media/{_portrait.Id}?exp=", url.PathAndQuery);
        var query = System.Web.HttpUtility.ParseQueryString(url.Query);
        Assert.Equal(MediaSignatureCheck.Valid, await urls.ValidateAsync(_portrait.Id, query["exp"], query["sig"], CancellationToken.None));
        // It lives past the job's deadline (10 min by default) and not forever.
        var expires = DateTimeOffset.FromUnixTimeSeconds(long.Parse(query["exp"]!));
        Assert.InRange(expires - DateTimeOffset.UtcNow, TimeSpan.FromMinutes(15), TimeSpan.FromMinutes(21));
    }

    [Fact]
    public async Task Without_a_public_base_url_fal_gets_the_portrait_inline_as_a_data_url()
    {
        var references = References(null, out _);

        var url = await references.ReferenceForAsync(Owner, _portrait.Id, Generator(placeholder: false), CancellationToken.None);

        Assert.Equal("data:image/png;base64," + Convert.ToBase64String(Png), url.OriginalString);
        var fal = new FalImageGenerator(null!, Options.Create(new FalOptions()));
        var (_, input) = fal.BuildInput(new ImageRequest("agent", ImageKind.Variation, "at the beach", url));
        Assert.Equal(url.OriginalString, input["image_urls"]![0]!.GetValue<string>());
    }

    [Fact]
    public async Task The_placeholder_gets_a_url_it_never_fetches_and_nothing_is_read()
    {
        var references = References(null, out _);

        var url = await references.ReferenceForAsync(Owner, _portrait.Id, Generator(placeholder: true), CancellationToken.None);

        Assert.Equal("localhost", url.Host);
        await _media.DidNotReceive().OpenAsync(Arg.Any<string>(), Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task A_portrait_that_is_missing_someone_elses_or_too_large_to_inline_is_refused_with_a_reason()
    {
        var references = References(null, out _);
        var huge = _portrait with { Id = Guid.CreateVersion7().ToString("N"), Size = PictureReferences.MaxInlineBytes + 1 };
        _media.FindAsync(huge.Id, Arg.Any<CancellationToken>()).Returns(huge);

        var missing = await Assert.ThrowsAsync<PictureRefusedException>(() => references.ReferenceForAsync(Owner, "0123456789abcdef0123456789abcdef", Generator(false), CancellationToken.None));
        var foreign = await Assert.ThrowsAsync<PictureRefusedException>(() => references.ReferenceForAsync("someone-else", _portrait.Id, Generator(false), CancellationToken.None));
        var tooLarge = await Assert.ThrowsAsync<PictureRefusedException>(() => references.ReferenceForAsync(Owner, huge.Id, Generator(false), CancellationToken.None));

        Assert.Contains("not in the media store", missing.Message);
        Assert.Contains("not in the media store", foreign.Message);
        Assert.Contains("Fal:PublicBaseUrl", tooLarge.Message);
    }
}
