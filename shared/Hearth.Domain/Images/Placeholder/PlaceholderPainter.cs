using System.Security.Cryptography;
using System.Text;

namespace Hearth.Images.Placeholder;

/// <summary>
/// Paints a stand-in portrait when no image provider is configured: a soft gradient with out-of-focus light, a calm
/// head-and-shoulders silhouette, and a "PLACEHOLDER" label in a pill at the bottom. Colours come from the agent id
/// (so an agent's pictures belong together); light, hue shift and pose come from the prompt and kind (so each request
/// looks different). Deterministic: the same agent, kind and prompt give the same pixels, and the same bytes for a
/// given runtime. PNG, because every &lt;img&gt; and chat client shows it and it cannot carry script (unlike SVG).
/// </summary>
public static class PlaceholderPainter
{
    public const int Width = 384;
    public const int Height = 512;
    public const string Label = "PLACEHOLDER";
    public const string ContentType = "image/png";

    private const int LabelScale = 2;

    // 4×4 ordered dither, so the gentle gradients do not band when rounded to 8 bits.
    private static readonly float[] Bayer =
    [
        0, 8, 2, 10,
        12, 4, 14, 6,
        3, 11, 1, 9,
        15, 7, 13, 5,
    ];

    /// <summary>The PNG for one request.</summary>
    public static byte[] Paint(string agentId, ImageKind kind, string prompt)
    {
        ArgumentNullException.ThrowIfNull(agentId);
        ArgumentNullException.ThrowIfNull(prompt);
        var agent = SHA256.HashData(Encoding.UTF8.GetBytes("agent\n" + agentId));
        var scene = SHA256.HashData(Encoding.UTF8.GetBytes($"scene\n{kind}\n{agentId}\n{prompt}"));
        var style = Style.From(agent, scene, kind);
        var rgb = new byte[Width * Height * 3];
        Render(style, rgb);
        return PngEncoder.EncodeRgb(Width, Height, rgb,
        [
            new("Title", "Placeholder picture"),
            new("Software", "Hearth placeholder painter"),
            new("Comment", "A stand-in drawn because no image provider (Fal key) is configured."),
        ]);
    }

