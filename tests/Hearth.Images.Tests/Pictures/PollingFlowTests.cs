using Hearth.Testing;
using Hearth.Testing.Fakes;

namespace Hearth.Images.Tests.Pictures;

/// <summary>A host that waits for Fal's webhook only briefly, polls quickly, and gives up after a few seconds.</summary>
public sealed class PollingHost : PicturesHost
{
    protected override IDictionary<string, string?> PictureSettings => new Dictionary<string, string?>
    {
        ["Pictures:WebhookTimeout"] = "00:00:00.5",
        ["Pictures:PollInterval"] = "00:00:00.2",
        ["Pictures:PollBackoff"] = "1.5",
        ["Pictures:MaxPollInterval"] = "00:00:00.5",
        ["Pictures:Deadline"] = "00:00:10",
    };
}

/// <summary>The picture flow when the webhook does not come: polling, a late webhook, Fal's error seen by polling, the deadline.</summary>
public sealed class PollingFlowTests(PollingHost host) : IClassFixture<PollingHost>
{
    private FakeFalServer Fal => host.Fal;

    private async Task<FakeFalJob> SubmittedAsync(string jobId) =>
        (await Eventually.ValueAsync(() => Task.FromResult(Fal.Jobs.FirstOrDefault(j => j.WebhookUrl?.Query.Contains(jobId) == true)),
            j => j is not null, TimeSpan.FromSeconds(30), "the submission"))!;

    [Fact]
    public async Task When_the_webhook_never_arrives_polling_completes_the_job()
    {
        var (client, owner, agent) = await host.UserWithAgentAsync();
        Fal.Behavior.WebhookDeliveries = 0;
        Fal.Behavior.CompleteAfterPolls = 3;
        string jobId;
        FakeFalJob fal;
        try
        {
            jobId = await PicturesHost.PostAsync(client, $"/api/agents/{agent}/portrait");
            fal = await SubmittedAsync(jobId);
        }
        finally
        {
            Fal.Behavior.WebhookDeliveries = 1;
            Fal.Behavior.CompleteAfterPolls = 0;
        }
        var job = await host.FinishedJobAsync(client, jobId);

        Assert.Equal("succeeded", job.GetProperty("status").GetString());
        Assert.True(fal.Polls >= 3, $"{fal.Polls} polls");
        Assert.Empty(fal.Deliveries);
        Assert.Equal(0, await host.ScalarAsync<long>("select count(*) from images.webhook_deliveries where job_id = $1", jobId));
        Assert.Contains(Fal.Requests, r => r.Method == "GET" && r.Path == $"/fal-ai/flux/requests/{fal.RequestId}");
        var mediaId = Assert.Single(job.GetProperty("images").EnumerateArray().ToList()).GetProperty("mediaId").GetString();
        Assert.Contains((owner, agent, mediaId!), host.Agents.PortraitCalls);
        // The job went through running on its way (Fal's IN_PROGRESS, then the copy).
        Assert.NotNull(job.GetProperty("timestamps").GetProperty("runningAt").GetString());
    }

    [Fact]
    public async Task A_webhook_arriving_while_the_job_polls_completes_it_once()
    {
        var (client, _, agent) = await host.UserWithAgentAsync();
        Fal.Behavior.HoldCompletion = true;
        string jobId;
        FakeFalJob fal;
        try
        {
            jobId = await PicturesHost.PostAsync(client, $"/api/agents/{agent}/images");
            fal = await SubmittedAsync(jobId);
        }
        finally
        {
            Fal.Behavior.HoldCompletion = false;
        }
        await Eventually.TrueAsync(() => Task.FromResult(fal.Polls >= 2), TimeSpan.FromSeconds(30), "the job to poll");

        await Fal.CompleteAsync(fal.RequestId);
        var job = await host.FinishedJobAsync(client, jobId);

        Assert.Equal(200, Assert.Single(fal.Deliveries).StatusCode);
        Assert.Equal("succeeded", job.GetProperty("status").GetString());
        Assert.Single(job.GetProperty("images").EnumerateArray());
        Assert.Single(host.Chat.CallsFor(jobId));
    }

    [Fact]
    public async Task Fal_failing_the_request_seen_by_polling_fails_the_job_with_Fals_reason()
    {
        var (client, _, agent) = await host.UserWithAgentAsync();
        Fal.Behavior.WebhookDeliveries = 0;
        Fal.Behavior.CompleteAfterPolls = 1;
        Fal.Behavior.Outcome = FakeFalOutcome.Error;
        string jobId;
        try
        {
            jobId = await PicturesHost.PostAsync(client, $"/api/agents/{agent}/portrait");
            await SubmittedAsync(jobId);
        }
        finally
        {
            Fal.Behavior.WebhookDeliveries = 1;
            Fal.Behavior.CompleteAfterPolls = 0;
            Fal.Behavior.Outcome = FakeFalOutcome.Success;
        }
        var job = await host.FinishedJobAsync(client, jobId);

        Assert.Equal("failed", job.GetProperty("status").GetString());
        Assert.Contains("Invalid status code: 422", job.GetProperty("reason").GetString());
        Assert.DoesNotContain(host.Agents.PortraitCalls, c => c.Agent == agent);
    }

    [Fact]
    public async Task Past_the_deadline_the_job_fails_with_the_reason_and_is_cancelled_at_Fal()
    {
        var (client, _, agent) = await host.UserWithAgentAsync();
        Fal.Behavior.HoldCompletion = true;
        string jobId;
        FakeFalJob fal;
        try
        {
            jobId = await PicturesHost.PostAsync(client, $"/api/agents/{agent}/images");
            fal = await SubmittedAsync(jobId);
        }
        finally
        {
            Fal.Behavior.HoldCompletion = false;
        }
        var job = await host.FinishedJobAsync(client, jobId);

        Assert.Equal("failed", job.GetProperty("status").GetString());
        Assert.Contains("deadline of 10 s", job.GetProperty("reason").GetString());
        Assert.True(fal.IsCancelled);
        Assert.Contains(Fal.Requests, r => r.Method == "PUT" && r.Path == $"/fal-ai/flux/requests/{fal.RequestId}/cancel");
        Assert.Empty(host.Chat.CallsFor(jobId));
        Assert.True(fal.Polls >= 1);
    }
}
