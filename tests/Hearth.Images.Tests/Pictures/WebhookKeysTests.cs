using System.Net;
using Hearth.Testing;
using Hearth.Testing.Fakes;

namespace Hearth.Images.Tests.Pictures;

/// <summary>A host whose first look at Fal's keys is yet to come (nothing else in it verifies a webhook first).</summary>
public sealed class KeysHost : PicturesHost
{
    protected override IDictionary<string, string?> PictureSettings => new Dictionary<string, string?>
    {
        ["Pictures:WebhookTimeout"] = "00:01:00",
        ["Pictures:Deadline"] = "00:05:00",
    };
}

/// <summary>When Fal's keys cannot be fetched, a webhook is answered 503 (Fal delivers again later) and nothing changes.</summary>
public sealed class WebhookKeysTests(KeysHost host) : IClassFixture<KeysHost>
{
    [Fact]
    public async Task Without_Fal_keys_a_webhook_gets_503_and_is_accepted_when_delivered_again()
    {
        var (client, _, agent) = await host.UserWithAgentAsync();
        var fal = host.Fal;
        fal.Behavior.HoldCompletion = true;
        var jobId = await PicturesHost.PostAsync(client, $"/api/agents/{agent}/portrait");
        var job = (await Eventually.ValueAsync(() => Task.FromResult(fal.Jobs.FirstOrDefault(j => j.WebhookUrl?.Query.Contains(jobId) == true)),
            j => j is not null, TimeSpan.FromSeconds(30), "the submission"))!;
        var body = FakeFalServer.SuccessWebhookBody(job.RequestId, [new Uri(fal.BaseUrl, $"/files/{job.RequestId}/0.png")]);

        fal.Behavior.Garbage = FakeFalEndpoint.Jwks;
        using (var refused = await SendAsync(job.WebhookUrl!, fal.Sign(job.RequestId, body)))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.NotNull(refused.Headers.RetryAfter);
        }
        Assert.Equal(0, await host.ScalarAsync<long>("select count(*) from images.webhook_deliveries where job_id = $1", jobId));
        Assert.Equal("submitted", (await PicturesHost.JobAsync(client, jobId)).GetProperty("status").GetString());

        fal.Behavior.Garbage = FakeFalEndpoint.None;
        using (var accepted = await SendAsync(job.WebhookUrl!, fal.Sign(job.RequestId, body)))
            Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.Equal("succeeded", (await host.FinishedJobAsync(client, jobId)).GetProperty("status").GetString());
    }

    private async Task<HttpResponseMessage> SendAsync(Uri webhookUrl, SignedWebhook webhook)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, webhookUrl.PathAndQuery) { Content = new ByteArrayContent(webhook.Body) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        foreach (var (name, value) in webhook.Headers) request.Headers.TryAddWithoutValidation(name, value);
        return await host.Anonymous.SendAsync(request);
    }
}
