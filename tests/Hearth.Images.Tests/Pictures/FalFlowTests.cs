using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Hearth.Functions.Pictures;
using Hearth.Media;
using Hearth.Testing;
using Hearth.Testing.Fakes;

namespace Hearth.Images.Tests.Pictures;

/// <summary>A host with Fal's webhook expected well within its timeout: pictures arrive by webhook.</summary>
public sealed class WebhookHost : PicturesHost
{
    protected override IDictionary<string, string?> PictureSettings => new Dictionary<string, string?>
    {
        ["Pictures:WebhookTimeout"] = "00:00:30",
        ["Pictures:PollInterval"] = "00:00:00.2",
        ["Pictures:MaxPollInterval"] = "00:00:01",
        ["Pictures:Deadline"] = "00:02:00",
        ["Pictures:SubmitAttempts"] = "3",
        ["Pictures:SubmitRetryInterval"] = "00:00:00.1",
    };
}

/// <summary>The picture flow against the fake Fal server, webhook path: arrival, duplicates, forgeries, Fal's errors, submit retries.</summary>
public sealed class FalFlowTests(WebhookHost host) : IClassFixture<WebhookHost>
{
    private FakeFalServer Fal => host.Fal;

    /// <summary>A user whose agent has a base portrait in the media store.</summary>
    private async Task<(HttpClient Client, string Owner, string Agent, MediaItem Portrait)> UserWithPortraitAsync()
    {
        var (client, owner, agent) = await host.UserWithAgentAsync();
        using var png = new MemoryStream(TinyPng.Solid(200, 120, 90));
        var portrait = await host.Service<IMediaStore>().PutAsync(Guid.Parse(owner), png, "image/png", CancellationToken.None);
        host.Agents.Add(owner, agent, "Mira", "Portrait photo of Mira, red hair, freckles", portrait.Id);
        return (client, owner, agent, portrait);
    }

    private FakeFalJob FalJobOf(string jobId) => Fal.Jobs.Single(j => j.WebhookUrl?.Query.Contains("job=" + jobId, StringComparison.Ordinal) == true);

    private async Task<byte[]> FalFileAsync(FakeFalJob job, int index = 0)
    {
        using var http = new HttpClient();
        return await http.GetByteArrayAsync(new Uri(Fal.BaseUrl, $"/files/{job.RequestId}/{index}.png"));
    }

    [Fact]
    public async Task A_webhook_completes_the_job_the_picture_is_copied_into_the_media_store_and_posted_into_the_chat()
    {
        var (client, owner, agent, portrait) = await UserWithPortraitAsync();

        var jobId = await PicturesHost.PostAsync(client, $"/api/agents/{agent}/images", new { prompt = "at the beach, golden hour" });
        var job = await host.FinishedJobAsync(client, jobId);

        Assert.Equal("succeeded", job.GetProperty("status").GetString());
        Assert.Equal("variation", job.GetProperty("kind").GetString());
        Assert.False(job.GetProperty("placeholder").GetBoolean());
        Assert.Equal("fal", job.GetProperty("provider").GetString());
        var fal = FalJobOf(jobId);
        Assert.Equal(0, fal.Polls); // the webhook did it
        Assert.Equal(1, await host.ScalarAsync<long>("select count(*) from images.webhook_deliveries where job_id = $1", jobId));

        // Fal got who (the same person as the reference, by appearance) and the scene, with the base portrait as a signed
        // URL under the public base, which serves the portrait; the job keeps the prompt that was sent.
        Assert.Equal("fal-ai/nano-banana/edit", fal.Model);
        var sent = fal.Input!["prompt"]!.GetValue<string>();
        Assert.Equal("The same person as in the reference photo (Portrait photo of Mira, red hair, freckles). Scene: at the beach, golden hour.", sent);
        Assert.Equal(sent, job.GetProperty("prompt").GetString());
        var reference = new Uri(fal.Input!["image_urls"]![0]!.GetValue<string>());
        Assert.Equal(PicturesHost.PublicBaseUrl.Authority, reference.Authority);
        Assert.StartsWith($"/media/{portrait.Id}", reference.AbsolutePath);
        Assert.Equal(TinyPng.Solid(200, 120, 90), await host.Anonymous.GetByteArrayAsync(reference.PathAndQuery));

        // The copy is ours: same bytes as Fal's file, readable through the signed URL the API hands out, without a token.
        var image = Assert.Single(job.GetProperty("images").EnumerateArray().ToList());
        Assert.Equal("image/png", image.GetProperty("contentType").GetString());
        var url = image.GetProperty("url").GetString()!;
        Assert.StartsWith("/media/" + image.GetProperty("mediaId").GetString() + "?exp=", url);
        Assert.Equal(await FalFileAsync(fal), await host.Anonymous.GetByteArrayAsync(url));

        var post = Assert.Single(host.Chat.CallsFor(jobId));
        Assert.Equal((owner, agent, (string?)null, image.GetProperty("mediaId").GetString(), (string?)null),
            (post.OwnerId, post.AgentId, post.SessionId, post.MediaId, post.Caption));
        Assert.Equal("msg-" + jobId, job.GetProperty("messageId").GetString());

        var times = job.GetProperty("timestamps");
        var created = times.GetProperty("createdAt").GetDateTimeOffset();
        var submitted = times.GetProperty("submittedAt").GetDateTimeOffset();
        var running = times.GetProperty("runningAt").GetDateTimeOffset();
        var finished = times.GetProperty("finishedAt").GetDateTimeOffset();
        Assert.True(created <= submitted && submitted <= running && running <= finished, $"{created:o} {submitted:o} {running:o} {finished:o}");
        Assert.False(job.TryGetProperty("reason", out var reason) && reason.ValueKind != JsonValueKind.Null);
    }

