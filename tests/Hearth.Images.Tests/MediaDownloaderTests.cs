using Hearth.Media;
using Hearth.Testing.Fakes;
using Microsoft.Extensions.Logging.Abstractions;

namespace Hearth.Images.Tests;

public sealed class MediaDownloaderTests
{
    private static MediaDownloader Downloader(MediaTestKit kit) =>
        new(new HttpClient(), kit.Store, Microsoft.Extensions.Options.Options.Create(kit.Options), NullLogger<MediaDownloader>.Instance);

    private static Uri File(FakeFalServer fake) => new(fake.BaseUrl, "/files/req-1/0.png");

    [Fact]
    public async Task A_result_image_is_copied_into_the_store()
    {
        await using var fake = await FakeFalServer.StartAsync();
        await using var kit = await MediaTestKit.StartAsync();

        var item = await Downloader(kit).DownloadAsync(MediaStoreTests.User1, File(fake), CancellationToken.None);

        Assert.Equal((MediaStoreTests.User1, "image/png"), (item.Owner, item.ContentType));
        await using var opened = await kit.Store.OpenOwnedAsync(item.Id, MediaStoreTests.User1, CancellationToken.None);
        using var copy = new MemoryStream();
        await opened!.Content.CopyToAsync(copy);
        using var http = new HttpClient();
        Assert.Equal(await http.GetByteArrayAsync(File(fake)), copy.ToArray());
    }

    [Fact]
    public async Task A_page_that_is_not_a_picture_is_rejected()
    {
        await using var fake = await FakeFalServer.StartAsync();
        await using var kit = await MediaTestKit.StartAsync();
        fake.Behavior.FileContentType = "text/html";

        var error = await Assert.ThrowsAsync<MediaRejectedException>(() => Downloader(kit).DownloadAsync(MediaStoreTests.U, File(fake), CancellationToken.None));
        Assert.Contains("text/html", error.Message);
        Assert.Equal(0, await kit.RowCountAsync());
    }

    [Fact]
    public async Task Bytes_that_contradict_the_announced_type_are_rejected()
    {
        await using var fake = await FakeFalServer.StartAsync();
        await using var kit = await MediaTestKit.StartAsync();
        fake.Behavior.FileBytes = SampleImages.Jpeg;

        var error = await Assert.ThrowsAsync<MediaRejectedException>(() => Downloader(kit).DownloadAsync(MediaStoreTests.U, File(fake), CancellationToken.None));
        Assert.Contains("declared PNG but its bytes are JPEG", error.Message);
    }

    [Fact]
    public async Task An_octet_stream_is_stored_as_what_its_bytes_are()
    {
        await using var fake = await FakeFalServer.StartAsync();
        await using var kit = await MediaTestKit.StartAsync();
        fake.Behavior.FileContentType = "application/octet-stream";
        fake.Behavior.FileBytes = SampleImages.Webp;

        Assert.Equal("image/webp", (await Downloader(kit).DownloadAsync(MediaStoreTests.U, File(fake), CancellationToken.None)).ContentType);
    }

    [Fact]
    public async Task A_picture_announced_as_too_large_is_refused_before_reading_it()
    {
        await using var fake = await FakeFalServer.StartAsync();
        await using var kit = await MediaTestKit.StartAsync(o => o.MaxBytes = 2048);
        fake.Behavior.FileBytes = SampleImages.Png.Concat(new byte[4000]).ToArray();

        var error = await Assert.ThrowsAsync<MediaRejectedException>(() => Downloader(kit).DownloadAsync(MediaStoreTests.U, File(fake), CancellationToken.None));
        Assert.Contains("2048", error.Message);
    }

    [Theory]
    [InlineData(404, false)]
    [InlineData(410, false)]
    [InlineData(403, false)]
    [InlineData(429, true)]
    [InlineData(500, true)]
    [InlineData(503, true)]
    public async Task Error_answers_are_classified_for_retry(int status, bool retryable)
    {
        await using var fake = await FakeFalServer.StartAsync();
        await using var kit = await MediaTestKit.StartAsync();
        fake.Behavior.FileStatusCode = status;

        var error = await Assert.ThrowsAsync<MediaDownloadException>(() => Downloader(kit).DownloadAsync(MediaStoreTests.U, File(fake), CancellationToken.None));
        Assert.Equal((retryable, status), (error.IsRetryable, error.StatusCode));
    }

    [Fact]
    public async Task A_download_that_hangs_times_out_as_retryable()
    {
        await using var fake = await FakeFalServer.StartAsync();
        await using var kit = await MediaTestKit.StartAsync(o => o.DownloadTimeout = TimeSpan.FromMilliseconds(300));
        fake.Behavior.Hang = FakeFalEndpoint.Files;

        var error = await Assert.ThrowsAsync<MediaDownloadException>(() => Downloader(kit).DownloadAsync(MediaStoreTests.U, File(fake), CancellationToken.None));
        Assert.True(error.IsRetryable);
        Assert.Contains("longer than", error.Message);
    }

    [Fact]
    public async Task An_unreachable_host_is_retryable()
    {
        await using var kit = await MediaTestKit.StartAsync();
        var error = await Assert.ThrowsAsync<MediaDownloadException>(() => Downloader(kit).DownloadAsync(MediaStoreTests.U, new Uri("http://127.0.0.1:1/x.png"), CancellationToken.None));
        Assert.True(error.IsRetryable);
    }

    [Theory]
    [InlineData("file:///etc/passwd")]
    [InlineData("ftp://example.com/x.png")]
    public async Task Only_http_urls_are_fetched(string url)
    {
        await using var kit = await MediaTestKit.StartAsync();
        await Assert.ThrowsAsync<MediaRejectedException>(() => Downloader(kit).DownloadAsync(MediaStoreTests.U, new Uri(url), CancellationToken.None));
    }
}
