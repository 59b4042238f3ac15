using System.Text.Json.Nodes;
using Hearth.Adapters.Fal;
using Hearth.Media;
using Hearth.Testing.Fakes;
using NSubstitute;

namespace Hearth.Images.Tests;

public sealed class FalImageGeneratorTests
{
    [Fact]
    public async Task A_base_portrait_goes_to_flux_dev_with_the_appearance_prompt()
    {
        await using var kit = await FalTestKit.StartAsync();
        var submission = await kit.Generator.SubmitAsync(new ImageRequest("agent-1", ImageKind.BasePortrait, "freckles, auburn hair"), null, CancellationToken.None);

        var job = kit.Fake.Job(submission.RequestId);
        Assert.Equal("fal-ai/flux/dev", job.Model);
        Assert.Equal("freckles, auburn hair", job.Input!["prompt"]!.GetValue<string>());
        Assert.Equal("portrait_4_3", job.Input["image_size"]!.GetValue<string>());
        Assert.Equal(("fal", "fal-ai/flux/dev"), (submission.Provider, submission.Model));
        Assert.Equal("freckles, auburn hair", submission.Request.Prompt);
    }

    [Fact]
    public async Task A_variation_goes_to_nano_banana_edit_with_the_base_portrait_url()
    {
        await using var kit = await FalTestKit.StartAsync();
        var portrait = new Uri("https://hearth.example/media/abc?exp=1&sig=x");
        var submission = await kit.Generator.SubmitAsync(new ImageRequest("agent-1", ImageKind.Variation, "on a beach", portrait), null, CancellationToken.None);

        var job = kit.Fake.Job(submission.RequestId);
        Assert.Equal("fal-ai/nano-banana/edit", job.Model);
        Assert.Equal(portrait.AbsoluteUri, Assert.Single(job.Input!["image_urls"]!.AsArray())!.GetValue<string>());
    }

    [Fact]
    public async Task Model_ids_come_from_configuration()
    {
        await using var kit = await FalTestKit.StartAsync(o => { o.BasePortraitModel = "acme/portraits/v2"; o.VariationModel = "acme/edit"; });
        var a = await kit.Generator.SubmitAsync(new ImageRequest("a", ImageKind.BasePortrait, "x"), null, CancellationToken.None);
        var b = await kit.Generator.SubmitAsync(new ImageRequest("a", ImageKind.Variation, "y", new Uri("https://h.example/m")), null, CancellationToken.None);
        Assert.Equal("acme/portraits/v2", kit.Fake.Job(a.RequestId).Model);
        Assert.Equal("acme/edit", kit.Fake.Job(b.RequestId).Model);
    }

    [Fact]
    public async Task A_variation_without_a_base_portrait_is_refused_before_any_call()
    {
        await using var kit = await FalTestKit.StartAsync();
        await Assert.ThrowsAsync<ArgumentException>(() => kit.Generator.SubmitAsync(new ImageRequest("a", ImageKind.Variation, "y"), null, CancellationToken.None));
        Assert.Empty(kit.Fake.Requests);
    }

    [Fact]
    public async Task Polling_maps_states_and_reads_the_images()
    {
        await using var kit = await FalTestKit.StartAsync();
        kit.Fake.Behavior.CompleteAfterPolls = 2;
        var submission = await kit.Generator.SubmitAsync(new ImageRequest("a", ImageKind.BasePortrait, "x"), null, CancellationToken.None);

        Assert.Equal(ImageJobState.Queued, (await kit.Generator.GetStatusAsync(submission, CancellationToken.None)).State);
        Assert.Equal(ImageJobState.Completed, (await kit.Generator.GetStatusAsync(submission, CancellationToken.None)).State);
        var outcome = await kit.Generator.GetResultAsync(submission, CancellationToken.None);

        Assert.Equal(ImageJobOutcomeKind.Succeeded, outcome.Kind);
        var image = Assert.Single(outcome.Images);
        Assert.Null(image.Content);
        Assert.Equal("image/png", image.ContentType);
    }