    [Fact]
    public async Task The_same_webhook_delivered_three_times_stores_one_picture_and_posts_one_message()
    {
        var (client, owner, agent, _) = await UserWithPortraitAsync();
        Fal.Behavior.WebhookDeliveries = 3;
        try
        {
            var jobId = await PicturesHost.PostAsync(client, $"/api/agents/{agent}/images");
            var fal = await Eventually.ValueAsync(() => Task.FromResult(Fal.Jobs.FirstOrDefault(j => j.WebhookUrl?.Query.Contains(jobId) == true)),
                j => j is not null, TimeSpan.FromSeconds(30), "the submission");
            await Fal.WaitForDeliveriesAsync(fal!.RequestId, 3).WaitAsync(TimeSpan.FromSeconds(30));
            var job = await host.FinishedJobAsync(client, jobId);

            Assert.Equal("succeeded", job.GetProperty("status").GetString());
            Assert.All(fal.Deliveries, d => Assert.Equal(200, d.StatusCode));
            Assert.Single(job.GetProperty("images").EnumerateArray());
            Assert.Single(host.Chat.CallsFor(jobId));
            Assert.Equal(1, await host.ScalarAsync<long>("select count(*) from images.webhook_deliveries where job_id = $1", jobId));
            Assert.Equal(1, await host.ScalarAsync<long>("select count(*) from images.job_images where job_id = $1", jobId));
            // The base portrait and the one copy: nothing else was stored for this owner.
            Assert.Equal(2, await host.ScalarAsync<long>("select count(*) from media.items where owner_id = $1::uuid", owner));
        }
        finally
        {
            Fal.Behavior.WebhookDeliveries = 1;
        }
    }

