namespace Hearth.Media;

/// <summary>
/// <c>data:</c> URLs of pictures (RFC 2397, base64 only): how a base portrait reaches Fal when Hearth has no public
/// address, and how a provider may inline a small result.
/// </summary>
public static class DataUrls
{
    /// <summary>A <c>data:{type};base64,…</c> URL of <paramref name="content"/>.</summary>
    public static Uri Encode(string contentType, ReadOnlySpan<byte> content) =>
        new($"data:{contentType};base64,{Convert.ToBase64String(content)}");

    /// <summary>The declared type (null when none) and the bytes; <see cref="MediaRejectedException"/> when it is not a base64 data URL.</summary>
    public static (string? ContentType, byte[] Content) Decode(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        var text = url.OriginalString;
        if (!text.StartsWith("data:", StringComparison.OrdinalIgnoreCase)) throw new MediaRejectedException("Not a data URL.");
        var comma = text.IndexOf(',');
        if (comma < 0) throw new MediaRejectedException("The data URL has no data.");
        var header = text[5..comma];
        var parts = header.Split(';', StringSplitOptions.TrimEntries);
        if (!parts.Contains("base64", StringComparer.OrdinalIgnoreCase)) throw new MediaRejectedException("Only base64 data URLs are accepted for pictures.");
        try
        {
            return (parts[0].Length == 0 ? null : MediaTypes.Normalize(parts[0]), Convert.FromBase64String(text[(comma + 1)..]));
        }
        catch (FormatException)
        {
            throw new MediaRejectedException("The data URL's base64 does not decode.");
        }
    }
}
