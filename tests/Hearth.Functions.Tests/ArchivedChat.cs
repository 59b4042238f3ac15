using System.Net.Http.Json;
using System.Text.Json;
using Hearth.Testing;
using Hearth.Testing.Host;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;

namespace Hearth.Functions.Tests;

/// <summary>
/// The whole product (queues on) with an archive database and a clock the test moves, one user and one companion: what
/// the archive mirror's tests start from.
/// </summary>
internal sealed class ArchivedChat : IAsyncDisposable
{
    /// <summary>How long the mirror's jobs may take on a loaded machine (passes as soon as they are done).</summary>
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    private ArchivedChat(HearthFactory host, HttpClient user, string agent, string archive, ManualTime clock) =>
        (Host, User, Agent, Archive, Clock) = (host, user, agent, archive, clock);

    public HearthFactory Host { get; }
    public HttpClient User { get; }
    public string Agent { get; }
    public string Archive { get; }
    public ManualTime Clock { get; }

    public static async Task<ArchivedChat> StartAsync(string userName)
    {
        var archive = await TestPostgres.CreateDatabaseAsync();
        var clock = new ManualTime(new DateTimeOffset(2025, 3, 4, 13, 5, 0, TimeSpan.Zero));
        var host = await HearthFactory.CreateAsync("Development", new Dictionary<string, string?>
        {
            ["Auth:DevToken"] = DevelopmentHost.DevTokenValue,
            ["RateLimits:Chat:PermitLimit"] = "0",
            ["Life:Enabled"] = "false",
            ["ConnectionStrings:Archive"] = archive,
        }, services => services.Replace(ServiceDescriptor.Singleton<TimeProvider>(clock)));
        var user = host.ClientWith($"{DevelopmentHost.DevTokenValue}:{userName}");
        using var created = await user.PostAsJsonAsync("/api/agents", new { name = "Mia", timezone = "UTC" });
        var agent = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        return new ArchivedChat(host, user, agent, archive, clock);
    }

    /// <summary>One chat turn with the companion; the turn as the API answers it.</summary>
    public async Task<JsonElement> ChatAsync(string text)
    {
        using var response = await User.PostAsJsonAsync($"/api/agents/{Agent}/chat", new { text });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>A count (or other integer) read from the archive database.</summary>
    public async Task<long> ArchiveScalarAsync(string sql, params object[] values)
    {
        await using var db = NpgsqlDataSource.Create(Archive);
        await using var command = db.CreateCommand(sql);
        foreach (var value in values) command.Parameters.Add(new NpgsqlParameter { Value = value });
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }

    public ValueTask DisposeAsync() => Host.DisposeAsync();
}
