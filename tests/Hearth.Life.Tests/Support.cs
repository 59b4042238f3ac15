using System.Net.Http.Json;
using System.Text.Json;
using Hearth.Testing.Host;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;

namespace Hearth.Life.Tests;

/// <summary>Helpers shared by the life tests: agents, users and SQL reads against a host's database.</summary>
public static class LifeTestKit
{
    /// <summary>Tuesday 4 March 2025, 00:00 UTC.</summary>
    public static readonly DateTimeOffset Start = new(2025, 3, 4, 0, 0, 0, TimeSpan.Zero);

    public const string DevToken = DevelopmentHost.DevTokenValue;

    public static Task<HearthFactory> CreateHostAsync(ManualTime clock, IDictionary<string, string?>? extra = null, string? connectionString = null,
        Action<IServiceCollection>? services = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Auth:DevToken"] = DevToken,
            ["RateLimits:Chat:PermitLimit"] = "0",
            ["Chat:SummaryEveryTurns"] = "0",
            ["Life:Enabled"] = "true",
            // The webhook receivers of these tests listen on 127.0.0.1: the Development-only allowance (docs/life.md).
            ["Outbound:AllowLoopback"] = "true",
        };
        if (connectionString is not null) settings["ConnectionStrings:Postgres"] = connectionString;
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>()) settings[key] = value;
        return HearthFactory.CreateAsync("Development", settings, collection =>
        {
            collection.Replace(ServiceDescriptor.Singleton<TimeProvider>(clock));
            services?.Invoke(collection);
        });
    }

    public static HttpClient User(this HearthFactory host, string name) => host.ClientWith($"{DevToken}:{name}");

    public static async Task<string> SetUpUserAsync(this HearthFactory host, string name, string timeZone)
    {
        var response = await host.User(name).PatchAsJsonAsync("/api/me", new { timeZone });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    public static async Task<string> CreateAgentAsync(this HearthFactory host, string user, object body)
    {
        var response = await host.User(user).PostAsJsonAsync("/api/agents", body);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    public static async Task EnableInitiationsAsync(this HearthFactory host, string user, string agentId, object? settings = null)
    {
        var response = await host.User(user).PatchAsJsonAsync($"/api/agents/{agentId}/initiations/settings", settings ?? new { enabled = true });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>
    /// Plans an initiation due now ("The kettle sings: tea?") and delivers it through the engine, before any webhook exists
    /// (so no push job runs on its own); returns what the delivery made, for the test to run the push itself.
    /// </summary>
    public static async Task<Hearth.Life.DeliveryResult> DeliverInitiationAsync(this HearthFactory host, string owner, string agent, DateTimeOffset now)
    {
        var initiation = Guid.CreateVersion7();
        await using (var db = NpgsqlDataSource.Create(host.ConnectionString))
        await using (var insert = db.CreateCommand("""
            insert into life.initiations (id, owner_id, agent_id, slot, topic, text, planned_at, send_at, status)
            values (@id, @owner, @agent, 'push-test', 'tea', 'The kettle sings: tea?', @now, @now, 'planned')
            """))
        {
            insert.Parameters.AddWithValue("id", initiation);
            insert.Parameters.AddWithValue("owner", Guid.Parse(owner));
            insert.Parameters.AddWithValue("agent", Guid.Parse(agent));
            insert.Parameters.AddWithValue("now", now);
            await insert.ExecuteNonQueryAsync();
        }
        var delivered = await host.Services.GetRequiredService<Hearth.Life.LifeEngine>().DeliverAsync(owner, initiation.ToString(), CancellationToken.None);
        Assert.True(delivered.Sent, delivered.ToString());
        return delivered;
    }

    public static async Task<long> ScalarAsync(this HearthFactory host, string sql, params (string Name, object Value)[] parameters)
    {
        await using var db = NpgsqlDataSource.Create(host.ConnectionString);
        await using var command = db.CreateCommand(sql);
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }

    public static async Task<List<T>> QueryAsync<T>(this HearthFactory host, string sql, Func<NpgsqlDataReader, T> read, params (string Name, object Value)[] parameters)
    {
        await using var db = NpgsqlDataSource.Create(host.ConnectionString);
        await using var command = db.CreateCommand(sql);
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
        await using var reader = await command.ExecuteReaderAsync();
        var list = new List<T>();
        while (await reader.ReadAsync()) list.Add(read(reader));
        return list;
    }
}
