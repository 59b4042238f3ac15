using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Hearth.Memory.Tests.Support;
using Hearth.Testing;
using Hearth.Testing.Host;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Hearth.Memory.Tests;

/// <summary>
/// The acceptance tests through the real chat turn (POST /api/agents/{id}/chat of the chat feature, its
/// IConversationReader, the model chain's offline responder) with a deliberately slow embedder. Nothing here is timed
/// except the issue's own deadline (searchable within 2 s of the embedder answering): "the reply does not wait" is shown
/// by replies arriving while the embedder is provably stuck on the turn's indexing.
/// </summary>
public sealed class ChatTurnAcceptanceTests
{
    [Fact]
    public async Task A_chat_turn_is_searchable_within_2_s_and_the_reply_does_not_wait_for_slow_indexing()
    {
        // Only indexing is slow: the indexed exchange ("user words\nreply") blocks; the question's own embedding does not.
        var gate = new GatedEmbedder(text => text.Contains('\n'));
        var logs = new LogCapture();
        await using var factory = await CreateAsync(gate, logs);
        var user = factory.ClientWith("dev:acceptance");
        var agentId = await CreateAgentAsync(user);

        var first = await ChatAsync(user, agentId, $"My {GatedEmbedder.Marker} kayak is red and I paddle on Sundays.");
        var replyId = first.GetProperty("reply").GetProperty("id").GetString()!;
        await gate.Entered.WaitAsync(TimeSpan.FromSeconds(20)); // the turn's index job is now held inside the embedder

        // The next turn is answered while the first one's indexing is still held, and its recall did not wait on the
        // embedder either (no keyword fallback was needed): the reply's path never touches indexing.
        var second = await ChatAsync(user, agentId, $"Which {GatedEmbedder.Marker} boat did I mention?");
        Assert.False(gate.Released);
        Assert.Contains(second.GetProperty("memoriesUsed").EnumerateArray(), m => m.GetProperty("tier").GetString() == "hot");
        Assert.DoesNotContain(logs.Messages, m => m.StartsWith("The embedder took longer than", StringComparison.Ordinal));
        Assert.DoesNotContain(await SearchIdsAsync(user), id => id == TurnDocuments.ExchangeId(replyId));

        gate.Release();
        await Eventually.TrueAsync(async () => (await SearchIdsAsync(user)).Contains(TurnDocuments.ExchangeId(replyId)),
            TimeSpan.FromSeconds(2), "the turn is searchable within 2 s of the embedder answering");
        Assert.Contains(logs.Messages, m => m == $"Indexed: {TurnDocuments.ExchangeId(replyId)}");
    }

    [Fact]
    public async Task The_reply_arrives_when_every_embedding_of_the_turn_is_stuck()
    {
        // The whole embedder is stuck on this turn (the question too): recall gives up on it after
        // Memory:RecallEmbedTimeout and searches by keywords; the reply still comes, the turn is indexed once it answers.
        var gate = new GatedEmbedder();
        var logs = new LogCapture();
        await using var factory = await CreateAsync(gate, logs);
        var user = factory.ClientWith("dev:acceptance");
        var agentId = await CreateAgentAsync(user);

        var chat = await ChatAsync(user, agentId, $"My {GatedEmbedder.Marker} kayak is red and I paddle on Sundays.");
        var replyId = chat.GetProperty("reply").GetProperty("id").GetString()!;
        Assert.False(gate.Released);
        Assert.Contains(logs.Messages, m => m.StartsWith("The embedder took longer than", StringComparison.Ordinal));

        gate.Release();
        await Eventually.TrueAsync(async () => (await SearchIdsAsync(user)).Contains(TurnDocuments.ExchangeId(replyId)),
            TimeSpan.FromSeconds(2), "the turn is searchable within 2 s of the embedder answering");
    }

    [Fact]
    public async Task The_question_is_embedded_once_per_turn_whatever_recall_searches()
    {
        var embedder = new CountingEmbedder();
        await using var factory = await HearthFactory.CreateAsync(
            settings: new Dictionary<string, string?> { ["Auth:DevToken"] = "dev", ["RateLimits:Chat:PermitLimit"] = "0" },
            services: s => s.AddSingleton<IEmbeddingGenerator<string, Embedding<float>>>(embedder));
        var user = factory.ClientWith("dev:once");
        var agentId = await CreateAgentAsync(user);
        var first = await ChatAsync(user, agentId, "My kayak is red and I paddle on Sundays.");
        var replyId = first.GetProperty("reply").GetProperty("id").GetString()!;
        await Eventually.TrueAsync(async () => (await SearchIdsAsync(user)).Contains(TurnDocuments.ExchangeId(replyId)),
            TimeSpan.FromSeconds(20), "the first turn is indexed");

        // Recall searches conversations and documents (each collection, each routed domain) with one embedding of the question.
        var before = embedder.Queries;
        await ChatAsync(user, agentId, "What colour is the boat I paddle?");
        Assert.Equal(1, embedder.Queries - before);
    }

    private static Task<HearthFactory> CreateAsync(GatedEmbedder gate, LogCapture logs) => HearthFactory.CreateAsync(
        settings: new Dictionary<string, string?> { ["Auth:DevToken"] = "dev", ["RateLimits:Chat:PermitLimit"] = "0", ["Memory:RecallEmbedTimeout"] = "00:00:00.2" },
        services: s =>
        {
            s.AddSingleton<IEmbeddingGenerator<string, Embedding<float>>>(gate);
            s.AddSingleton<ILoggerProvider>(logs);
        });

    private static async Task<string> CreateAgentAsync(HttpClient user)
    {
        var created = await user.PostAsJsonAsync("/api/agents", new { name = "Ada", timezone = "Europe/Berlin" });
        Assert.True(created.IsSuccessStatusCode, $"creating the agent answered {created.StatusCode}");
        return (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    private static async Task<JsonElement> ChatAsync(HttpClient user, string agentId, string text)
    {
        var chat = await user.PostAsJsonAsync($"/api/agents/{agentId}/chat", new { text });
        Assert.Equal(HttpStatusCode.OK, chat.StatusCode);
        return await chat.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static async Task<IReadOnlyList<string?>> SearchIdsAsync(HttpClient user) =>
        (await user.GetFromJsonAsync<JsonElement>("/api/search?q=kayak%20paddle&mode=bm25")).GetProperty("items").EnumerateArray()
            .Select(i => i.GetProperty("id").GetString()).ToList();
}
