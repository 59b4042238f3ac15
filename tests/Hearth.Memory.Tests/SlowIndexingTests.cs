using Hearth.Chat;
using Hearth.Memory.Tests.Support;
using Hearth.Testing;
using Microsoft.Extensions.AI;
using Npgsql;

namespace Hearth.Memory.Tests;

/// <summary>A host whose embedder blocks on texts with <see cref="GatedEmbedder.Marker"/> until the test releases it.</summary>
public sealed class SlowEmbedderHost : MemoryHost
{
    public GatedEmbedder Gate { get; } = new();

    protected override IEmbeddingGenerator<string, Embedding<float>>? Embedder => Gate;
}

/// <summary>
/// The reply never waits on indexing: what the chat turn does after storing the reply (enqueue the index job in its
/// transaction and commit) completes while the embedder is provably stuck on that very turn, and the turn becomes
/// searchable once the embedder answers. (The full chat-turn version is <see cref="ChatTurnAcceptanceTests"/>.)
/// </summary>
public sealed class SlowIndexingTests(SlowEmbedderHost host) : IClassFixture<SlowEmbedderHost>
{
    [Fact]
    public async Task Enqueueing_a_turn_completes_while_its_indexing_is_blocked_and_the_turn_is_searchable_after()
    {
        var owner = await host.UserIdAsync("slow-alice");
        var first = await host.TurnAsync(owner, "agent-1", Guid.NewGuid().ToString(), $"Note with the {GatedEmbedder.Marker} about the glacier hike.", "Glaciers need crampons.");
        await host.Gate.Entered.WaitAsync(TimeSpan.FromSeconds(20)); // the index job is now stuck inside the embedder

        // What the chat turn does after its reply: store the next turn and enqueue its side effects in one transaction.
        var next = host.Conversations.AddTurn(owner, "agent-1", first.SessionId, "And the hut booking?", "Booked for Saturday.");
        var db = host.Get<NpgsqlDataSource>();
        await using (var connection = await db.OpenConnectionAsync())
        await using (var tx = await connection.BeginTransactionAsync())
        {
            await host.Get<Hearth.Durable.Jobs.IJobClient>().EnqueueManyAsync(
                [new(ChatQueues.IndexTurn, next), new(ChatQueues.ExtractSuggestions, next)], tx);
            await tx.CommitAsync();
        }
        // The enqueue above returned while the first turn's indexing is still held inside the embedder.
        Assert.Equal(0, await host.ScalarAsync<long>("select count(*) from memory.turns where reply_message_id = @p", first.ReplyMessageId));

        // Recall before the next reply does not wait for the stuck embedder either: it gives up on the question's embedding
        // after Memory:RecallEmbedTimeout and searches by keywords; the hot turns come from the conversation.
        var recall = await host.Get<IMemoryRecall>().RecallAsync(
            new RecallRequest(owner, "agent-1", first.SessionId, $"What about the {GatedEmbedder.Marker} glacier?", DateTimeOffset.UtcNow), CancellationToken.None);
        Assert.Contains(recall.Hot, h => h.Id == first.ReplyMessageId);
        Assert.Contains(host.Logs.Messages, m => m.StartsWith("The embedder took longer than", StringComparison.Ordinal));
        Assert.False(host.Gate.Released);

        host.Gate.Release();
        await host.WaitIndexedAsync(first);
        await host.WaitIndexedAsync(next);
        var hits = await host.SearchAsync(host.User("slow-alice"), "glacier hike", "&mode=bm25");
        Assert.Contains(hits, h => h.GetProperty("id").GetString() == TurnDocuments.ExchangeId(first.ReplyMessageId));
    }
}
