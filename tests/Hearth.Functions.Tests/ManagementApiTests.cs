using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Hearth.Durable.Jobs;
using Hearth.Durable.Orchestrations;
using Hearth.Functions.Hosting;
using Hearth.Functions.Tests.Support;
using Hearth.Testing.Host;
using Hearth.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Hearth.Functions.Tests;

public sealed class ManagementApiTests(FunctionsHost host) : IClassFixture<FunctionsHost>
{
    private IOrchestrationClient Orchestrations => host.Factory.Services.GetRequiredService<IOrchestrationClient>();
    private IJobClient Jobs => host.Factory.Services.GetRequiredService<IJobClient>();

    private async Task<(HttpClient Client, string Id)> UserAsync(string name) => (host.User(name), await host.UserIdAsync(name));

    private async Task<string> StartApprovalAsync(string ownerId, string subject = "thing") =>
        (await Orchestrations.StartAsync(nameof(ApprovalOrchestration), new ApprovalInput(subject), new StartOptions { Owner = ownerId })).InstanceId;

    private async Task<JsonElement> WaitForStatusAsync(string id, params string[] statuses)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var status = await host.Admin.GetFromJsonAsync<JsonElement>($"/api/orchestrations/{id}");
            if (statuses.Contains(status.GetProperty("status").GetString())) return status;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Instance {id} stayed {status.GetProperty("status")}");
            await Orchestrations.WaitForCompletionAsync(id, TimeSpan.FromMilliseconds(200));
        }
    }

    [Fact]
    public async Task A_user_reads_their_own_orchestration_and_another_user_gets_404()
    {
        var (alice, aliceId) = await UserAsync("mgmt-alice");
        var (bob, _) = await UserAsync("mgmt-bob");
        var id = await StartApprovalAsync(aliceId);
        await WaitForStatusAsync(id, "Waiting");

        var mine = await alice.GetFromJsonAsync<JsonElement>($"/api/orchestrations/{id}");
        Assert.Equal(id, mine.GetProperty("id").GetString());
        Assert.Equal("ApprovalOrchestration", mine.GetProperty("type").GetString());
        Assert.Equal("waiting", mine.GetProperty("customStatus").GetProperty("stage").GetString());
        Assert.EndsWith("Z", mine.GetProperty("createdAt").GetString());

        var theirs = await bob.GetAsync($"/api/orchestrations/{id}");
        Assert.Equal(HttpStatusCode.NotFound, theirs.StatusCode);
        Assert.Equal(ProblemTypes.NotFound, (await theirs.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("type").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await bob.PostAsJsonAsync($"/api/orchestrations/{id}/events/approve", "bob")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await bob.PostAsJsonAsync($"/api/orchestrations/{id}/terminate", new { reason = "mine now" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await bob.DeleteAsync($"/api/orchestrations/{id}")).StatusCode);
        Assert.DoesNotContain(id, await bob.GetStringAsync("/api/orchestrations"));

        Assert.Equal(HttpStatusCode.OK, (await host.Admin.GetAsync($"/api/orchestrations/{id}")).StatusCode); // admins see all
    }

    [Fact]
    public async Task Raising_an_event_answers_202_with_a_status_url_and_the_instance_completes_with_it()
    {
        var (alice, aliceId) = await UserAsync("mgmt-raise");
        var id = await StartApprovalAsync(aliceId);
        await WaitForStatusAsync(id, "Waiting");

        var raised = await alice.PostAsJsonAsync($"/api/orchestrations/{id}/events/approve", "yes please");

        Assert.Equal(HttpStatusCode.Accepted, raised.StatusCode);
        var accepted = await raised.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(id, accepted.GetProperty("id").GetString());
        var statusUrl = accepted.GetProperty("statusUrl").GetString()!;
        Assert.Equal($"/api/orchestrations/{id}", statusUrl);
        Assert.Equal(statusUrl, raised.Headers.Location?.OriginalString);

        await WaitForStatusAsync(id, "Completed");
        var done = await alice.GetFromJsonAsync<JsonElement>(statusUrl);
        Assert.Equal("approved: yes please", done.GetProperty("output").GetString());
        Assert.EndsWith("Z", done.GetProperty("completedAt").GetString());

        var late = await alice.PostAsJsonAsync($"/api/orchestrations/{id}/events/approve", "again");
        Assert.Equal(HttpStatusCode.Conflict, late.StatusCode);
        Assert.Equal(ProblemTypes.Conflict, (await late.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("type").GetString());
    }

    [Fact]
    public async Task Only_a_finished_instance_can_be_purged_so_terminate_first()
    {
        var (alice, aliceId) = await UserAsync("mgmt-purge");
        var id = await StartApprovalAsync(aliceId);
        await WaitForStatusAsync(id, "Waiting");

        var early = await alice.DeleteAsync($"/api/orchestrations/{id}");
        Assert.Equal(HttpStatusCode.Conflict, early.StatusCode);

        var terminate = await alice.PostAsJsonAsync($"/api/orchestrations/{id}/terminate", new { reason = "changed my mind" });
        Assert.Equal(HttpStatusCode.Accepted, terminate.StatusCode);
        var terminated = await WaitForStatusAsync(id, "Terminated");
        Assert.Contains("changed my mind", terminated.GetProperty("error").GetString());
        Assert.Equal(HttpStatusCode.Conflict, (await alice.PostAsync($"/api/orchestrations/{id}/terminate", null)).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await alice.DeleteAsync($"/api/orchestrations/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await alice.GetAsync($"/api/orchestrations/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await alice.DeleteAsync($"/api/orchestrations/{id}")).StatusCode);
    }

    [Fact]
    public async Task The_list_pages_with_a_cursor_and_filters_by_type_and_status()
    {
        var (carol, carolId) = await UserAsync("mgmt-paging");
        var ids = new List<string>();
        for (var i = 0; i < 5; i++) ids.Add(await StartApprovalAsync(carolId, $"item {i}"));
        foreach (var id in ids) await WaitForStatusAsync(id, "Waiting");

        var seen = new List<string>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await carol.GetFromJsonAsync<JsonElement>($"/api/orchestrations?type=ApprovalOrchestration&status=waiting&limit=2" + (cursor is null ? "" : $"&cursor={cursor}"));
            var items = page.GetProperty("items").EnumerateArray().ToList();
            Assert.InRange(items.Count, 1, 2);
            seen.AddRange(items.Select(item => item.GetProperty("id").GetString()!));
            cursor = page.GetProperty("nextCursor").ValueKind == JsonValueKind.Null ? null : page.GetProperty("nextCursor").GetString();
            pages++;
        }
        while (cursor is not null && pages < 10);

        Assert.Equal(3, pages);
        Assert.Equal(ids.OrderBy(x => x), seen.OrderBy(x => x));
        var completed = await carol.GetFromJsonAsync<JsonElement>("/api/orchestrations?status=Completed");
        Assert.Empty(completed.GetProperty("items").EnumerateArray());
        var otherType = await carol.GetFromJsonAsync<JsonElement>("/api/orchestrations?type=NoSuchType");
        Assert.Empty(otherType.GetProperty("items").EnumerateArray());
    }

    [Theory]
    [InlineData("/api/orchestrations?status=Sleeping", "status")]
    [InlineData("/api/orchestrations?limit=0", "limit")]
    [InlineData("/api/orchestrations?limit=1000", "limit")]
    [InlineData("/api/orchestrations?cursor=not-one-of-ours!", "cursor")]
    [InlineData("/api/admin/jobs?state=Sleeping", "state")]
    [InlineData("/api/admin/jobs?cursor=abc", "cursor")]
    public async Task Bad_list_parameters_are_400_validation_problems_naming_the_field(string url, string field)
    {
        var response = await host.Admin.GetAsync(url);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(ProblemTypes.Validation, problem.GetProperty("type").GetString());
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.GetRawText());
    }

    [Fact]
    public async Task An_admin_lists_dead_jobs_and_retries_one()
    {
        var jobId = (await Jobs.EnqueueAsync(TestModule.FailingFunction, new TestMessage("boom")))!.Value;
        await Eventually.TrueAsync(async () => (await Jobs.GetAsync(jobId))!.State == JobState.Dead, TimeSpan.FromSeconds(30), "the failing job goes dead");

        var dead = await host.Admin.GetFromJsonAsync<JsonElement>($"/api/admin/jobs?state=dead&queue={TestModule.FailingFunction}");
        var listed = Assert.Single(dead.GetProperty("items").EnumerateArray(), j => j.GetProperty("id").GetString() == jobId.ToString());
        Assert.Contains("always fails", listed.GetProperty("lastError").GetString());
        Assert.Equal("Dead", listed.GetProperty("state").GetString());

        var retry = await host.Admin.PostAsync($"/api/admin/jobs/{jobId}/retry", null);
        Assert.Equal(HttpStatusCode.Accepted, retry.StatusCode);
        Assert.Equal($"/api/admin/jobs/{jobId}", (await retry.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("statusUrl").GetString());
        var status = await host.Admin.GetFromJsonAsync<JsonElement>($"/api/admin/jobs/{jobId}");
        Assert.NotEqual(0, status.GetProperty("maxAttempts").GetInt32());
    }

    [Fact]
    public async Task An_admin_cancels_a_waiting_job_once_and_it_cannot_be_cancelled_again()
    {
        var jobId = (await Jobs.EnqueueAsync(TestModule.NoopFunction, new TestMessage("later"), new EnqueueOptions { Delay = TimeSpan.FromHours(1) }))!.Value;

        var cancel = await host.Admin.PostAsync($"/api/admin/jobs/{jobId}/cancel", null);
        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        Assert.Equal("Cancelled", (await cancel.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("state").GetString());

        Assert.Equal(HttpStatusCode.Conflict, (await host.Admin.PostAsync($"/api/admin/jobs/{jobId}/cancel", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await host.Admin.PostAsync($"/api/admin/jobs/{jobId}/retry", null)).StatusCode);
    }

    [Theory]
    [InlineData("/api/admin/jobs/999999999")]
    [InlineData("/api/admin/jobs/not-a-number")]
    public async Task Unknown_jobs_are_404(string url)
    {
        Assert.Equal(HttpStatusCode.NotFound, (await host.Admin.GetAsync(url)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await host.Admin.PostAsync(url + "/retry", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await host.Admin.PostAsync(url + "/cancel", null)).StatusCode);
    }
}
