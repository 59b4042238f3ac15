using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Hearth.Functions.Hosting;
using Hearth.Testing.Host;

namespace Hearth.Functions.Tests;

/// <summary>One user cannot pile up runs (issue 18, M1): past the cap, a route that starts an orchestration answers 429 too-many-active.</summary>
public sealed class ActiveWorkLimitTests
{
    [Fact]
    public async Task A_user_at_the_cap_of_active_runs_gets_429_too_many_active_and_another_user_is_not_affected()
    {
        // No workers in this host: the runs it starts stay pending, so the count is exact.
        await using var factory = await HearthFactory.CreateAsync(settings: new Dictionary<string, string?>
        {
            ["AzureFunctionsJobHost:extensions:queues:enabled"] = "false",
            ["Fairness:MaxActiveOrchestrationsPerUser"] = "2",
        });
        var carol = factory.ClientWith("dev:carol");
        var agents = new List<string>();
        for (var i = 0; i < 3; i++) agents.Add(await CreateAgentAsync(carol, $"Ash{i}"));

        for (var i = 0; i < 2; i++)
        {
            using var started = await carol.PostAsync($"/api/agents/{agents[i]}/life/tick", null);
            Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        }
        using var refused = await carol.PostAsync($"/api/agents/{agents[2]}/life/tick", null);
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.True(refused.Headers.RetryAfter?.Delta > TimeSpan.Zero, "429 without Retry-After");
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(ProblemTypes.TooManyActive, problem.GetProperty("type").GetString());
        Assert.Equal(2, problem.GetProperty("active").GetInt32());
        Assert.Equal(2, problem.GetProperty("limit").GetInt32());
        // The same cap guards pictures, imports and ingests.
        using (var picture = await carol.PostAsJsonAsync($"/api/agents/{agents[2]}/images", new { }))
            Assert.Equal(HttpStatusCode.TooManyRequests, picture.StatusCode);
        using (var ingest = await carol.PostAsJsonAsync("/api/skills/ingest", new { files = new[] { new { path = "skills/a/SKILL.md", content = "# A\n" } } }))
            Assert.Equal(HttpStatusCode.TooManyRequests, ingest.StatusCode);

        var dave = factory.ClientWith("dev:dave");
        using var others = await dave.PostAsync($"/api/agents/{await CreateAgentAsync(dave, "Birch")}/life/tick", null);
        Assert.Equal(HttpStatusCode.Accepted, others.StatusCode);
    }

    private static async Task<string> CreateAgentAsync(HttpClient client, string name)
    {
        using var response = await client.PostAsJsonAsync("/api/agents", new { name, timezone = "UTC" });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }
}
