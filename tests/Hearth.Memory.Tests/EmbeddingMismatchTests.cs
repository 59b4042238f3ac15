using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Hearth.Chat;
using Hearth.Memory.Tests.Support;
using Hearth.Search;
using Hearth.Testing;

namespace Hearth.Memory.Tests;

/// <summary>
/// Collections built with another embedder (here: 128 dimensions of another model) refuse this host's (hashing, 384):
/// the index job dies at once with the explanation, and nothing is written; search and import answer 409 with it.
/// </summary>
public sealed class EmbeddingMismatchTests(MemoryHost host) : IClassFixture<MemoryHost>
{
    [Fact]
    public async Task A_collection_of_other_dimensions_gets_a_clear_error_and_nothing_written()
    {
        var index = host.Get<ISearchIndex>();
        await index.EnsureCollectionAsync("memory", "older-model", 128, CancellationToken.None);
        await index.EnsureCollectionAsync("documents", "older-model", 128, CancellationToken.None);
        var owner = await host.UserIdAsync("mismatch");
        var turn = await host.TurnAsync(owner, "agent-1", Guid.NewGuid().ToString(), "I keep bees on the roof.", "Bees need water nearby.");

        var error = await Eventually.ValueAsync(
            () => host.ScalarAsync<string?>("select coalesce((select last_error from durable.jobs where queue = 'memory.index-turn' and state = 'dead' and payload->>'replyMessageId' = @p), '')", turn.ReplyMessageId),
            e => !string.IsNullOrEmpty(e), TimeSpan.FromSeconds(20), "the index job is dead");
        Assert.Contains("'older-model' with 128 dimensions", error);
        Assert.Contains("Nothing was written", error);
        Assert.Equal(1, await host.ScalarAsync<int>("select attempt from durable.jobs where queue = 'memory.index-turn' and payload->>'replyMessageId' = @p", turn.ReplyMessageId));
        Assert.Equal(0, await host.ScalarAsync<long>("select count(*) from search.documents where owner = @p", owner));
        Assert.Equal(0, await host.ScalarAsync<long>("select count(*) from memory.turns where owner_id = @p", owner));

        var search = await host.User("mismatch").GetAsync("/api/search?q=bees");
        Assert.Equal(HttpStatusCode.Conflict, search.StatusCode);
        Assert.Contains("Reindex", (await search.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());

        var import = await host.User("mismatch").PostAsync("/api/documents/import", new StringContent("{\"text\":\"bees\"}\n", Encoding.UTF8, "application/x-ndjson"));
        Assert.Equal(HttpStatusCode.Conflict, import.StatusCode);
        Assert.Equal(0, await host.ScalarAsync<long>("select count(*) from memory.import_documents"));
    }
}
