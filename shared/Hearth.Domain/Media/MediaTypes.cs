namespace Hearth.Media;

/// <summary>
/// The picture types we keep, and recognition of them by their first bytes ("magic numbers"), so a file is what it
/// claims to be. SVG is left out on purpose: it can carry script, and pictures are served from our own origin.
/// </summary>
public static class MediaTypes
{
    public const string Png = "image/png";
    public const string Jpeg = "image/jpeg";
    public const string Webp = "image/webp";
    public const string Gif = "image/gif";

    /// <summary>Allowed content types.</summary>
    public static IReadOnlySet<string> Allowed { get; } = new HashSet<string>(StringComparer.Ordinal) { Png, Jpeg, Webp, Gif };

    /// <summary>Bytes needed by <see cref="Sniff"/>.</summary>
    public const int SniffLength = 12;

    /// <summary>
    /// Lower-cases a declared content type and drops its parameters (<c>image/PNG; charset=x</c> → <c>image/png</c>);
    /// <c>image/jpg</c> and <c>image/pjpeg</c> become <c>image/jpeg</c>. Null for null or blank.
    /// </summary>
    public static string? Normalize(string? contentType)
    {
        if (string.IsNullOrWhiteSpace(contentType)) return null;
        var semicolon = contentType.IndexOf(';');
        var type = (semicolon >= 0 ? contentType[..semicolon] : contentType).Trim().ToLowerInvariant();
        return type is "image/jpg" or "image/pjpeg" ? Jpeg : type;
    }

    /// <summary>The allowed type the bytes start like, or null when they are none of them.</summary>
    public static string? Sniff(ReadOnlySpan<byte> head)
    {
        if (head.StartsWith((ReadOnlySpan<byte>)[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])) return Png;
        if (head.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF])) return Jpeg;
        if (head.StartsWith("GIF87a"u8) || head.StartsWith("GIF89a"u8)) return Gif;
        if (head.Length >= 12 && head.StartsWith("RIFF"u8) && head[8..12].SequenceEqual("WEBP"u8)) return Webp;
        return null;
    }

    /// <summary>A short human name for error messages.</summary>
    public static string Describe(string? contentType) => contentType switch
    {
        Png => "PNG",
        Jpeg => "JPEG",
        Webp => "WebP",
        Gif => "GIF",
        null => "unknown",
        _ => contentType,
    };
}
