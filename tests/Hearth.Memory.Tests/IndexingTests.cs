using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Hearth.Chat;
using Hearth.Memory.Tests.Support;
using Hearth.Search;
using Hearth.Testing;

namespace Hearth.Memory.Tests;

/// <summary>The index-turn function in the real host: documents, idempotence, owner isolation, the log line.</summary>
public sealed class IndexingTests(MemoryHost host) : IClassFixture<MemoryHost>
{
    [Fact]
    public async Task A_turn_becomes_an_exchange_and_a_window_searchable_by_its_owner_only()
    {
        var alice = await host.UserIdAsync("idx-alice");
        var session = Guid.NewGuid().ToString();
        var first = await host.TurnAsync(alice, "agent-1", session, "I repotted the lemon tree on the balcony.", "Lemon trees like a sunny balcony; water it well after repotting.");
        var second = await host.TurnAsync(alice, "agent-1", session, "Which fertiliser should I use for it?", "A citrus fertiliser every two weeks in spring and summer.");
        await host.WaitIndexedAsync(first);
        await host.WaitIndexedAsync(second);

        var hits = await host.SearchAsync(host.User("idx-alice"), "lemon tree balcony", "&mode=bm25");
        var ids = hits.Select(h => h.GetProperty("id").GetString()).ToList();
        Assert.Contains(TurnDocuments.ExchangeId(first.ReplyMessageId), ids);
        Assert.Contains(TurnDocuments.WindowId(second.ReplyMessageId), ids);
        var turn = hits.First(h => h.GetProperty("id").GetString() == TurnDocuments.ExchangeId(first.ReplyMessageId));
        Assert.Equal("turn", turn.GetProperty("kind").GetString());
        Assert.Equal($"message:{first.UserMessageId}", turn.GetProperty("source").GetString());
        Assert.Equal(session, turn.GetProperty("sessionId").GetString());
        Assert.Equal("agent-1", turn.GetProperty("agentId").GetString());
        Assert.Contains("lemon tree", turn.GetProperty("text").GetString());

        // The window of the second turn holds both exchanges.
        var window = hits.First(h => h.GetProperty("id").GetString() == TurnDocuments.WindowId(second.ReplyMessageId));
        Assert.Contains("citrus fertiliser", window.GetProperty("text").GetString());
        Assert.Contains("lemon tree", window.GetProperty("text").GetString());

        Assert.Empty(await host.SearchAsync(host.User("idx-bob"), "lemon tree balcony", "&mode=bm25"));
        Assert.Contains(host.Logs.Messages, m => m == $"Indexed: {TurnDocuments.ExchangeId(first.ReplyMessageId)}");
    }

    [Fact]
    public async Task Indexing_the_same_turn_twice_writes_the_same_documents_once()
    {
        var owner = await host.UserIdAsync("idx-twice");
        var turn = await host.TurnAsync(owner, "agent-1", Guid.NewGuid().ToString(), "My bike's gears slip on hills.", "The derailleur cable may need tension.");
        await host.WaitIndexedAsync(turn);
        var before = await host.ScalarAsync<long>("select count(*) from search.documents where owner_id = @p::uuid", owner);

        await host.EnqueueAsync(ChatQueues.IndexTurn, turn);
        await Eventually.TrueAsync(async () => await host.ScalarAsync<long>(
            "select count(*) from durable.jobs where queue = 'memory.index-turn' and state not in ('succeeded') and payload->>'ownerId' = @p", owner) == 0,
            TimeSpan.FromSeconds(20), "the second indexing finished");

        Assert.Equal(2, before);
        Assert.Equal(before, await host.ScalarAsync<long>("select count(*) from search.documents where owner_id = @p::uuid", owner));
        Assert.Equal(1, await host.ScalarAsync<long>("select count(*) from memory.turns where owner_id = @p::uuid", owner));
    }

    [Fact]
    public async Task A_turn_deleted_before_indexing_is_skipped_without_failing()
    {
        var owner = await host.UserIdAsync("idx-gone");
        var missing = new TurnCommitted(owner, "agent-1", Guid.NewGuid().ToString(), Guid.NewGuid().ToString(), Guid.NewGuid().ToString(), 1, DateTimeOffset.UtcNow);
        await host.EnqueueAsync(ChatQueues.IndexTurn, missing);
        await Eventually.TrueAsync(async () => await host.ScalarAsync<long>(
            "select count(*) from durable.jobs where queue = 'memory.index-turn' and state = 'succeeded' and payload->>'replyMessageId' = @p", missing.ReplyMessageId) == 1,
            TimeSpan.FromSeconds(20), "the job for a missing turn succeeded");
        Assert.Equal(0, await host.ScalarAsync<long>("select count(*) from search.documents where owner_id = @p::uuid", owner));
    }

    [Fact]
    public async Task Search_validates_its_parameters()
    {
        var user = host.User("idx-validate");
        Assert.Equal(HttpStatusCode.BadRequest, (await user.GetAsync("/api/search")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await user.GetAsync("/api/search?q=x&k=0")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await user.GetAsync("/api/search?q=x&mode=fuzzy")).StatusCode);
        var problem = await (await user.GetAsync("/api/search?q=x&domain=nope")).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("general", problem.GetProperty("errors").GetProperty("domain")[0].GetString());
        Assert.Equal(HttpStatusCode.Unauthorized, (await host.Anonymous.GetAsync("/api/search?q=x")).StatusCode);
    }
}
