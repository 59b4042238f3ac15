using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Hearth.Functions.Hosting;
using Hearth.Testing.Host;
using Npgsql;

namespace Hearth.Functions.Tests;

/// <summary>One user cannot pile up companions (issue 18, M1: 300 were accepted): past the cap, creating one answers 409 too-many-agents.</summary>
public sealed class AgentLimitTests
{
    private const int Cap = 3;

    [Fact]
    public async Task Concurrent_creates_never_pass_the_cap_and_the_rest_get_409_too_many_agents()
    {
        await using var factory = await HearthFactory.CreateAsync(settings: new Dictionary<string, string?>
        {
            ["AzureFunctionsJobHost:extensions:queues:enabled"] = "false",
            ["Fairness:MaxAgentsPerUser"] = Cap.ToString(),
            ["RateLimits:Agents:PermitLimit"] = "0",
        });
        var erin = factory.ClientWith("dev:erin");

        var responses = await Task.WhenAll(Enumerable.Range(0, 12).Select(i => erin.PostAsJsonAsync("/api/agents", new { name = $"Fern{i}", timezone = "UTC" })));

        Assert.Equal(Cap, responses.Count(r => r.StatusCode == HttpStatusCode.Created));
        var refused = responses.Where(r => r.StatusCode != HttpStatusCode.Created).ToList();
        Assert.All(refused, r => Assert.Equal(HttpStatusCode.Conflict, r.StatusCode));
        var problem = await refused[0].Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(ProblemTypes.TooManyAgents, problem.GetProperty("type").GetString());
        Assert.Equal(Cap, problem.GetProperty("limit").GetInt32());
        Assert.Contains($"{Cap} companions", problem.GetProperty("detail").GetString());
        Assert.Equal(Cap, await CountAgentsAsync(factory, "dev:erin"));

        // Another user has a cap of their own.
        using (var others = await factory.ClientWith("dev:frank").PostAsJsonAsync("/api/agents", new { name = "Gorse", timezone = "UTC" }))
            Assert.Equal(HttpStatusCode.Created, others.StatusCode);

        // Deleting one makes room for one.
        var first = (await responses.First(r => r.StatusCode == HttpStatusCode.Created).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        using (var deleted = await erin.DeleteAsync($"/api/agents/{first}"))
            Assert.Equal(HttpStatusCode.Accepted, deleted.StatusCode);
        using (var again = await erin.PostAsJsonAsync("/api/agents", new { name = "Heath", timezone = "UTC" }))
            Assert.Equal(HttpStatusCode.Created, again.StatusCode);
        using (var over = await erin.PostAsJsonAsync("/api/agents", new { name = "Ivy", timezone = "UTC" }))
            Assert.Equal(HttpStatusCode.Conflict, over.StatusCode);
        foreach (var response in responses) response.Dispose();
    }

    private static async Task<long> CountAgentsAsync(HearthFactory factory, string subject)
    {
        await using var connection = new NpgsqlConnection(factory.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""
            select count(*) from companions.agents a join identity.users u on u.id = a.owner_id where u.subject = @subject
            """, connection);
        command.Parameters.AddWithValue("subject", subject);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
