using System.Net.Http.Json;
using System.Text.Json;
using Hearth.Durable;
using Hearth.Memory;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Hearth.Chat.Tests;

/// <summary>Steps the chat tests share: who the caller is, the companion's mood, search, and the memory jobs a turn queued.</summary>
public static class ChatSteps
{
    /// <summary>Creates a group of the given companions (in turn order); the group's id.</summary>
    public static async Task<string> CreateGroupAsync(this HttpClient client, params string[] agentIds)
    {
        using var created = await client.PostAsJsonAsync("/api/groups", new { agentIds });
        Assert.Equal(System.Net.HttpStatusCode.Created, created.StatusCode);
        return (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    /// <summary>Says <paramref name="text"/> in the group; the group turn's answer (asserted 200).</summary>
    public static async Task<JsonElement> SayInGroupAsync(this HttpClient client, string group, string text, string? clientMessageId = null)
    {
        using var response = await client.PostAsJsonAsync($"/api/groups/{group}/chat", new { text, clientMessageId });
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>The line scripted for the companion whose system prompt this is ("You are {name}."), or null.</summary>
    public static string? LineFor(this IReadOnlyDictionary<string, string> next, Hearth.Testing.Fakes.FakeChatRequest request) =>
        next.FirstOrDefault(p => request.System.StartsWith($"You are {p.Key}.", StringComparison.Ordinal)).Value;

    public static async Task<string> OwnerAsync(this HttpClient client) =>
        (await client.GetFromJsonAsync<JsonElement>("/api/me")).GetProperty("id").GetString()!;

    public static async Task<(double Mood, double Affinity)> FeelingsAsync(this HttpClient client, string agent)
    {
        var state = await client.GetFromJsonAsync<JsonElement>($"/api/agents/{agent}/state");
        return (state.GetProperty("mood").GetProperty("value").GetDouble(), state.GetProperty("affinity").GetProperty("value").GetDouble());
    }

    /// <summary>The texts BM25 search finds for the query among the agent's memory.</summary>
    public static async Task<List<string>> SearchAsync(this HttpClient client, string agent, string query)
    {
        var result = await client.GetFromJsonAsync<JsonElement>($"/api/search?q={Uri.EscapeDataString(query)}&agentId={agent}&mode=bm25");
        return result.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("text").GetString()!).ToList();
    }

    /// <summary>The texts of the caller's memories (suggested and accepted).</summary>
    public static async Task<List<string>> MemoriesAsync(this HttpClient client)
    {
        var memory = await client.GetFromJsonAsync<JsonElement>("/api/memory");
        return memory.GetProperty("items").EnumerateArray().Select(m => m.GetProperty("text").GetString()!).ToList();
    }

    /// <summary>
    /// Runs the memory jobs queued for <paramref name="owner"/>, oldest first, as the queue functions would (the queues do
    /// not run in the test hosts), and marks them succeeded; returns the queues run, in order.
    /// </summary>
    public static async Task<List<string>> RunMemoryJobsAsync(this OfflineChatHost host, string owner)
    {
        var services = host.Factory.Services;
        await using var db = NpgsqlDataSource.Create(host.Factory.ConnectionString);
        var jobs = new List<(long Id, string Queue, string Payload)>();
        await using (var read = db.CreateCommand("select id, queue, payload::text from durable.jobs where owner = @o and queue like 'memory.%' and state = 'ready' order by id"))
        {
            read.Parameters.AddWithValue("o", owner);
            await using var reader = await read.ExecuteReaderAsync();
            while (await reader.ReadAsync()) jobs.Add((reader.GetInt64(0), reader.GetString(1), reader.GetString(2)));
        }
        foreach (var (id, queue, payload) in jobs)
        {
            switch (queue)
            {
                case ChatQueues.IndexTurn:
                    await services.GetRequiredService<TurnIndexer>().IndexAsync(DurableJson.Deserialize<TurnCommitted>(payload)!, CancellationToken.None);
                    break;
                case ChatQueues.ExtractSuggestions:
                    await services.GetRequiredService<SuggestionService>().ExtractAsync(DurableJson.Deserialize<TurnCommitted>(payload)!, CancellationToken.None);
                    break;
                case ChatQueues.SummariseSession:
                    await services.GetRequiredService<SessionSummarizer>().SummariseAsync(DurableJson.Deserialize<SessionSummaryRequested>(payload)!, CancellationToken.None);
                    break;
                case ChatQueues.ForgetMessages:
                    await services.GetRequiredService<MessageForgetter>().ForgetAsync(DurableJson.Deserialize<MessagesDeleted>(payload)!, CancellationToken.None);
                    break;
                default:
                    continue;
            }
            await using var done = db.CreateCommand("update durable.jobs set state = 'succeeded', finished_at = now() where id = @id");
            done.Parameters.AddWithValue("id", id);
            await done.ExecuteNonQueryAsync();
        }
        return jobs.Select(j => j.Queue).ToList();
    }
}
