using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Hearth.Testing.Host;
using Npgsql;

namespace Hearth.Proof.Tests;

/// <summary>
/// The whole host in process as a user meets it: the offline model, the placeholder painter, a media folder of its own,
/// no rate limits (the rate-limit tests use their own host), and job retries that do not wait for seconds.
/// </summary>
public class ProofHost : DevelopmentHost, IAsyncLifetime
{
    public string MediaRoot { get; } = Path.Combine(Path.GetTempPath(), "hearth-proof", Guid.NewGuid().ToString("N")[..12]);

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
    {
        ["Media:Root"] = MediaRoot,
        ["RateLimits:Chat:PermitLimit"] = "0",
        ["RateLimits:Pictures:PermitLimit"] = "0",
        ["RateLimits:Imports:PermitLimit"] = "0",
        ["RateLimits:Agents:PermitLimit"] = "0",
        ["RateLimits:SkillIngest:PermitLimit"] = "0",
        ["RateLimits:LifeTicks:PermitLimit"] = "0",
        ["RateLimits:Summaries:PermitLimit"] = "0",
        ["RateLimits:SkillEdits:PermitLimit"] = "0",
        ["AzureFunctionsJobHost:extensions:queues:visibilityTimeout"] = "00:00:00.050",
        ["AzureFunctionsJobHost:extensions:queues:maxRetryInterval"] = "00:00:00.200",
        ["AzureFunctionsJobHost:extensions:queues:maxDequeueCount"] = "2",
    };

    /// <summary>Creates a companion for <paramref name="client"/> and returns its id.</summary>
    public static async Task<string> CreateAgentAsync(HttpClient client, string name = "Mia")
    {
        using var response = await client.PostAsJsonAsync("/api/agents", new { name, timezone = "Europe/Lisbon", homeCity = "Lisbon", occupation = "florist" });
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"create agent: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    /// <summary>Starts a picture of the agent (202) and returns the job id.</summary>
    public static async Task<string> RequestPictureAsync(HttpClient client, string agentId, string prompt = "on a balcony at sunset")
    {
        using var response = await client.PostAsJsonAsync($"/api/agents/{agentId}/images", new { prompt });
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"picture: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    /// <summary>Runs a scalar query on the host's database.</summary>
    public async Task<T> ScalarAsync<T>(string sql, params object[] parameters)
    {
        await using var db = NpgsqlDataSource.Create(Factory.ConnectionString);
        await using var command = db.CreateCommand(sql);
        foreach (var p in parameters) command.Parameters.Add(new NpgsqlParameter { Value = p });
        return (T)(await command.ExecuteScalarAsync())!;
    }

    Task IAsyncLifetime.InitializeAsync() => InitializeAsync();

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        try { Directory.Delete(MediaRoot, recursive: true); } catch (DirectoryNotFoundException) { }
    }
}
