namespace Hearth.Media;

/// <summary>A stored picture's metadata. <paramref name="Sha256"/> is lowercase hex of the bytes as stored.</summary>
public sealed record MediaItem(string Id, Guid Owner, string ContentType, long Size, string Sha256, DateTimeOffset CreatedAt);

/// <summary>An opened picture: its metadata and a readable stream of its bytes. Dispose it to close the file.</summary>
public sealed class MediaContent(MediaItem item, Stream content) : IAsyncDisposable, IDisposable
{
    public MediaItem Item { get; } = item;

    public Stream Content { get; } = content;

    public ValueTask DisposeAsync() => Content.DisposeAsync();

    public void Dispose() => Content.Dispose();
}
