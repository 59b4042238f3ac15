using System.Net;
using System.Text.Json;
using System.Text;
using Hearth.Adapters.Fal;
using Hearth.Testing.Host;
using Microsoft.Extensions.Options;

namespace Hearth.Images.Tests;

/// <summary>Answers the fake does not produce: Retry-After as a date, single-image results, odd error shapes.</summary>
public sealed class FalParsingTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private static FalQueueClient Client(Func<HttpRequestMessage, HttpResponseMessage> answer) =>
        new(new HttpClient(new StubHandler(answer)), Options.Create(new FalOptions { Key = "k-123456" }), new ManualTime(Now));

    [Fact]
    public async Task Retry_after_given_as_a_date_becomes_a_delay()
    {
        var client = Client(_ =>
        {
            var response = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
            response.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(Now.AddSeconds(45));
            return response;
        });
        var error = await Assert.ThrowsAsync<ImageGenerationException>(() => client.SubmitAsync("fal-ai/flux/dev", new(), null, CancellationToken.None));
        Assert.Equal(TimeSpan.FromSeconds(45), error.RetryAfter);
    }

    [Fact]
    public async Task A_key_echoed_by_the_server_is_scrubbed_from_the_message()
    {
        var client = Client(_ => new HttpResponseMessage(HttpStatusCode.BadRequest) { Content = new StringContent("""{"detail":"bad key k-123456"}""") });
        var error = await Assert.ThrowsAsync<ImageGenerationException>(() => client.SubmitAsync("fal-ai/flux/dev", new(), null, CancellationToken.None));
        Assert.DoesNotContain("k-123456", error.Message);
        Assert.Contains("[redacted]", error.Message);
    }

    [Fact]
    public async Task A_non_json_error_page_is_quoted_briefly()
    {
        var client = Client(_ => new HttpResponseMessage(HttpStatusCode.BadGateway) { Content = new StringContent("<html>" + new string('x', 2000) + "</html>") });
        var error = await Assert.ThrowsAsync<ImageGenerationException>(() => client.SubmitAsync("fal-ai/flux/dev", new(), null, CancellationToken.None));
        Assert.True(error.IsRetryable);
        Assert.True(error.Message.Length < 450, error.Message);
    }

    [Fact]
    public async Task An_unknown_status_is_a_clear_retryable_error()
    {
        var client = Client(_ => new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("""{"status":"SLEEPING"}""") });
        var error = await Assert.ThrowsAsync<ImageGenerationException>(() =>
            client.GetStatusAsync(new Uri("https://queue.fal.run/fal-ai/flux/requests/r/status"), CancellationToken.None));
        Assert.Contains("SLEEPING", error.Message);
    }

    [Fact]
    public void A_result_with_a_single_image_object_is_read()
    {
        using var json = JsonDocument.Parse("""{"image":{"url":"https://v3.fal.media/a.webp","content_type":"image/webp","width":10,"height":20}}""");
        var image = Assert.Single(FalQueueClient.ParseResult(json.RootElement).Images);
        Assert.Equal(("image/webp", 10, 20), (image.ContentType, image.Width, image.Height));
    }

    [Theory]
    [InlineData("""{"images":[]}""")]
    [InlineData("""{"images":[{"content_type":"image/png"}]}""")]
    [InlineData("""{"images":[{"url":"file:///etc/passwd"}]}""")]
    public void A_result_without_usable_images_is_malformed(string body)
    {
        using var json = JsonDocument.Parse(body);
        Assert.Throws<ImageGenerationException>(() => FalQueueClient.ParseResult(json.RootElement));
    }

    [Fact]
    public void An_error_webhook_without_details_still_has_a_reason()
    {
        var payload = FalWebhookPayload.Parse(Encoding.UTF8.GetBytes("""{"request_id":"r","status":"ERROR","payload":null}"""));
        var outcome = payload.ToOutcome();
        Assert.Equal(ImageJobOutcomeKind.Failed, outcome.Kind);
        Assert.False(string.IsNullOrWhiteSpace(outcome.Error));
    }

    [Fact]
    public void Image_requests_say_what_is_wrong()
    {
        Assert.Contains("agent", Assert.Throws<ArgumentException>(() => new ImageRequest("", ImageKind.BasePortrait, "p").Validate()).Message);
        Assert.Contains("prompt", Assert.Throws<ArgumentException>(() => new ImageRequest("a", ImageKind.BasePortrait, " ").Validate()).Message);
        Assert.Contains("4000", Assert.Throws<ArgumentException>(() => new ImageRequest("a", ImageKind.BasePortrait, new string('p', 4001)).Validate()).Message);
        Assert.Contains("reference", Assert.Throws<ArgumentException>(() => new ImageRequest("a", ImageKind.Variation, "p").Validate()).Message);
        Assert.Contains("http", Assert.Throws<ArgumentException>(() => new ImageRequest("a", ImageKind.Variation, "p", new Uri("file:///x")).Validate()).Message);
    }

    private sealed class StubHandler(Func<HttpRequestMessage, HttpResponseMessage> answer) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) => Task.FromResult(answer(request));
    }
}
