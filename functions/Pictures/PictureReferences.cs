using Hearth.Adapters.Fal;
using Hearth.Images;
using Hearth.Media;
using Microsoft.Extensions.Options;

namespace Hearth.Functions.Pictures;

/// <summary>
/// The base portrait as the image provider can read it, for variations: a signed, expiring media URL under
/// <c>Fal:PublicBaseUrl</c> when Hearth is reachable; otherwise the picture itself as a data URL (Fal accepts them), up to
/// <see cref="MaxInlineBytes"/>. The placeholder painter reads no reference, so it gets a signed URL that is never fetched.
/// </summary>
public sealed class PictureReferences(IMediaStore media, MediaUrls urls, IOptions<FalOptions> fal, IOptions<PicturesOptions> pictures)
{
    /// <summary>Largest base portrait sent inline (Fal's request bodies stay well under its limits).</summary>
    public const long MaxInlineBytes = 8 * 1024 * 1024;

    private static readonly Uri NowhereBase = new("http://localhost");

    /// <summary>The reference URL of <paramref name="mediaId"/>, a picture of <paramref name="owner"/>.</summary>
    public async Task<Uri> ReferenceForAsync(string owner, string mediaId, IImageGenerator generator, CancellationToken ct)
    {
        var item = await media.FindAsync(mediaId, ct);
        if (item is null || item.Owner.ToString() != owner)
            throw new PictureRefusedException("The agent's base portrait is not in the media store; regenerate the portrait first.");

        // Long enough for the provider to fetch it at any point before the job's deadline.
        var lifetime = pictures.Value.Deadline + TimeSpan.FromMinutes(10);
        if (lifetime > MediaUrlSigner.MaxLifetime) lifetime = MediaUrlSigner.MaxLifetime;
        if (fal.Value.PublicBaseUrl is { } publicBase) return await urls.CreateUrlAsync(publicBase, mediaId, lifetime, ct);
        if (generator.IsPlaceholder) return await urls.CreateUrlAsync(NowhereBase, mediaId, lifetime, ct);

        if (item.Size > MaxInlineBytes)
            throw new PictureRefusedException(
                $"The base portrait is {item.Size} bytes, too large to send inline (at most {MaxInlineBytes}); set Fal:PublicBaseUrl so Fal can fetch it.");
        await using var content = await media.OpenAsync(mediaId, ct)
            ?? throw new PictureRefusedException("The agent's base portrait is missing from the media store; regenerate the portrait first.");
        using var buffer = new MemoryStream((int)item.Size);
        await content.Content.CopyToAsync(buffer, ct);
        return DataUrls.Encode(item.ContentType, buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
    }
}
