using System.Text.Json.Nodes;
using Hearth.Adapters.Fal;
using Hearth.Images;
using Hearth.Testing.Fakes;
using Hearth.Testing.Host;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Hearth.Images.Tests;

/// <summary>
/// The Fal queue client as the host registers it (<c>AddImageGeneration</c>): its resilience pipeline tries reads again,
/// never a submission, and stops calling Fal while every call fails, against the fake Fal server. The clock is the
/// test's: backoff waits run on real timers (half a second), the circuit's break ends when the test moves the clock.
/// </summary>
public sealed class FalResilienceTests : IAsyncLifetime
{
    private FakeFalServer _fal = null!;
    private ServiceProvider _services = null!;
    private readonly ManualTime _clock = new(new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero));

    public async Task InitializeAsync()
    {
        _fal = await FakeFalServer.StartAsync();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Fal:Key"] = _fal.ApiKey,
            ["Fal:QueueBaseUrl"] = _fal.BaseUrl.ToString(),
            ["Fal:JwksUrl"] = _fal.JwksUrl.ToString(),
            ["Fal:MaxRetries"] = "1",
            ["Fal:BreakAfter"] = "4",
            ["Fal:BreakDuration"] = "00:01:00",
        }).Build();
        _services = new ServiceCollection().AddLogging().AddSingleton<TimeProvider>(_clock).AddImageGeneration(configuration).BuildServiceProvider();
    }

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        await _fal.DisposeAsync();
    }

    private FalQueueClient Client => _services.GetRequiredService<FalQueueClient>();

    private int StatusCalls => _fal.Requests.Count(r => r.Method == "GET" && r.Path.EndsWith("/status", StringComparison.Ordinal));

    private int Submissions => _fal.Requests.Count(r => r.Method == "POST");

    private Task<FalSubmission> SubmitAsync() => Client.SubmitAsync("fal-ai/flux/dev", new JsonObject { ["prompt"] = "a lighthouse" }, null, CancellationToken.None);

    [Fact]
    public async Task A_read_that_fails_with_503_is_tried_again_and_a_submission_is_not()
    {
        var submission = await SubmitAsync();
        _fal.Behavior.Unavailable = FakeFalEndpoint.Status;
        var error = await Assert.ThrowsAsync<ImageGenerationException>(() => Client.GetStatusAsync(submission.StatusUrl, CancellationToken.None));
        Assert.True(error.IsRetryable);
        Assert.Equal(503, error.StatusCode);
        Assert.Equal(2, StatusCalls); // the first try and Fal:MaxRetries

        _fal.Behavior.Unavailable = FakeFalEndpoint.None;
        _fal.FailNextSubmits(1, 503);
        var refused = await Assert.ThrowsAsync<ImageGenerationException>(SubmitAsync);
        Assert.True(refused.IsRetryable);
        Assert.Equal(2, Submissions); // a second submission would be a second bill: the picture job decides when to submit again
    }

    [Fact]
    public async Task Fal_failing_every_call_is_not_called_until_the_break_ends_and_the_picture_waits_for_it()
    {
        var submission = await SubmitAsync();
        _clock.Advance(TimeSpan.FromMinutes(2)); // the submission's success leaves the one-minute window
        _fal.Behavior.Unavailable = FakeFalEndpoint.Status;
        for (var poll = 0; poll < 2; poll++)
            Assert.Equal(503, (await Assert.ThrowsAsync<ImageGenerationException>(() => Client.GetStatusAsync(submission.StatusUrl, CancellationToken.None))).StatusCode);
        Assert.Equal(4, StatusCalls); // the fourth failure in a row opened the circuit

        for (var poll = 0; poll < 5; poll++)
        {
            var skipped = await Assert.ThrowsAsync<ImageGenerationException>(() => Client.GetStatusAsync(submission.StatusUrl, CancellationToken.None));
            // Retryable, with the break as Retry-After: the picture job polls again (or submits again) after it.
            Assert.True(skipped.IsRetryable);
            Assert.Null(skipped.StatusCode);
            Assert.Equal(TimeSpan.FromMinutes(1), skipped.RetryAfter);
            Assert.Contains("not tried", skipped.Message);
        }
        var submitWhileOpen = await Assert.ThrowsAsync<ImageGenerationException>(SubmitAsync);
        Assert.Equal(TimeSpan.FromMinutes(1), submitWhileOpen.RetryAfter);
        Assert.Equal((4, 1), (StatusCalls, Submissions)); // Fal was not hammered

        _fal.Behavior.Unavailable = FakeFalEndpoint.None;
        _clock.Advance(TimeSpan.FromSeconds(59));
        await Assert.ThrowsAsync<ImageGenerationException>(() => Client.GetStatusAsync(submission.StatusUrl, CancellationToken.None));
        Assert.Equal(4, StatusCalls);
        _clock.Advance(TimeSpan.FromSeconds(2));
        var status = await Client.GetStatusAsync(submission.StatusUrl, CancellationToken.None);
        Assert.Equal(FalRequestState.Completed, status.State);
        await SubmitAsync();
        Assert.Equal((5, 2), (StatusCalls, Submissions));
    }
}
