using System.Text.Json.Nodes;
using Hearth.Adapters.Fal;
using Hearth.Testing.Fakes;

namespace Hearth.Images.Tests;

public sealed class FalQueueClientTests
{
    private static JsonObject Input() => new() { ["prompt"] = "a lighthouse at dusk", ["num_images"] = 1 };

    [Fact]
    public async Task Submit_sends_the_key_the_input_and_the_webhook_and_keeps_the_urls_fal_returned()
    {
        await using var kit = await FalTestKit.StartAsync();
        var webhook = new Uri("https://hearth.example/api/webhooks/fal?job=job-1&token=abc&x=1");

        var submission = await kit.Client.SubmitAsync("fal-ai/flux/dev", Input(), webhook, CancellationToken.None);

        var request = Assert.Single(kit.Fake.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal("/fal-ai/flux/dev", request.Path);
        Assert.Equal("Key " + kit.Fake.ApiKey, request.Header("Authorization"));
        Assert.Equal("a lighthouse at dusk", JsonNode.Parse(request.Body)!["prompt"]!.GetValue<string>());
        var job = kit.Fake.Job(submission.RequestId);
        Assert.Equal(webhook, job.WebhookUrl); // escaped on the way, intact on arrival

        // Fal's URLs drop the sub-path: a client that built them from the model id would be wrong.
        Assert.Equal($"/fal-ai/flux/requests/{submission.RequestId}/status", submission.StatusUrl.AbsolutePath);
        Assert.Equal($"/fal-ai/flux/requests/{submission.RequestId}", submission.ResponseUrl.AbsolutePath);
        Assert.Equal($"/fal-ai/flux/requests/{submission.RequestId}/cancel", submission.CancelUrl.AbsolutePath);
    }

    [Fact]
    public async Task Submit_without_a_webhook_sends_no_fal_webhook_parameter()
    {
        await using var kit = await FalTestKit.StartAsync();
        await kit.Client.SubmitAsync("fal-ai/flux/dev", Input(), null, CancellationToken.None);
        Assert.Equal("", Assert.Single(kit.Fake.Requests).Query);
    }

    [Fact]
    public async Task Status_goes_from_queued_to_in_progress_to_completed_through_the_returned_status_url()
    {
        await using var kit = await FalTestKit.StartAsync();
        kit.Fake.Behavior.CompleteAfterPolls = 3;
        var submission = await kit.Client.SubmitAsync("fal-ai/flux/dev", Input(), null, CancellationToken.None);

        var first = await kit.Client.GetStatusAsync(submission.StatusUrl, CancellationToken.None);
        var second = await kit.Client.GetStatusAsync(submission.StatusUrl, CancellationToken.None);
        var third = await kit.Client.GetStatusAsync(submission.StatusUrl, CancellationToken.None);

        Assert.Equal((FalRequestState.InQueue, 0), (first.State, first.QueuePosition));
        Assert.Equal(FalRequestState.InProgress, second.State);
        Assert.Equal(FalRequestState.Completed, third.State);
        Assert.Null(third.Error);
        Assert.All(kit.Fake.Requests.Skip(1), r => Assert.Equal(submission.StatusUrl.AbsolutePath, r.Path));
        Assert.All(kit.Fake.Requests, r => Assert.Equal("Key " + kit.Fake.ApiKey, r.Header("Authorization")));
    }

    [Fact]
    public async Task A_completed_status_carries_fals_error_when_the_request_failed()
    {
        await using var kit = await FalTestKit.StartAsync();
        kit.Fake.Behavior.Outcome = FakeFalOutcome.Error;
        var submission = await kit.Client.SubmitAsync("fal-ai/flux/dev", Input(), null, CancellationToken.None);

        var status = await kit.Client.GetStatusAsync(submission.StatusUrl, CancellationToken.None);

        Assert.Equal(FalRequestState.Completed, status.State);
        Assert.Equal("Invalid status code: 422", status.Error);
    }

    [Fact]
    public async Task The_result_lists_every_image_with_its_url_type_and_size()
    {
        await using var kit = await FalTestKit.StartAsync();
        kit.Fake.Behavior.ImagesPerResult = 2;
        var submission = await kit.Client.SubmitAsync("fal-ai/flux/dev", Input(), null, CancellationToken.None);

        var result = await kit.Client.GetResultAsync(submission.ResponseUrl, CancellationToken.None);

        Assert.Equal(2, result.Images.Count);
        Assert.Equal(new Uri(kit.Fake.BaseUrl, $"/files/{submission.RequestId}/1.png"), result.Images[1].Url);
        Assert.All(result.Images, i => Assert.Equal(("image/png", 16, 16), (i.ContentType, i.Width, i.Height)));
    }

    [Theory]
    [InlineData(500)]
    [InlineData(502)]
    [InlineData(503)]
    public async Task A_5xx_on_submit_is_retryable(int status)
    {
        await using var kit = await FalTestKit.StartAsync();
        kit.Fake.FailNextSubmits(1, status);

        var error = await Assert.ThrowsAsync<ImageGenerationException>(() => kit.Client.SubmitAsync("fal-ai/flux/dev", Input(), null, CancellationToken.None));

        Assert.True(error.IsRetryable);
        Assert.Equal(status, error.StatusCode);
        // The retry (what the activity's retry policy does) then succeeds.
        var submission = await kit.Client.SubmitAsync("fal-ai/flux/dev", Input(), null, CancellationToken.None);
        Assert.NotEmpty(submission.RequestId);
    }

    [Fact]
    public async Task A_429_is_retryable_and_carries_retry_after()
    {
        await using var kit = await FalTestKit.StartAsync();
        kit.Fake.FailNextSubmits(2, 429, TimeSpan.FromSeconds(7));

        var error = await Assert.ThrowsAsync<ImageGenerationException>(() => kit.Client.SubmitAsync("fal-ai/flux/dev", Input(), null, CancellationToken.None));

        Assert.True(error.IsRetryable);
        Assert.Equal(429, error.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(7), error.RetryAfter);
        Assert.Contains("rate limiting", error.Message);
    }

    [Fact]
    public async Task A_wrong_key_is_permanent_and_the_message_never_shows_a_key()
    {
        await using var kit = await FalTestKit.StartAsync(o => o.Key = "wrong-secret-key-do-not-print");

        var error = await Assert.ThrowsAsync<ImageGenerationException>(() => kit.Client.SubmitAsync("fal-ai/flux/dev", Input(), null, CancellationToken.None));

        Assert.False(error.IsRetryable);
        Assert.Equal(401, error.StatusCode);
        Assert.Contains("Fal:Key", error.Message);
        Assert.DoesNotContain("wrong-secret-key-do-not-print", error.ToString());
        Assert.DoesNotContain(kit.Fake.ApiKey, error.ToString());
    }

    [Fact]
    public async Task A_failed_requests_result_is_a_permanent_error_with_fals_detail()
    {
        await using var kit = await FalTestKit.StartAsync();
        kit.Fake.Behavior.Outcome = FakeFalOutcome.Error;
        var submission = await kit.Client.SubmitAsync("fal-ai/flux/dev", Input(), null, CancellationToken.None);

        var error = await Assert.ThrowsAsync<ImageGenerationException>(() => kit.Client.GetResultAsync(submission.ResponseUrl, CancellationToken.None));

        Assert.False(error.IsRetryable);
        Assert.Equal(422, error.StatusCode);
        Assert.Contains("body.prompt: field required", error.Message);
    }

    [Theory]
    [InlineData(FakeFalEndpoint.Submit)]
    [InlineData(FakeFalEndpoint.Status)]
    [InlineData(FakeFalEndpoint.Result)]
    public async Task A_garbage_answer_is_retryable_with_a_clear_message(FakeFalEndpoint endpoint)
    {
        await using var kit = await FalTestKit.StartAsync();
        var submission = endpoint == FakeFalEndpoint.Submit ? null : await kit.Client.SubmitAsync("fal-ai/flux/dev", Input(), null, CancellationToken.None);
        kit.Fake.Behavior.Garbage = endpoint;

        var error = await Assert.ThrowsAsync<ImageGenerationException>(() => endpoint switch
        {
            FakeFalEndpoint.Submit => kit.Client.SubmitAsync("fal-ai/flux/dev", Input(), null, CancellationToken.None),
            FakeFalEndpoint.Status => kit.Client.GetStatusAsync(submission!.StatusUrl, CancellationToken.None),
            _ => kit.Client.GetResultAsync(submission!.ResponseUrl, CancellationToken.None),
        });

        Assert.True(error.IsRetryable);
        Assert.Contains("not JSON", error.Message);
    }

    [Fact]
    public async Task A_hung_call_times_out_as_retryable()
    {
        await using var kit = await FalTestKit.StartAsync(o => o.RequestTimeout = TimeSpan.FromMilliseconds(300));
        kit.Fake.Behavior.Hang = FakeFalEndpoint.Submit;

        var error = await Assert.ThrowsAsync<ImageGenerationException>(() => kit.Client.SubmitAsync("fal-ai/flux/dev", Input(), null, CancellationToken.None));

        Assert.True(error.IsRetryable);
        Assert.Contains("timed out", error.Message);
    }

    [Fact]
    public async Task An_unreachable_queue_is_retryable()
    {
        await using var kit = await FalTestKit.StartAsync(o => o.QueueBaseUrl = new Uri("http://127.0.0.1:1"));
        var error = await Assert.ThrowsAsync<ImageGenerationException>(() => kit.Client.SubmitAsync("fal-ai/flux/dev", Input(), null, CancellationToken.None));
        Assert.True(error.IsRetryable);
        Assert.DoesNotContain(kit.Fake.ApiKey, error.ToString());
    }

    [Fact]
    public async Task The_key_is_never_sent_to_a_url_on_another_origin()
    {
        await using var kit = await FalTestKit.StartAsync();
        await using var elsewhere = await WebhookSink.StartAsync();

        var error = await Assert.ThrowsAsync<ImageGenerationException>(() =>
            kit.Client.GetStatusAsync(elsewhere.UrlFor("/fal-ai/flux/requests/x/status"), CancellationToken.None));

        Assert.False(error.IsRetryable);
        Assert.Empty(elsewhere.Received);
    }

    [Fact]
    public async Task Cancel_asks_fal_and_tolerates_finished_or_unknown_requests()
    {
        await using var kit = await FalTestKit.StartAsync();
        kit.Fake.Behavior.HoldCompletion = true;
        var held = await kit.Client.SubmitAsync("fal-ai/flux/dev", Input(), null, CancellationToken.None);
        kit.Fake.Behavior.HoldCompletion = false;
        var done = await kit.Client.SubmitAsync("fal-ai/flux/dev", Input(), null, CancellationToken.None);

        Assert.Equal(FalCancelOutcome.CancellationRequested, await kit.Client.CancelAsync(held.CancelUrl, CancellationToken.None));
        Assert.True(kit.Fake.Job(held.RequestId).IsCancelled);
        Assert.Equal(FalCancelOutcome.AlreadyCompleted, await kit.Client.CancelAsync(done.CancelUrl, CancellationToken.None));
        Assert.Equal(FalCancelOutcome.NotFound, await kit.Client.CancelAsync(new Uri(kit.Fake.BaseUrl, "/fal-ai/flux/requests/nope/cancel"), CancellationToken.None));
        Assert.Equal("PUT", kit.Fake.Requests[^1].Method);
    }

    [Theory]
    [InlineData("flux")]
    [InlineData("../etc/passwd")]
    [InlineData("fal-ai/../admin")]
    [InlineData("fal-ai/flux dev")]
    [InlineData("/fal-ai/flux")]
    [InlineData("fal-ai/flux?x=1")]
    public async Task A_model_id_that_is_not_one_is_refused_before_any_call(string model)
    {
        await using var kit = await FalTestKit.StartAsync();
        await Assert.ThrowsAsync<ArgumentException>(() => kit.Client.SubmitAsync(model, Input(), null, CancellationToken.None));
        Assert.Empty(kit.Fake.Requests);
    }

    [Fact]
    public async Task Without_a_key_calls_fail_permanently_and_say_which_setting_is_missing()
    {
        await using var kit = await FalTestKit.StartAsync(o => o.Key = null);
        var error = await Assert.ThrowsAsync<ImageGenerationException>(() => kit.Client.SubmitAsync("fal-ai/flux/dev", Input(), null, CancellationToken.None));
        Assert.False(error.IsRetryable);
        Assert.Contains("Fal:Key", error.Message);
        Assert.Empty(kit.Fake.Requests);
    }
}
