using Hearth.Durable.Jobs;
using Hearth.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Hearth.Web.Tests;

[Collection(WebCollection.Name)]
public sealed class JobsPageTests(WebApp app)
{
    [Fact]
    public async Task A_dead_job_shows_its_error_and_retry_runs_it_again()
    {
        var jobs = app.Factory.Services.GetRequiredService<IJobClient>();
        var id = await jobs.EnqueueAsync(FlakyJob.Queue, new FlakyJob("web admin"));
        var admin = app.AdminApi();
        await Eventually.TrueAsync(async () => (await admin.GetFromJsonAsync<JsonElement>($"/api/admin/jobs/{id}")).GetProperty("state").GetString() == "Dead",
            TimeSpan.FromSeconds(30), "the flaky job dead after its first run");

        var page = await app.NewPageAsync();
        await page.GotoAsync("/admin#jobs");
        // The admin dev token is what Development fills in.
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        var table = page.GetByRole(AriaRole.Table, new() { Name = "Jobs" });
        var row = table.Locator($"tr[data-job-id='{id}']");
        await Expect(row).ToContainTextAsync("The printer is on fire (web admin).");
        await Expect(row).ToContainTextAsync("Dead");
        await Screenshots.SaveAsync(page, "admin-dead-job");

        await row.GetByRole(AriaRole.Button, new() { Name = $"Retry job {FlakyJob.Queue} {id}" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Job queued again." })).ToBeVisibleAsync();
        await Eventually.TrueAsync(async () => (await admin.GetFromJsonAsync<JsonElement>($"/api/admin/jobs/{id}")).GetProperty("state").GetString() == "Succeeded",
            TimeSpan.FromSeconds(30), "the retried job succeeded");
        await page.GetByLabel("Job state").SelectOptionAsync("Succeeded");
        await Expect(table.Locator($"tr[data-job-id='{id}']")).ToContainTextAsync("Succeeded");
    }
}
