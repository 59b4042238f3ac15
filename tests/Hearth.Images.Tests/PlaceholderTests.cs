using Hearth.Images.Placeholder;

namespace Hearth.Images.Tests;

public sealed class PlaceholderTests
{
    [Fact]
    public void The_same_agent_kind_and_prompt_give_the_same_bytes()
    {
        var a = PlaceholderPainter.Paint("agent-1", ImageKind.BasePortrait, "auburn hair, green eyes");
        var b = PlaceholderPainter.Paint("agent-1", ImageKind.BasePortrait, "auburn hair, green eyes");
        Assert.Equal(a, b);
    }

    [Fact]
    public void A_different_prompt_kind_or_agent_gives_a_different_picture()
    {
        var baseline = PngReader.Read(PlaceholderPainter.Paint("agent-1", ImageKind.Variation, "at the beach")).Rgb;
        Assert.NotEqual(baseline, PngReader.Read(PlaceholderPainter.Paint("agent-1", ImageKind.Variation, "in the mountains")).Rgb);
        Assert.NotEqual(baseline, PngReader.Read(PlaceholderPainter.Paint("agent-1", ImageKind.BasePortrait, "at the beach")).Rgb);
        Assert.NotEqual(baseline, PngReader.Read(PlaceholderPainter.Paint("agent-2", ImageKind.Variation, "at the beach")).Rgb);
    }

    [Fact]
    public void It_is_a_valid_png_of_the_announced_size_with_correct_checksums()
    {
        var png = PngReader.Read(PlaceholderPainter.Paint("agent-1", ImageKind.BasePortrait, "x"));
        Assert.Equal((PlaceholderPainter.Width, PlaceholderPainter.Height), (png.Width, png.Height));
        Assert.Contains(png.Chunks, c => c.Type == "IDAT");
    }

    [Fact]
    public void It_says_it_is_a_placeholder_in_its_metadata()
    {
        var png = PngReader.Read(PlaceholderPainter.Paint("agent-1", ImageKind.BasePortrait, "x"));
        Assert.Equal("Placeholder picture", png.Text["Title"]);
        Assert.Contains("no image provider", png.Text["Comment"]);
    }

    [Fact]
    public void The_label_is_drawn_light_on_a_dark_pill_at_the_bottom()
    {
        var png = PngReader.Read(PlaceholderPainter.Paint("agent-1", ImageKind.BasePortrait, "x"));
        var band = Enumerable.Range(png.Height - 40, 24).SelectMany(y => Enumerable.Range(png.Width / 2 - 66, 132).Select(x => png.Pixel(x, y))).ToList();
        var ink = band.Count(p => p.R > 200 && p.G > 200 && p.B > 200);
        // "PLACEHOLDER" at scale 2 has a few hundred ink pixels; the band around them is mostly dark pill.
        Assert.InRange(ink, 300, 1200);
        Assert.True(band.Count(p => p.R + p.G + p.B < 300) > band.Count / 3);
        // Nowhere else is the picture that bright: the label is the only white text.
        var top = Enumerable.Range(0, png.Height / 2).SelectMany(y => Enumerable.Range(0, png.Width).Select(x => png.Pixel(x, y)));
        Assert.DoesNotContain(top, p => p.R > 245 && p.G > 245 && p.B > 245);
    }

    [Fact]
    public void The_figure_stands_out_from_the_background()
    {
        var png = PngReader.Read(PlaceholderPainter.Paint("agent-7", ImageKind.BasePortrait, "x"));
        static int Luma((byte R, byte G, byte B) p) => (p.R * 299 + p.G * 587 + p.B * 114) / 1000;
        var head = Luma(png.Pixel(png.Width / 2, (int)(png.Height * 0.40)));
        var corner = Luma(png.Pixel(10, 10));
        Assert.True(corner - head > 60, $"head {head}, corner {corner}");
    }

    [Fact]
    public async Task The_placeholder_generator_completes_at_once_and_paints_the_same_picture_again_for_the_result()
    {
        var generator = new PlaceholderImageGenerator();
        var request = new ImageRequest("agent-1", ImageKind.Variation, "in a café", new Uri("https://h.example/media/x"));
        var submission = await generator.SubmitAsync(request, webhookUrl: null, CancellationToken.None);

        Assert.True(submission.CompletedAtSubmit);
        Assert.True(generator.IsPlaceholder);
        Assert.False(generator.UsesWebhooks);
        Assert.Equal(submission.RequestId, (await generator.SubmitAsync(request, null, CancellationToken.None)).RequestId);
        Assert.Equal(ImageJobState.Completed, (await generator.GetStatusAsync(submission, CancellationToken.None)).State);

        var outcome = await generator.GetResultAsync(submission, CancellationToken.None);
        var image = Assert.Single(outcome.Images);
        Assert.Equal(ImageJobOutcomeKind.Succeeded, outcome.Kind);
        Assert.Equal("image/png", image.ContentType);
        Assert.Equal(PlaceholderPainter.Paint("agent-1", ImageKind.Variation, "in a café"), image.Content);
        Assert.Null(image.Url);
    }

    [Fact]
    public void The_encoder_round_trips_arbitrary_pixels()
    {
        var random = new Random(7);
        var rgb = new byte[37 * 11 * 3];
        random.NextBytes(rgb);
        var png = PngReader.Read(PngEncoder.EncodeRgb(37, 11, rgb, [new("Comment", "café ok")]));
        Assert.Equal(rgb, png.Rgb);
        Assert.Equal("café ok", png.Text["Comment"]);
    }

    [Fact]
    public void The_encoder_refuses_inconsistent_input()
    {
        Assert.Throws<ArgumentException>(() => PngEncoder.EncodeRgb(2, 2, new byte[11]));
        Assert.Throws<ArgumentOutOfRangeException>(() => PngEncoder.EncodeRgb(0, 2, []));
        Assert.Throws<ArgumentException>(() => PngEncoder.EncodeRgb(1, 1, new byte[3], [new("", "x")]));
    }
}
