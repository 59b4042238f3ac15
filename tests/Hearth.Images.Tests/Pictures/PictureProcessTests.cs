using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Hearth.Testing;
using Hearth.Testing.Fakes;
using Hearth.Testing.Host;

namespace Hearth.Images.Tests.Pictures;

/// <summary>
/// The real host as a process, with Fal pointing at the fake: killed (SIGKILL) while a picture job waits for Fal's webhook,
/// a new host on the same database receives the webhook and completes the job: the agent's base portrait, started by
/// creating the agent.
/// </summary>
public sealed class PictureProcessTests : IAsyncLifetime
{
    private const string DevToken = "dev-process-token";
    private static readonly TimeSpan StartBound = TimeSpan.FromSeconds(90);
    private readonly string _mediaRoot = Path.Combine(Path.GetTempPath(), "hearth-images-process", Guid.NewGuid().ToString("N")[..10]);
    private FakeFalServer _fal = null!;
    private string _database = null!;

    public async Task InitializeAsync()
    {
        _fal = await FakeFalServer.StartAsync();
        _database = await TestPostgres.CreateDatabaseAsync();
    }

    public async Task DisposeAsync()
    {
        await _fal.DisposeAsync();
        try { Directory.Delete(_mediaRoot, recursive: true); } catch (DirectoryNotFoundException) { }
    }

    private Dictionary<string, string> Environment(int port) => new()
    {
        ["ASPNETCORE_ENVIRONMENT"] = "Development",
        ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
        ["ConnectionStrings__Postgres"] = _database,
        ["Auth__DevToken"] = DevToken,
        ["Fal__Key"] = _fal.ApiKey,
        ["Fal__QueueBaseUrl"] = _fal.BaseUrl.ToString(),
        ["Fal__JwksUrl"] = _fal.JwksUrl.ToString(),
        ["Fal__PublicBaseUrl"] = $"http://127.0.0.1:{port}",
        ["Media__Root"] = _mediaRoot,
        ["Pictures__WebhookTimeout"] = "00:10:00", // the webhook, not polling, must finish the job
        ["Pictures__Deadline"] = "00:20:00",
    };

    [Fact]
    public async Task A_host_killed_while_the_job_waits_for_the_webhook_is_replaced_and_the_job_completes()
    {
        var port = HostProcess.FreePort();
        var baseUrl = new Uri($"http://127.0.0.1:{port}");
        using var client = new HttpClient { BaseAddress = baseUrl, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", DevToken + ":alice");
        _fal.Behavior.HoldCompletion = true;

        string jobId;
        FakeFalJob fal;
        await using (var first = HostProcess.Start(Environment(port)))
        {
            await first.WaitUntilReadyAsync(new Uri(baseUrl, "/readyz").ToString(), StartBound);
            using (var created = await client.PostAsJsonAsync("/api/agents", new { name = "Ada", timezone = "Europe/Paris", appearancePrompt = "short dark hair, green coat" }))
            {
                Assert.Equal(HttpStatusCode.Created, created.StatusCode);
                jobId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("portraitJobId").GetString()!;
            }
            fal = (await Eventually.ValueAsync(() => Task.FromResult(_fal.Jobs.FirstOrDefault(j => j.WebhookUrl?.Query.Contains(jobId) == true)),
                j => j is not null, TimeSpan.FromSeconds(60), "the submission"))!;
            await Eventually.TrueAsync(async () => await PhaseAsync(client, jobId) == "WaitingForWebhook", TimeSpan.FromSeconds(60),
                "the job to wait for the webhook");

            first.Kill();
            await first.WaitForExitAsync(TimeSpan.FromSeconds(30));
        }

        await using var second = HostProcess.Start(Environment(port));
        await second.WaitUntilReadyAsync(new Uri(baseUrl, "/readyz").ToString(), StartBound);
        Assert.Equal("submitted", (await client.GetFromJsonAsync<JsonElement>($"/api/images/{jobId}")).GetProperty("status").GetString());

        await _fal.CompleteAsync(fal.RequestId);
        Assert.Equal(200, Assert.Single(fal.Deliveries).StatusCode);
        var job = await Eventually.ValueAsync(() => client.GetFromJsonAsync<JsonElement>($"/api/images/{jobId}"),
            j => j.GetProperty("status").GetString() is "succeeded" or "failed", TimeSpan.FromSeconds(60), "the job to finish");

        Assert.True(job.GetProperty("status").GetString() == "succeeded", job.ToString());
        Assert.Equal(0, fal.Polls);
        var url = Assert.Single(job.GetProperty("images").EnumerateArray().ToList()).GetProperty("url").GetString()!;
        using var anonymous = new HttpClient { BaseAddress = baseUrl };
        using var picture = await anonymous.GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, picture.StatusCode);
        Assert.Equal("image/png", picture.Content.Headers.ContentType?.MediaType);
        Assert.DoesNotContain(_fal.ApiKey, second.Output);
    }

    private static async Task<string?> PhaseAsync(HttpClient client, string jobId)
    {
        var job = await client.GetFromJsonAsync<JsonElement>($"/api/images/{jobId}");
        return job.TryGetProperty("progress", out var progress) && progress.ValueKind == JsonValueKind.Object
            ? progress.GetProperty("phase").GetString()
            : null;
    }
}
