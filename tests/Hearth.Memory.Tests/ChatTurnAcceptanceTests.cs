using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Hearth.Memory.Tests.Support;
using Hearth.Testing;
using Hearth.Testing.Host;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace Hearth.Memory.Tests;

/// <summary>
/// The end-to-end acceptance test through the real chat turn (POST /api/agents/{id}/chat of the chat feature, its
/// IConversationReader, the model chain's offline responder). Skipped until the chat branch is merged; un-skip it then.
/// With an embedder that blocks every text holding the marker until released, the chat reply still arrives (the index
/// job runs after the reply's transaction; recall gives up on the embedder after Memory:RecallEmbedTimeout and
/// searches by keywords), the turn is not indexed yet, and once the embedder is released the turn is found by
/// GET /api/search within 2 s.
/// </summary>
public sealed class ChatTurnAcceptanceTests
{
    private const string Reason = "Needs the chat feature (POST /api/agents, POST /api/agents/{id}/chat, its IConversationReader): un-skip when the chat branch is merged.";

    [Fact(Skip = Reason)]
    public async Task A_chat_turn_is_searchable_within_2_s_and_the_reply_does_not_wait_for_a_slow_embedder()
    {
        var gate = new GatedEmbedder();
        await using var factory = await HearthFactory.CreateAsync(
            settings: new Dictionary<string, string?> { ["Auth:DevToken"] = "dev", ["RateLimits:Chat:PermitLimit"] = "0" },
            services: s => s.AddSingleton<IEmbeddingGenerator<string, Embedding<float>>>(gate));
        var user = factory.ClientWith("dev:acceptance");
        var created = await user.PostAsJsonAsync("/api/agents", new { name = "Ada", timezone = "Europe/Berlin" });
        Assert.True(created.IsSuccessStatusCode, $"creating the agent answered {created.StatusCode}");
        var agentId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();

        var chat = await user.PostAsJsonAsync($"/api/agents/{agentId}/chat", new { text = $"My {GatedEmbedder.Marker} kayak is red and I paddle on Sundays." });
        Assert.Equal(HttpStatusCode.OK, chat.StatusCode);
        var replyId = (await chat.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("reply").GetProperty("id").GetString()!;

        await gate.Entered.WaitAsync(TimeSpan.FromSeconds(20));
        var before = await user.GetFromJsonAsync<JsonElement>("/api/search?q=kayak%20paddle&mode=bm25");
        Assert.DoesNotContain(before.GetProperty("items").EnumerateArray(), i => i.GetProperty("id").GetString() == TurnDocuments.ExchangeId(replyId));

        gate.Release();
        await Eventually.TrueAsync(async () =>
            (await user.GetFromJsonAsync<JsonElement>("/api/search?q=kayak%20paddle&mode=bm25")).GetProperty("items").EnumerateArray()
                .Any(i => i.GetProperty("id").GetString() == TurnDocuments.ExchangeId(replyId)),
            TimeSpan.FromSeconds(2), "the turn is searchable within 2 s of the embedder answering");
    }
}
