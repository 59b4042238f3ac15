namespace Hearth.Media;

/// <summary>
/// Where pictures live. Writes are all-or-nothing: a picture is either fully stored with its metadata or not at all.
/// Content is checked on the way in: an allowed image type (<see cref="MediaTypes.Allowed"/>), bytes that really are
/// that type, and at most <see cref="MediaOptions.MaxBytes"/>; anything else throws <see cref="MediaRejectedException"/>.
/// </summary>
public interface IMediaStore
{
    /// <summary>
    /// Stores <paramref name="content"/> for <paramref name="owner"/>. <paramref name="contentType"/> is the declared type;
    /// null means "whatever the bytes are", as long as that is an allowed image type.
    /// </summary>
    Task<MediaItem> PutAsync(Guid owner, Stream content, string? contentType, CancellationToken ct);

    /// <summary>Metadata of a picture, or null when there is none with that id.</summary>
    Task<MediaItem?> FindAsync(string id, CancellationToken ct);

    /// <summary>
    /// Opens a picture without an ownership check: only after the caller has been authorised another way
    /// (a valid signed URL, <see cref="MediaUrlSigner.ValidateSignature"/>). Null when missing.
    /// </summary>
    Task<MediaContent?> OpenAsync(string id, CancellationToken ct);

    /// <summary>Opens a picture that belongs to <paramref name="owner"/>; null when missing or someone else's (indistinguishable on purpose).</summary>
    Task<MediaContent?> OpenOwnedAsync(string id, Guid owner, CancellationToken ct);

    /// <summary>Deletes a picture of <paramref name="owner"/>; false when missing or someone else's.</summary>
    Task<bool> DeleteAsync(string id, Guid owner, CancellationToken ct);

    /// <summary>Deletes every picture of <paramref name="owner"/> (account deletion); returns how many.</summary>
    Task<int> DeleteAllAsync(Guid owner, CancellationToken ct);
}
