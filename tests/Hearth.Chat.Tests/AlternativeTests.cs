using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Hearth.Memory;
using Hearth.Testing.Fakes;
using Microsoft.Extensions.DependencyInjection;

namespace Hearth.Chat.Tests;

/// <summary>Regenerated replies ("swipes"): the alternatives are kept, and only the chosen one counts for later prompts, mood and the index.</summary>
[Collection("model-host")]
public sealed class AlternativeTests(ModelChatHost host) : IClassFixture<ModelChatHost>
{
    private async Task<double> MoodAsync(HttpClient client, string agent) =>
        (await client.GetFromJsonAsync<JsonElement>($"/api/agents/{agent}/state")).GetProperty("mood").GetProperty("value").GetDouble();

    private async Task<List<string>> SearchAsync(HttpClient client, string agent, string query)
    {
        var result = await client.GetFromJsonAsync<JsonElement>($"/api/search?q={Uri.EscapeDataString(query)}&agentId={agent}&mode=bm25");
        return result.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("text").GetString()!).ToList();
    }

    /// <summary>Runs the index job the chat enqueued for the reply (the queues do not run in this host).</summary>
    private async Task IndexAsync(string owner, string agent, JsonElement turn, string replyId)
    {
        var indexer = host.Factory.Services.GetRequiredService<TurnIndexer>();
        await indexer.IndexAsync(new TurnCommitted(owner, agent, turn.GetProperty("sessionId").GetString()!, turn.GetProperty("userMessage").GetProperty("id").GetString()!,
            replyId, 1, DateTimeOffset.UtcNow), CancellationToken.None);
    }

    [Fact]
    public async Task Regenerate_keeps_the_alternatives_and_only_the_chosen_one_counts_for_prompts_mood_and_the_index()
    {
        host.Reset();
        var client = host.User("swipe");
        var owner = (await client.GetFromJsonAsync<JsonElement>("/api/me")).GetProperty("id").GetString()!;
        var agent = (await host.CreateAgentAsync(client, new { name = "Mia", timezone = "UTC", moodBaseline = 0.0 })).GetProperty("id").GetString()!;
        var start = await MoodAsync(client, agent);

        host.First.Enqueue(FakeChatReply.Text("Marmalade sandwiches, obviously.\n[[feel mood=0.2 affinity=2 reason=sweet question]]"));
        var turn = await host.ChatAsync(client, agent, "What's your favourite lunch?");
        var replyId = turn.GetProperty("reply").GetProperty("id").GetString()!;
        var afterFirst = await MoodAsync(client, agent);
        Assert.True(afterFirst > start);

        host.First.Enqueue(FakeChatReply.Text("Honestly? Cold noodles at midnight.\n[[feel mood=-0.1 affinity=0 reason=tired]]"));
        using (var regenerated = await client.PostAsync($"/api/agents/{agent}/messages/{replyId}/regenerate", null))
        {
            Assert.True(regenerated.StatusCode == HttpStatusCode.OK, await regenerated.Content.ReadAsStringAsync());
            var body = await regenerated.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(1, body.GetProperty("selected").GetInt32());
            Assert.Equal(["Marmalade sandwiches, obviously.", "Honestly? Cold noodles at midnight."],
                body.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("text").GetString()).ToList());
        }
        // The regeneration was written from the same conversation: the user's message last, not the replaced reply.
        var again = host.First.Requests[^1];
        Assert.Equal("What's your favourite lunch?", again.LastUser);
        Assert.DoesNotContain(again.Messages, m => m.Content.Contains("Marmalade", StringComparison.Ordinal));

        // Mood: the first reply's judgement (+0.2) is taken back, the chosen one's (-0.1) applied.
        var afterSwap = await MoodAsync(client, agent);
        Assert.Equal(Math.Round(start - 0.1, 4), Math.Round(afterSwap, 4));
        var messages = await client.GetFromJsonAsync<JsonElement>($"/api/agents/{agent}/messages");
        Assert.Equal("Honestly? Cold noodles at midnight.", messages.GetProperty("items")[0].GetProperty("text").GetString());
        // The turn was queued for indexing twice: when it was written and when its reply changed.
        Assert.Equal(2, await host.ScalarAsync("select count(*) from durable.jobs where queue = 'memory.index-turn' and payload->>'replyMessageId' = @r and owner = @o",
            ("r", replyId), ("o", owner)));

        // The index holds the chosen reply only.
        await IndexAsync(owner, agent, turn, replyId);
        Assert.Contains(await SearchAsync(client, agent, "noodles midnight"), t => t.Contains("Cold noodles", StringComparison.Ordinal));
        Assert.DoesNotContain(await SearchAsync(client, agent, "marmalade sandwiches"), t => t.Contains("Marmalade", StringComparison.Ordinal));

        // Later prompts see the chosen reply.
        await host.ChatAsync(client, agent, "Noodles? Really?");
        Assert.Contains(host.First.Requests[^1].Messages, m => m.Role == "assistant" && m.Content.Contains("Cold noodles", StringComparison.Ordinal));
        Assert.DoesNotContain(host.First.Requests[^1].Messages, m => m.Content.Contains("Marmalade", StringComparison.Ordinal));

        // The conversation moved on: the earlier reply can no longer be regenerated.
        using (var late = await client.PostAsync($"/api/agents/{agent}/messages/{replyId}/regenerate", null))
            Assert.Equal(HttpStatusCode.Conflict, late.StatusCode);
    }

    [Fact]
    public async Task Choosing_an_alternative_back_restores_its_text_mood_and_index_entry()
    {
        host.Reset();
        var client = host.User("swipe-back");
        var owner = (await client.GetFromJsonAsync<JsonElement>("/api/me")).GetProperty("id").GetString()!;
        var agent = (await host.CreateAgentAsync(client, new { name = "Mia", timezone = "UTC", moodBaseline = 0.0 })).GetProperty("id").GetString()!;
        host.First.Enqueue(FakeChatReply.Text("Lighthouses are my favourite buildings.\n[[feel mood=0.2 affinity=1 reason=nice topic]]"));
        var turn = await host.ChatAsync(client, agent, "Tell me something you love.");
        var replyId = turn.GetProperty("reply").GetProperty("id").GetString()!;
        var afterFirst = await MoodAsync(client, agent);
        host.First.Enqueue(FakeChatReply.Text("Thunderstorms, from a safe porch.\n[[feel mood=0 affinity=0 reason=neutral]]"));
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync($"/api/agents/{agent}/messages/{replyId}/regenerate", null)).StatusCode);

        using var back = await client.PutAsJsonAsync($"/api/agents/{agent}/messages/{replyId}/selected", new { index = 0 });
        Assert.Equal(HttpStatusCode.OK, back.StatusCode);
        Assert.Equal("Lighthouses are my favourite buildings.", (await back.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("text").GetString());
        Assert.Equal(Math.Round(afterFirst, 4), Math.Round(await MoodAsync(client, agent), 4));
        var alternatives = await client.GetFromJsonAsync<JsonElement>($"/api/agents/{agent}/messages/{replyId}/alternatives");
        Assert.Equal(0, alternatives.GetProperty("selected").GetInt32());
        Assert.Equal(2, alternatives.GetProperty("items").GetArrayLength());
        var prompt = await client.GetFromJsonAsync<JsonElement>($"/api/agents/{agent}/messages/{replyId}/prompt");
        Assert.Equal("Tell me something you love.", prompt.GetProperty("messages").EnumerateArray().Last().GetProperty("content").GetString());

        await IndexAsync(owner, agent, turn, replyId);
        Assert.Contains(await SearchAsync(client, agent, "lighthouses buildings"), t => t.Contains("Lighthouses", StringComparison.Ordinal));
        Assert.DoesNotContain(await SearchAsync(client, agent, "thunderstorms porch"), t => t.Contains("Thunderstorms", StringComparison.Ordinal));

        using var outOfRange = await client.PutAsJsonAsync($"/api/agents/{agent}/messages/{replyId}/selected", new { index = 5 });
        Assert.Equal(HttpStatusCode.BadRequest, outOfRange.StatusCode);
        var bob = host.User("swipe-intruder");
        Assert.Equal(HttpStatusCode.NotFound, (await bob.PostAsync($"/api/agents/{agent}/messages/{replyId}/regenerate", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await bob.PutAsJsonAsync($"/api/agents/{agent}/messages/{replyId}/selected", new { index = 0 })).StatusCode);
    }

    [Fact]
    public async Task A_regeneration_streams_like_a_chat_turn()
    {
        host.Reset();
        var client = host.User("swipe-stream");
        var agent = (await host.CreateAgentAsync(client, new { name = "Mia", timezone = "UTC" })).GetProperty("id").GetString()!;
        var turn = await host.ChatAsync(client, agent, "Any plans tonight?");
        var replyId = turn.GetProperty("reply").GetProperty("id").GetString()!;
        host.First.Enqueue(FakeChatReply.Text("Movie night. Popcorn is already out."));

        using var response = await client.PostAsync($"/api/agents/{agent}/messages/{replyId}/regenerate/stream", null);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var stream = await response.Content.ReadAsStringAsync();
        Assert.Contains("event: delta", stream);
        Assert.Contains("event: done", stream);
        Assert.Contains("Popcorn is already out.", stream);
        var alternatives = await client.GetFromJsonAsync<JsonElement>($"/api/agents/{agent}/messages/{replyId}/alternatives");
        Assert.Equal("Movie night. Popcorn is already out.", alternatives.GetProperty("text").GetString());
    }
}