    private static void Render(Style s, byte[] rgb)
    {
        var labelWidth = PixelFont.Measure(Label, LabelScale);
        var labelHeight = PixelFont.GlyphHeight * LabelScale;
        var pillHalfWidth = labelWidth / 2f + 12;
        var pillHalfHeight = labelHeight / 2f + 6;
        var pillCenterX = Width / 2f;
        var pillCenterY = Height - 28f;
        var labelLeft = (int)MathF.Round(pillCenterX - labelWidth / 2f);
        var labelTop = (int)MathF.Round(pillCenterY - labelHeight / 2f);

        for (var y = 0; y < Height; y++)
        {
            for (var x = 0; x < Width; x++)
            {
                float px = x + 0.5f, py = y + 0.5f;

                // Background: a diagonal gradient between two tones of the agent's hue.
                var t = Math.Clamp(0.8f * py / Height + 0.2f * px / Width, 0f, 1f);
                var c = Color.Lerp(s.Top, s.Bottom, Smooth(t));

                // Out-of-focus light: soft discs that fade towards their rims.
                foreach (var disc in s.Discs) // an array: no enumerator per pixel
                {
                    var d = MathF.Sqrt((px - disc.X) * (px - disc.X) + (py - disc.Y) * (py - disc.Y));
                    var a = disc.Alpha * (1f - SmoothStep(disc.Radius * 0.55f, disc.Radius, d));
                    if (a > 0) c = Color.Lerp(c, disc.Color, a);
                }

                // Figure: head and shoulders joined by a smooth union of their distance fields.
                var head = EllipseDistance(px - s.FigureX, py - s.HeadY, s.HeadRadius, s.HeadRadius * 1.18f);
                var neck = RoundedBoxDistance(px - s.FigureX, py - (s.HeadY + s.HeadRadius * 1.3f), s.HeadRadius * 0.42f, s.HeadRadius * 0.95f, s.HeadRadius * 0.3f);
                var shoulders = RoundedBoxDistance(px - s.FigureX, py - s.ShoulderY, s.ShoulderRx, s.ShoulderRy, s.ShoulderRx * 0.42f);
                var figure = SmoothMin(SmoothMin(head, neck, 10f), shoulders, 36f);
                var coverage = Math.Clamp(0.5f - figure, 0f, 1f);
                if (coverage > 0)
                {
                    var shade = Color.Lerp(s.FigureTop, s.FigureBottom, Math.Clamp((py - (s.HeadY - s.HeadRadius)) / (Height - s.HeadY + s.HeadRadius), 0f, 1f));
                    c = Color.Lerp(c, shade, 0.9f * coverage);
                }
                // A faint rim of light just outside the figure.
                var rim = 1f - SmoothStep(0f, 10f, MathF.Abs(figure));
                if (rim > 0) c = Color.Lerp(c, s.Rim, 0.25f * rim);

                // Vignette.
                var vx = (px / Width - 0.5f) * 2f;
                var vy = (py / Height - 0.5f) * 2f;
                c = c.Scale(1f - 0.18f * SmoothStep(0.6f, 1.6f, vx * vx + vy * vy));

                // Label: a dark translucent pill with light pixel text.
                var pill = RoundedBoxDistance(px - pillCenterX, py - pillCenterY, pillHalfWidth, pillHalfHeight, pillHalfHeight);
                var pillCoverage = Math.Clamp(0.5f - pill, 0f, 1f);
                if (pillCoverage > 0)
                {
                    c = Color.Lerp(c, new Color(0.08f, 0.08f, 0.10f), 0.45f * pillCoverage);
                    if (PixelFont.IsInk(Label, LabelScale, x - labelLeft, y - labelTop))
                        c = Color.Lerp(c, new Color(0.97f, 0.97f, 0.97f), 0.95f);
                }

                var dither = (Bayer[(y & 3) * 4 + (x & 3)] + 0.5f) / 16f - 0.5f;
                var offset = (y * Width + x) * 3;
                rgb[offset] = Quantize(c.R, dither);
                rgb[offset + 1] = Quantize(c.G, dither);
                rgb[offset + 2] = Quantize(c.B, dither);
            }
        }
    }

    private static byte Quantize(float value, float dither) => (byte)Math.Clamp((int)MathF.Round(value * 255f + dither), 0, 255);

    private static float Length(float x, float y) => MathF.Sqrt(x * x + y * y);

    private static float Smooth(float t) => t * t * (3f - 2f * t);

    private static float SmoothStep(float edge0, float edge1, float x) => Smooth(Math.Clamp((x - edge0) / (edge1 - edge0), 0f, 1f));

    private static float SmoothMin(float a, float b, float k)
    {
        var h = Math.Clamp(0.5f + 0.5f * (b - a) / k, 0f, 1f);
        return b + (a - b) * h - k * h * (1f - h);
    }

    // Approximate signed distance to an ellipse: good enough for anti-aliased edges of a soft shape.
    private static float EllipseDistance(float x, float y, float rx, float ry)
    {
        var k = Length(x / rx, y / ry);
        return (k - 1f) * MathF.Min(rx, ry);
    }

    private static float RoundedBoxDistance(float x, float y, float halfWidth, float halfHeight, float radius)
    {
        var qx = MathF.Abs(x) - halfWidth + radius;
        var qy = MathF.Abs(y) - halfHeight + radius;
        return Length(MathF.Max(qx, 0f), MathF.Max(qy, 0f)) + MathF.Min(MathF.Max(qx, qy), 0f) - radius;
    }

