using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Hearth.Memory;
using Hearth.Testing.Fakes;
using Microsoft.Extensions.DependencyInjection;

namespace Hearth.Chat.Tests;

/// <summary>Editing messages (issue 20): later prompts, the index and suggestions follow the new text.</summary>
[Collection("model-host")]
public sealed class MessageEditTests(ModelChatHost host) : IClassFixture<ModelChatHost>
{
    [Fact]
    public async Task An_edited_message_is_what_later_prompts_the_index_and_suggestions_read()
    {
        host.Reset();
        var client = host.User("edit");
        var owner = (await client.GetFromJsonAsync<JsonElement>("/api/me")).GetProperty("id").GetString()!;
        var agent = (await host.CreateAgentAsync(client, new { name = "Mia", timezone = "UTC" })).GetProperty("id").GetString()!;
        host.First.Enqueue(FakeChatReply.Text("Paris! I'd love to visit the bakeries there."));
        var turn = await host.ChatAsync(client, agent, "I live in Paris now.");
        var userId = turn.GetProperty("userMessage").GetProperty("id").GetString()!;
        var replyId = turn.GetProperty("reply").GetProperty("id").GetString()!;

        using (var edited = await client.PatchAsJsonAsync($"/api/agents/{agent}/messages/{userId}", new { text = "I live in Oslo now." }))
        {
            Assert.Equal(HttpStatusCode.OK, edited.StatusCode);
            Assert.Equal("I live in Oslo now.", (await edited.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("text").GetString());
        }
        using (var editedReply = await client.PatchAsJsonAsync($"/api/agents/{agent}/messages/{replyId}", new { text = "Oslo! I'd love to see the fjords." }))
            Assert.Equal(HttpStatusCode.OK, editedReply.StatusCode);

        // Both edits queued the turn for indexing, and the user's edit for suggestions.
        Assert.Equal(3, await host.ScalarAsync("select count(*) from durable.jobs where queue = 'memory.index-turn' and payload->>'replyMessageId' = @r", ("r", replyId)));
        Assert.Equal(2, await host.ScalarAsync("select count(*) from durable.jobs where queue = 'memory.extract-suggestions' and payload->>'replyMessageId' = @r", ("r", replyId)));

        // Running them (the queues do not run in this host): the index and the remembered home follow the edit.
        var committed = new TurnCommitted(owner, agent, turn.GetProperty("sessionId").GetString()!, userId, replyId, 1, DateTimeOffset.UtcNow);
        await host.Factory.Services.GetRequiredService<TurnIndexer>().IndexAsync(committed, CancellationToken.None);
        await host.Factory.Services.GetRequiredService<SuggestionService>().ExtractAsync(committed, CancellationToken.None);
        var found = await client.GetFromJsonAsync<JsonElement>($"/api/search?q=Oslo%20fjords&agentId={agent}&mode=bm25");
        Assert.Contains(found.GetProperty("items").EnumerateArray(), i => i.GetProperty("text").GetString()!.Contains("fjords", StringComparison.Ordinal));
        var paris = await client.GetFromJsonAsync<JsonElement>($"/api/search?q=Paris%20bakeries&agentId={agent}&mode=bm25");
        Assert.DoesNotContain(paris.GetProperty("items").EnumerateArray(), i => i.GetProperty("text").GetString()!.Contains("Paris", StringComparison.Ordinal));
        var memory = await client.GetFromJsonAsync<JsonElement>("/api/memory");
        Assert.Contains(memory.GetProperty("items").EnumerateArray(), m => m.GetProperty("text").GetString()!.Contains("Oslo", StringComparison.Ordinal));
        Assert.DoesNotContain(memory.GetProperty("items").EnumerateArray(), m => m.GetProperty("text").GetString()!.Contains("Paris", StringComparison.Ordinal));

        // The next prompt reads the edited conversation.
        await host.ChatAsync(client, agent, "Any tips for winter?");
        var messages = host.First.Requests[^1].Messages;
        Assert.Contains(messages, m => m.Role == "user" && m.Content == "I live in Oslo now.");
        Assert.Contains(messages, m => m.Role == "assistant" && m.Content.Contains("fjords", StringComparison.Ordinal));
        Assert.DoesNotContain(messages, m => m.Content.Contains("Paris", StringComparison.Ordinal));

        // Edited messages say so in the API (the edit's answer and the messages list); one not edited does not.
        var listed = (await client.GetFromJsonAsync<JsonElement>($"/api/agents/{agent}/messages")).GetProperty("items").EnumerateArray()
            .ToDictionary(m => m.GetProperty("id").GetString()!, m => (Edited: m.GetProperty("edited").GetBoolean(), At: m.TryGetProperty("editedAt", out var at) ? at : default));
        Assert.True(listed[userId].Edited && listed[replyId].Edited);
        Assert.Equal(host.Clock.GetUtcNow(), listed[replyId].At.GetDateTimeOffset());
        Assert.Equal(2, listed.Values.Count(v => !v.Edited));
        Assert.True(listed.Values.Where(v => !v.Edited).All(v => v.At.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined));

        using var empty = await client.PatchAsJsonAsync($"/api/agents/{agent}/messages/{userId}", new { text = " " });
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        using var bob = await host.User("edit-intruder").PatchAsJsonAsync($"/api/agents/{agent}/messages/{userId}", new { text = "mine" });
        Assert.Equal(HttpStatusCode.NotFound, bob.StatusCode);
    }
}