    [Fact]
    public async Task Forged_stale_tampered_or_misaddressed_webhooks_get_401_and_change_nothing()
    {
        var (client, owner, agent, _) = await UserWithPortraitAsync();
        Fal.Behavior.HoldCompletion = true;
        string jobId;
        FakeFalJob fal;
        try
        {
            jobId = await PicturesHost.PostAsync(client, $"/api/agents/{agent}/images");
            fal = await Eventually.ValueAsync(() => Task.FromResult(Fal.Jobs.FirstOrDefault(j => j.WebhookUrl?.Query.Contains(jobId) == true)),
                j => j is not null, TimeSpan.FromSeconds(30), "the submission") ?? throw new InvalidOperationException();
        }
        finally
        {
            Fal.Behavior.HoldCompletion = false;
        }
        await Eventually.TrueAsync(async () => (await PicturesHost.JobAsync(client, jobId)).GetProperty("status").GetString() == "submitted",
            TimeSpan.FromSeconds(30), "the job to be submitted");

        var body = FakeFalServer.SuccessWebhookBody(fal.RequestId, [new Uri(Fal.BaseUrl, $"/files/{fal.RequestId}/0.png")]);
        var url = fal.WebhookUrl!.PathAndQuery;
        var token = System.Web.HttpUtility.ParseQueryString(fal.WebhookUrl.Query)["token"]!;
        // A genuine token, issued by the host, for another job.
        var foreignToken = await host.Service<Hearth.Adapters.Fal.FalWebhookUrls>().CreateAsync("another-job", CancellationToken.None);

        var attempts = new List<(string What, string Url, SignedWebhook Webhook)>
        {
            ("signed with a key not in the JWKS", url, Fal.Sign(fal.RequestId, body, FakeWebhookSigning.WrongKey)),
            ("timestamp 10 minutes old", url, Fal.Sign(fal.RequestId, body, FakeWebhookSigning.StaleTimestamp)),
            ("timestamp 10 minutes ahead", url, Fal.Sign(fal.RequestId, body, FakeWebhookSigning.FutureTimestamp)),
            ("body changed after signing", url, Fal.Sign(fal.RequestId, body, FakeWebhookSigning.TamperedBody)),
            ("no signature headers", url, Fal.Sign(fal.RequestId, body, FakeWebhookSigning.Unsigned)),
            ("no token", $"/api/webhooks/fal?job={jobId}", Fal.Sign(fal.RequestId, body)),
            ("a garbled token", $"/api/webhooks/fal?job={jobId}&token={token[..^2]}xx", Fal.Sign(fal.RequestId, body)),
            ("another job's token", $"/api/webhooks/fal?job={jobId}&{foreignToken!.Query.Split('&')[1]}", Fal.Sign(fal.RequestId, body)),
            ("this job's token on another job", $"/api/webhooks/fal?job=another-job&token={token}", Fal.Sign(fal.RequestId, body)),
            ("no job", $"/api/webhooks/fal?token={token}", Fal.Sign(fal.RequestId, body)),
        };
        foreach (var (what, path, webhook) in attempts)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(webhook.Body) };
            request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
            foreach (var (name, value) in webhook.Headers) request.Headers.TryAddWithoutValidation(name, value);
            using var response = await host.Anonymous.SendAsync(request);
            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{what}: {(int)response.StatusCode}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }

        // Genuinely signed, with this job's token, but for another Fal request: acknowledged, not taken.
        var otherRequest = Guid.NewGuid().ToString();
        var replay = Fal.Sign(otherRequest, FakeFalServer.SuccessWebhookBody(otherRequest, [new Uri(Fal.BaseUrl, $"/files/{otherRequest}/0.png")]));
        using (var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(replay.Body) })
        {
            foreach (var (name, value) in replay.Headers) request.Headers.TryAddWithoutValidation(name, value);
            using var response = await host.Anonymous.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.False((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accepted").GetBoolean());
        }

        Assert.Equal(0, await host.ScalarAsync<long>("select count(*) from images.webhook_deliveries where job_id = $1", jobId));
        var job = await PicturesHost.JobAsync(client, jobId);
        Assert.Equal("submitted", job.GetProperty("status").GetString());
        Assert.Equal("WaitingForWebhook", job.GetProperty("progress").GetProperty("phase").GetString());
        Assert.Empty(host.Chat.CallsFor(jobId));
        Assert.Equal(1, await host.ScalarAsync<long>("select count(*) from media.items where owner_id = $1::uuid", owner)); // only the portrait

        // The genuine webhook still completes the job.
        await Fal.CompleteAsync(fal.RequestId);
        Assert.Equal(200, Assert.Single(fal.Deliveries).StatusCode);
        Assert.Equal("succeeded", (await host.FinishedJobAsync(client, jobId)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Fal_reporting_an_error_fails_the_job_with_Fals_reason()
    {
        var (client, _, agent) = await host.UserWithAgentAsync();
        var jobId = await PortraitSubmittedWithAsync(FakeFalOutcome.Error, client, agent);
        var job = await host.FinishedJobAsync(client, jobId);

        Assert.Equal("failed", job.GetProperty("status").GetString());
        var reason = job.GetProperty("reason").GetString()!;
        Assert.Contains("Invalid status code: 422", reason);
        Assert.Contains("body.prompt: field required", reason);
        Assert.Empty(job.GetProperty("images").EnumerateArray());
        Assert.DoesNotContain(host.Agents.PortraitCalls, c => c.Agent == agent);
        Assert.NotNull(job.GetProperty("timestamps").GetProperty("finishedAt").GetString());
    }

    [Fact]
    public async Task A_webhook_with_a_payload_error_makes_the_job_read_the_result_from_Fal()
    {
        var (client, owner, agent) = await host.UserWithAgentAsync();
        var jobId = await PortraitSubmittedWithAsync(FakeFalOutcome.PayloadError, client, agent);
        var job = await host.FinishedJobAsync(client, jobId);

        Assert.Equal("succeeded", job.GetProperty("status").GetString());
        var fal = FalJobOf(jobId);
        Assert.Contains(Fal.Requests, r => r.Method == "GET" && r.Path == $"/fal-ai/flux/requests/{fal.RequestId}");
        var mediaId = Assert.Single(job.GetProperty("images").EnumerateArray().ToList()).GetProperty("mediaId").GetString();
        Assert.Contains((owner, agent, mediaId!), host.Agents.PortraitCalls);
        Assert.Equal("basePortrait", job.GetProperty("kind").GetString());
        Assert.Equal("Portrait photo of Mira, red hair, freckles", fal.Input!["prompt"]!.GetValue<string>());
        Assert.Equal("fal-ai/flux/dev", fal.Model);
    }

    [Fact]
    public async Task Submissions_answered_500_are_retried_and_the_job_then_succeeds()
    {
        var (client, _, agent) = await host.UserWithAgentAsync();
        var before = SubmissionsSoFar();
        Fal.FailNextSubmits(2, 500);

        var jobId = await PicturesHost.PostAsync(client, $"/api/agents/{agent}/portrait");
        var job = await host.FinishedJobAsync(client, jobId);

        Assert.Equal("succeeded", job.GetProperty("status").GetString());
        Assert.Equal(3, SubmissionsSoFar() - before);
    }

    [Fact]
    public async Task Submissions_answered_500_beyond_the_retry_policy_fail_the_job()
    {
        var (client, _, agent) = await host.UserWithAgentAsync();
        var before = SubmissionsSoFar();
        Fal.FailNextSubmits(3, 500);

        var jobId = await PicturesHost.PostAsync(client, $"/api/agents/{agent}/portrait");
        var job = await host.FinishedJobAsync(client, jobId);

        Assert.Equal("failed", job.GetProperty("status").GetString());
        var reason = job.GetProperty("reason").GetString()!;
        Assert.Contains("after 3 attempt(s)", reason);
        Assert.Contains("500", reason);
        Assert.Equal(3, SubmissionsSoFar() - before); // Pictures:SubmitAttempts
        Assert.DoesNotContain(Fal.Jobs, j => j.WebhookUrl?.Query.Contains(jobId) == true);
    }

    [Fact]
    public async Task A_submission_Fal_refuses_fails_the_job_at_once_with_Fals_message()
    {
        var (client, _, agent) = await host.UserWithAgentAsync();
        var before = SubmissionsSoFar();
        Fal.FailNextSubmits(1, 422);

        var jobId = await PicturesHost.PostAsync(client, $"/api/agents/{agent}/portrait");
        var job = await host.FinishedJobAsync(client, jobId);

        Assert.Equal("failed", job.GetProperty("status").GetString());
        Assert.Contains("422", job.GetProperty("reason").GetString());
        Assert.Equal(1, SubmissionsSoFar() - before);
    }

    [Fact]
    public async Task A_variation_of_an_agent_without_a_base_portrait_is_drawn_from_its_appearance()
    {
        var (client, _, agent) = await host.UserWithAgentAsync();

        var jobId = await PicturesHost.PostAsync(client, $"/api/agents/{agent}/images", new { prompt = "reading in a café" });
        var job = await host.FinishedJobAsync(client, jobId);

        Assert.Equal("succeeded", job.GetProperty("status").GetString());
        var fal = FalJobOf(jobId);
        Assert.Equal("fal-ai/flux/dev", fal.Model);
        Assert.Equal("Portrait photo of Mira, red hair, freckles. Scene: reading in a café.", fal.Input!["prompt"]!.GetValue<string>());
        Assert.Null(fal.Input["image_urls"]);
        Assert.Single(host.Chat.CallsFor(jobId));
    }

    private int SubmissionsSoFar() => Fal.Requests.Count(r => r.Method == "POST" && r.Path.StartsWith("/fal-ai/", StringComparison.Ordinal));

    /// <summary>Asks for a base portrait while Fal answers with <paramref name="outcome"/>; returns once Fal has the submission.</summary>
    private async Task<string> PortraitSubmittedWithAsync(FakeFalOutcome outcome, HttpClient client, string agent)
    {
        Fal.Behavior.Outcome = outcome;
        try
        {
            var jobId = await PicturesHost.PostAsync(client, $"/api/agents/{agent}/portrait");
            await Eventually.TrueAsync(() => Task.FromResult(Fal.Jobs.Any(j => j.WebhookUrl?.Query.Contains(jobId) == true)), TimeSpan.FromSeconds(30), "the submission");
            return jobId;
        }
        finally
        {
            Fal.Behavior.Outcome = FakeFalOutcome.Success;
        }
    }
}