    [Fact]
    public async Task When_fal_fails_the_request_the_result_is_a_failure_with_fals_reason()
    {
        await using var kit = await FalTestKit.StartAsync();
        kit.Fake.Behavior.Outcome = FakeFalOutcome.Error;
        kit.Fake.Behavior.ErrorDetail = "prompt violates the content policy";
        var submission = await kit.Generator.SubmitAsync(new ImageRequest("a", ImageKind.BasePortrait, "x"), null, CancellationToken.None);

        var outcome = await kit.Generator.GetResultAsync(submission, CancellationToken.None);

        Assert.Equal(ImageJobOutcomeKind.Failed, outcome.Kind);
        Assert.Contains("prompt violates the content policy", outcome.Error);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public async Task The_webhook_fal_delivers_carries_a_token_for_its_job_and_a_signature_that_verifies(int deliveries)
    {
        await using var sink = await WebhookSink.StartAsync();
        await using var kit = await FalTestKit.StartAsync(o => { o.PublicBaseUrl = sink.BaseUrl; o.WebhookSecret = new string('s', 40); });
        kit.Fake.Behavior.WebhookDeliveries = deliveries;
        var urls = new FalWebhookUrls(Microsoft.Extensions.Options.Options.Create(kit.Options), Substitute.For<ISecretKeyStore>());
        var webhook = await urls.CreateAsync("job-42", CancellationToken.None);

        var submission = await kit.Generator.SubmitAsync(new ImageRequest("a", ImageKind.BasePortrait, "x"), webhook, CancellationToken.None);
        await kit.Fake.WaitForDeliveriesAsync(submission.RequestId, deliveries).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(deliveries, sink.Received.Count);
        foreach (var delivery in sink.Received)
        {
            Assert.Equal("/api/webhooks/fal", delivery.Path);
            Assert.Equal("job-42", System.Web.HttpUtility.ParseQueryString(delivery.Query)["job"]);
            var token = System.Web.HttpUtility.ParseQueryString(delivery.Query)["token"];
            Assert.True(await urls.VerifyTokenAsync("job-42", token, CancellationToken.None));
            Assert.False(await urls.VerifyTokenAsync("job-43", token, CancellationToken.None));
            var verified = Assert.IsType<WebhookVerification.Verified>(
                await kit.Verifier.VerifyAsync(delivery.Headers, delivery.Body, kit.Clock.Now, CancellationToken.None));
            Assert.Equal(submission.RequestId, verified.RequestId);
            Assert.Equal(ImageJobOutcomeKind.Succeeded, verified.Outcome.Kind);
        }
    }

    [Fact]
    public async Task A_webhook_fal_signs_with_a_stale_timestamp_is_rejected_on_arrival()
    {
        await using var sink = await WebhookSink.StartAsync();
        await using var kit = await FalTestKit.StartAsync(o => o.PublicBaseUrl = sink.BaseUrl);
        kit.Fake.Behavior.WebhookSigning = FakeWebhookSigning.StaleTimestamp;

        var submission = await kit.Generator.SubmitAsync(new ImageRequest("a", ImageKind.BasePortrait, "x"), sink.UrlFor("/api/webhooks/fal?job=j&token=t"), CancellationToken.None);
        await kit.Fake.WaitForDeliveriesAsync(submission.RequestId, 1).WaitAsync(TimeSpan.FromSeconds(30));

        var delivery = Assert.Single(sink.Received);
        Assert.IsType<WebhookVerification.Rejected>(await kit.Verifier.VerifyAsync(delivery.Headers, delivery.Body, kit.Clock.Now, CancellationToken.None));
    }

    [Fact]
    public void Input_json_is_what_fal_expects()
    {
        var generator = new FalImageGenerator(null!, Microsoft.Extensions.Options.Options.Create(new FalOptions()));
        var (model, input) = generator.BuildInput(new ImageRequest("a", ImageKind.BasePortrait, "p"));
        Assert.Equal("fal-ai/flux/dev", model);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"prompt":"p","image_size":"portrait_4_3","num_images":1,"enable_safety_checker":true}"""), input));
    }
}
