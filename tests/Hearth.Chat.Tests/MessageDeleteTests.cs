using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Hearth.Memory;
using Hearth.Testing.Fakes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Hearth.Chat.Tests;

/// <summary>Deleting messages (issue 20): later prompts, the index, suggestions, summaries and mood follow.</summary>
[Collection("model-host")]
public sealed class MessageDeleteTests(ModelChatHost host) : IClassFixture<ModelChatHost>
{
    private static string Id(JsonElement turn, string part) => turn.GetProperty(part).GetProperty("id").GetString()!;

    [Fact]
    public async Task A_deleted_exchange_leaves_prompts_search_suggestions_summaries_and_mood_as_if_it_never_happened()
    {
        host.Reset();
        var client = host.User("delete");
        var owner = await client.OwnerAsync();
        var agent = (await host.CreateAgentAsync(client, new { name = "Mia", timezone = "UTC", moodBaseline = 0.0 })).GetProperty("id").GetString()!;

        host.First.Enqueue(FakeChatReply.Text("A cellist in the family! Lovely.\n[[feel mood=0.1 affinity=1 reason=nice news]]"));
        var first = await host.ChatAsync(client, agent, "My sister Anna plays the cello.");
        host.First.Enqueue(FakeChatReply.Text("Reykjavik! Northern lights every night then?\n[[feel mood=0.3 affinity=3 reason=exciting move]]"));
        var second = await host.ChatAsync(client, agent, "I live in Reykjavik now.");
        var step = (Mood: second.GetProperty("mood").GetProperty("delta").GetDouble(), Affinity: second.GetProperty("affinity").GetProperty("delta").GetDouble());
        Assert.True(step.Mood > 0 && step.Affinity > 0);
        host.First.Enqueue(FakeChatReply.Text("Hiking sounds wonderful.\n[[feel mood=0 affinity=0 reason=neutral]]"));
        var third = await host.ChatAsync(client, agent, "I enjoy hiking on weekends.");
        var session = third.GetProperty("sessionId").GetString()!;

        // Memory catches up: every turn indexed, suggestions drawn, the third turn's summary written.
        await host.RunMemoryJobsAsync(owner);
        Assert.Contains(await client.SearchAsync(agent, "Reykjavik"), t => t.Contains("Reykjavik", StringComparison.Ordinal));
        Assert.Contains(await client.MemoriesAsync(), m => m.Contains("Reykjavik", StringComparison.Ordinal));
        var summary = await client.GetStringAsync($"/api/sessions/{session}/summary");
        Assert.Contains("Reykjavik", summary, StringComparison.Ordinal);
        var before = await client.FeelingsAsync(agent);

        // Deleting the companion's half deletes the exchange and takes its reaction back.
        using (var deleted = await client.DeleteAsync($"/api/agents/{agent}/messages/{Id(second, "reply")}"))
        {
            Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
            var body = await deleted.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal([Id(second, "userMessage"), Id(second, "reply")], body.GetProperty("deleted").EnumerateArray().Select(e => e.GetString()).ToList());
            Assert.Equal(Math.Round(before.Mood - step.Mood, 4), Math.Round(body.GetProperty("mood").GetProperty("value").GetDouble(), 4));
        }
        var after = await client.FeelingsAsync(agent);
        Assert.Equal(Math.Round(before.Mood - step.Mood, 4), Math.Round(after.Mood, 4));
        Assert.Equal(Math.Round(before.Affinity - step.Affinity, 2), Math.Round(after.Affinity, 2));
        var messages = await client.GetFromJsonAsync<JsonElement>($"/api/agents/{agent}/messages");
        Assert.DoesNotContain(messages.GetProperty("items").EnumerateArray(), m => m.GetProperty("text").GetString()!.Contains("Reykjavik", StringComparison.Ordinal));
        Assert.Equal(4, messages.GetProperty("items").GetArrayLength());

        // Memory forgets: the forget job, then the later turn's window indexed again.
        var ran = await host.RunMemoryJobsAsync(owner);
        Assert.Equal(ChatQueues.ForgetMessages, ran[0]);
        Assert.Contains(ChatQueues.IndexTurn, ran);
        Assert.DoesNotContain(await client.SearchAsync(agent, "Reykjavik northern lights"), t => t.Contains("Reykjavik", StringComparison.Ordinal));
        Assert.Contains(await client.SearchAsync(agent, "hiking weekends"), t => t.Contains("hiking", StringComparison.Ordinal));
        Assert.Contains(await client.SearchAsync(agent, "cello sister"), t => t.Contains("cello", StringComparison.Ordinal));
        var memories = await client.MemoriesAsync();
        Assert.DoesNotContain(memories, m => m.Contains("Reykjavik", StringComparison.Ordinal));
        Assert.Contains(memories, m => m.Contains("Anna", StringComparison.Ordinal));
        summary = await client.GetStringAsync($"/api/sessions/{session}/summary");
        Assert.DoesNotContain("Reykjavik", summary, StringComparison.Ordinal);
        Assert.Contains("hiking", summary, StringComparison.OrdinalIgnoreCase);

        // A job still queued for the deleted turn finishes quietly: the companion's memory is not erased.
        var stale = new TurnCommitted(owner, agent, session, Id(second, "userMessage"), Id(second, "reply"), 2, DateTimeOffset.UtcNow);
        Assert.Null(await host.Factory.Services.GetRequiredService<TurnIndexer>().IndexAsync(stale, CancellationToken.None));
        Assert.Empty(await host.Factory.Services.GetRequiredService<SuggestionService>().ExtractAsync(stale, CancellationToken.None));
        Assert.Contains(await client.SearchAsync(agent, "cello sister"), t => t.Contains("cello", StringComparison.Ordinal));

        // The next prompt reads the conversation without it.
        await host.ChatAsync(client, agent, "What should I pack for a trip?");
        var prompt = host.First.Requests[^1].Messages;
        Assert.Contains(prompt, m => m.Role == "user" && m.Content == "My sister Anna plays the cello.");
        Assert.DoesNotContain(prompt, m => m.Content.Contains("Reykjavik", StringComparison.Ordinal));

        // Deleting the user's half works too; another user, an unknown id and a deleted message are 404.
        Assert.Equal(HttpStatusCode.NotFound, (await host.User("delete-intruder").DeleteAsync($"/api/agents/{agent}/messages/{Id(first, "userMessage")}")).StatusCode);
        using (var own = await client.DeleteAsync($"/api/agents/{agent}/messages/{Id(first, "userMessage")}"))
        {
            Assert.Equal(HttpStatusCode.OK, own.StatusCode);
            Assert.Equal(2, (await own.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("deleted").GetArrayLength());
        }
        Assert.Equal(HttpStatusCode.NotFound, (await client.DeleteAsync($"/api/agents/{agent}/messages/{Id(first, "userMessage")}")).StatusCode);
        using var unknown = await client.DeleteAsync($"/api/agents/{agent}/messages/not-a-message");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("application/problem+json", unknown.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task A_job_that_read_a_turn_before_it_was_deleted_undoes_only_what_it_wrote_for_it()
    {
        host.Reset();
        var client = host.User("delete-race");
        var owner = await client.OwnerAsync();
        var agent = (await host.CreateAgentAsync(client, new { name = "Mia", timezone = "UTC" })).GetProperty("id").GetString()!;
        host.First.Enqueue(FakeChatReply.Text("Tea it is."));
        await host.ChatAsync(client, agent, "I prefer green tea.");
        host.First.Enqueue(FakeChatReply.Text("Ooh, marzipan."));
        var doomed = await host.ChatAsync(client, agent, "I love marzipan cake.");
        await host.RunMemoryJobsAsync(owner);
        await client.DeleteAsync($"/api/agents/{agent}/messages/{Id(doomed, "reply")}"); // the forget job is left queued

        // The jobs ran with the exchange as it was read before the deletion (as a job that read it then would have).
        var services = host.Factory.Services;
        var reader = new StaleReader(services.GetRequiredService<IConversationReader>(), new ConversationExchange(
            new ConversationMessage(Id(doomed, "userMessage"), owner, agent, doomed.GetProperty("sessionId").GetString()!, "user", "I love marzipan cake.", DateTimeOffset.UtcNow),
            new ConversationMessage(Id(doomed, "reply"), owner, agent, doomed.GetProperty("sessionId").GetString()!, "agent", "Ooh, marzipan.", DateTimeOffset.UtcNow)));
        var guard = new ErasedTurnGuard(reader, services.GetRequiredService<MemoryCompanionEraser>(), services.GetRequiredService<DeletedTurnCleanup>(),
            services.GetRequiredService<ILogger<ErasedTurnGuard>>());
        var turn = new TurnCommitted(owner, agent, doomed.GetProperty("sessionId").GetString()!, Id(doomed, "userMessage"), Id(doomed, "reply"), 2, DateTimeOffset.UtcNow);
        Assert.Null(await ActivatorUtilities.CreateInstance<TurnIndexer>(services, (IConversationReader)reader, guard).IndexAsync(turn, CancellationToken.None));
        reader.Rearm();
        Assert.Empty(await ActivatorUtilities.CreateInstance<SuggestionService>(services, (IConversationReader)reader, guard).ExtractAsync(turn, CancellationToken.None));

        Assert.DoesNotContain(await client.SearchAsync(agent, "marzipan cake"), t => t.Contains("marzipan", StringComparison.Ordinal));
        Assert.DoesNotContain(await client.MemoriesAsync(), m => m.Contains("marzipan", StringComparison.Ordinal));
        // The rest of the companion's memory stays (a vanished turn is not taken for an erased companion).
        Assert.Contains(await client.SearchAsync(agent, "green tea"), t => t.Contains("green tea", StringComparison.Ordinal));
        Assert.Contains(await client.MemoriesAsync(), m => m.Contains("green tea", StringComparison.Ordinal));
    }

    /// <summary>The chat's reader, except that the deleted exchange reads as it was before the deletion the first time (alone or as its window's end).</summary>
    private sealed class StaleReader(IConversationReader inner, ConversationExchange stale) : IConversationReader
    {
        private int _reads;

        public Task<ConversationExchange?> GetExchangeAsync(string ownerId, string replyMessageId, CancellationToken ct) =>
            replyMessageId == stale.Reply.Id && Interlocked.Increment(ref _reads) == 1 ? Task.FromResult<ConversationExchange?>(stale) : inner.GetExchangeAsync(ownerId, replyMessageId, ct);

        public Task<IReadOnlyList<ConversationExchange>> GetExchangesAsync(string ownerId, string sessionId, string upToReplyMessageId, int count, CancellationToken ct) =>
            upToReplyMessageId == stale.Reply.Id && Interlocked.Increment(ref _reads) == 1 ? Task.FromResult<IReadOnlyList<ConversationExchange>>([stale])
                : inner.GetExchangesAsync(ownerId, sessionId, upToReplyMessageId, count, ct);

        public Task<IReadOnlyList<ConversationMessage>> GetSessionMessagesAsync(string ownerId, string sessionId, string? afterMessageId, int limit, CancellationToken ct) =>
            inner.GetSessionMessagesAsync(ownerId, sessionId, afterMessageId, limit, ct);

        public Task<bool> WasDeletedAsync(string ownerId, IReadOnlyCollection<string> messageIds, CancellationToken ct) => inner.WasDeletedAsync(ownerId, messageIds, ct);

        /// <summary>Resets the first-read trick for the next job.</summary>
        public void Rearm() => _reads = 0;
    }
}