    private readonly record struct Color(float R, float G, float B)
    {
        public static Color Lerp(Color a, Color b, float t) => new(a.R + (b.R - a.R) * t, a.G + (b.G - a.G) * t, a.B + (b.B - a.B) * t);

        public Color Scale(float f) => new(R * f, G * f, B * f);

        /// <summary>HSL to RGB; hue in degrees.</summary>
        public static Color FromHsl(float hue, float saturation, float lightness)
        {
            hue = ((hue % 360f) + 360f) % 360f;
            var chroma = (1f - MathF.Abs(2f * lightness - 1f)) * saturation;
            var x = chroma * (1f - MathF.Abs(hue / 60f % 2f - 1f));
            var m = lightness - chroma / 2f;
            var (r, g, b) = (int)(hue / 60f) switch
            {
                0 => (chroma, x, 0f),
                1 => (x, chroma, 0f),
                2 => (0f, chroma, x),
                3 => (0f, x, chroma),
                4 => (x, 0f, chroma),
                _ => (chroma, 0f, x),
            };
            return new Color(r + m, g + m, b + m);
        }
    }

    private sealed record Disc(float X, float Y, float Radius, float Alpha, Color Color);

    private sealed record Style(
        Color Top, Color Bottom, Color FigureTop, Color FigureBottom, Color Rim, Disc[] Discs,
        float FigureX, float HeadY, float HeadRadius, float ShoulderY, float ShoulderRx, float ShoulderRy)
    {
        public static Style From(byte[] agent, byte[] scene, ImageKind kind)
        {
            float Unit(byte[] bytes, int i) => bytes[i % bytes.Length] / 255f;
            // The agent fixes the hue family; the scene nudges it so pictures of one agent differ but belong together.
            var hue = (agent[0] << 8 | agent[1]) / 65536f * 360f + (Unit(scene, 0) - 0.5f) * 50f;
            var warmth = 25f + 30f * Unit(agent, 2);
            var top = Color.FromHsl(hue, 0.50f + 0.15f * Unit(agent, 3), 0.82f);
            var bottom = Color.FromHsl(hue + warmth, 0.45f + 0.15f * Unit(agent, 4), 0.58f);
            // The figure is a deep tone of a neighbouring hue: it stands out without clashing.
            var figureHue = hue + warmth + 15f + 30f * Unit(agent, 5);
            var figureTop = Color.FromHsl(figureHue, 0.30f, 0.36f);
            var figureBottom = Color.FromHsl(figureHue + 10f, 0.34f, 0.22f);
            var rim = Color.FromHsl(hue + warmth / 2f, 0.7f, 0.92f);

            var discs = new List<Disc>();
            var count = 7 + scene[1] % 5;
            for (var i = 0; i < count; i++)
            {
                var b = 2 + i * 4;
                discs.Add(new Disc(
                    X: Unit(scene, b) * Width,
                    Y: Unit(scene, b + 1) * Height * 0.8f,
                    Radius: (0.06f + 0.18f * Unit(scene, b + 2)) * Width,
                    Alpha: 0.16f + 0.22f * Unit(scene, b + 3),
                    Color: Color.FromHsl(hue + (Unit(scene, b + 2) - 0.5f) * 90f, 0.65f, 0.88f)));
            }

            // Base portraits face the camera, centred; variations shift the pose a little, by prompt.
            var shift = kind == ImageKind.Variation ? (Unit(scene, 30) - 0.5f) * 0.16f * Width : 0f;
            var figureX = Width / 2f + shift;
            var headRadius = (0.145f + 0.02f * Unit(agent, 6)) * Width;
            var headY = Height * (0.40f + (kind == ImageKind.Variation ? (Unit(scene, 31) - 0.5f) * 0.05f : 0f));
            return new Style(top, bottom, figureTop, figureBottom, rim, discs.ToArray(),
                figureX, headY, headRadius, ShoulderY: Height * 0.92f, ShoulderRx: Width * (0.38f + 0.04f * Unit(agent, 7)), ShoulderRy: Height * 0.28f);
        }
    }
}
