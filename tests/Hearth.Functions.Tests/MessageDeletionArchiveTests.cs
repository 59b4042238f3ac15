using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Hearth.Testing;
using Hearth.Testing.Host;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;

namespace Hearth.Functions.Tests;

/// <summary>
/// Deleting a message deletes every copy of it (issue 20): with an archive database configured, the archive's mirror of
/// the exchange goes too, while the rest of the conversation stays archived. The whole product runs (queues on).
/// </summary>
public sealed class MessageDeletionArchiveTests
{
    private const string Token = DevelopmentHost.DevTokenValue;
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_deleted_exchange_leaves_the_archive_and_the_rest_of_the_conversation_stays()
    {
        var archive = await TestPostgres.CreateDatabaseAsync();
        var clock = new ManualTime(new DateTimeOffset(2025, 3, 4, 13, 5, 0, TimeSpan.Zero));
        await using var host = await HearthFactory.CreateAsync("Development", new Dictionary<string, string?>
        {
            ["Auth:DevToken"] = Token,
            ["RateLimits:Chat:PermitLimit"] = "0",
            ["Life:Enabled"] = "false",
            ["ConnectionStrings:Archive"] = archive,
        }, services => services.Replace(ServiceDescriptor.Singleton<TimeProvider>(clock)));
        var user = host.ClientWith($"{Token}:archive-delete");
        using var created = await user.PostAsJsonAsync("/api/agents", new { name = "Mia", timezone = "UTC" });
        var agent = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;

        var kept = await ChatAsync(user, agent, "I grow tomatoes on the balcony.");
        var gone = await ChatAsync(user, agent, "My bank PIN is hidden under the quokkaplant.");
        await Eventually.TrueAsync(async () => await CountAsync(archive, "select count(*) from archive.chat_messages where agent_id = $1", agent) == 4,
            Bound, "both exchanges are archived");

        using (var deleted = await user.DeleteAsync($"/api/agents/{agent}/messages/{gone.GetProperty("userMessage").GetProperty("id").GetString()}"))
            Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);

        await Eventually.TrueAsync(async () => await CountAsync(archive, "select count(*) from archive.chat_messages where agent_id = $1", agent) == 2,
            Bound, "the deleted exchange leaves the archive");
        Assert.Equal(0, await CountAsync(archive, "select count(*) from archive.chat_messages where text like '%quokkaplant%'"));
        Assert.Equal(0, await CountAsync(archive, "select count(*) from archive.chat_messages where id = any($1)",
            (object)new[] { gone.GetProperty("userMessage").GetProperty("id").GetString()!, gone.GetProperty("reply").GetProperty("id").GetString()! }));
        Assert.Equal(2, await CountAsync(archive, "select count(*) from archive.chat_messages where id = any($1)",
            (object)new[] { kept.GetProperty("userMessage").GetProperty("id").GetString()!, kept.GetProperty("reply").GetProperty("id").GetString()! }));
    }

    private static async Task<JsonElement> ChatAsync(HttpClient user, string agent, string text)
    {
        using var response = await user.PostAsJsonAsync($"/api/agents/{agent}/chat", new { text });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static async Task<long> CountAsync(string connectionString, string sql, params object[] values)
    {
        await using var db = NpgsqlDataSource.Create(connectionString);
        await using var command = db.CreateCommand(sql);
        foreach (var value in values) command.Parameters.Add(new NpgsqlParameter { Value = value });
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }
}
