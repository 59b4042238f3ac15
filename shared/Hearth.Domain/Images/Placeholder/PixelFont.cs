namespace Hearth.Images.Placeholder;

/// <summary>
/// A 5×7 bitmap font with just the letters the placeholder label needs. Each glyph is seven rows of five bits,
/// most significant bit on the left.
/// </summary>
internal static class PixelFont
{
    public const int GlyphWidth = 5;
    public const int GlyphHeight = 7;

    private static readonly Dictionary<char, byte[]> Glyphs = new()
    {
        ['A'] = [0b01110, 0b10001, 0b10001, 0b11111, 0b10001, 0b10001, 0b10001],
        ['C'] = [0b01110, 0b10001, 0b10000, 0b10000, 0b10000, 0b10001, 0b01110],
        ['D'] = [0b11110, 0b10001, 0b10001, 0b10001, 0b10001, 0b10001, 0b11110],
        ['E'] = [0b11111, 0b10000, 0b10000, 0b11110, 0b10000, 0b10000, 0b11111],
        ['H'] = [0b10001, 0b10001, 0b10001, 0b11111, 0b10001, 0b10001, 0b10001],
        ['L'] = [0b10000, 0b10000, 0b10000, 0b10000, 0b10000, 0b10000, 0b11111],
        ['O'] = [0b01110, 0b10001, 0b10001, 0b10001, 0b10001, 0b10001, 0b01110],
        ['P'] = [0b11110, 0b10001, 0b10001, 0b11110, 0b10000, 0b10000, 0b10000],
        ['R'] = [0b11110, 0b10001, 0b10001, 0b11110, 0b10100, 0b10010, 0b10001],
        [' '] = [0, 0, 0, 0, 0, 0, 0],
    };

    /// <summary>Width in pixels of <paramref name="text"/> at <paramref name="scale"/>, one blank column between glyphs.</summary>
    public static int Measure(string text, int scale) => text.Length == 0 ? 0 : (text.Length * (GlyphWidth + 1) - 1) * scale;

    /// <summary>True when the pixel (<paramref name="x"/>, <paramref name="y"/>) of the rendered text is ink.</summary>
    public static bool IsInk(string text, int scale, int x, int y)
    {
        if (x < 0 || y < 0 || y >= GlyphHeight * scale) return false;
        var column = x / scale;
        var index = column / (GlyphWidth + 1);
        var within = column % (GlyphWidth + 1);
        if (index >= text.Length || within == GlyphWidth) return false;
        if (!Glyphs.TryGetValue(char.ToUpperInvariant(text[index]), out var rows))
            throw new ArgumentException($"The pixel font has no glyph for '{text[index]}'.", nameof(text));
        return (rows[y / scale] >> (GlyphWidth - 1 - within) & 1) == 1;
    }
}
