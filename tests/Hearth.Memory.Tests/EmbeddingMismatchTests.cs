using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Hearth.Memory.Tests.Support;
using Hearth.Search;
using Hearth.Skills;
using Hearth.Testing;
using Microsoft.Extensions.AI;

namespace Hearth.Memory.Tests;

/// <summary>The memory host with an embedder that holds texts carrying <see cref="GatedEmbedder.Marker"/> until released.</summary>
public sealed class GatedMemoryHost : MemoryHost
{
    public GatedEmbedder Gate { get; } = new(text => !text.StartsWith("Represent", StringComparison.Ordinal));

    protected override IEmbeddingGenerator<string, Embedding<float>>? Embedder => Gate;
}

/// <summary>
/// Collections built by another model (here 128 dimensions of "older-model"; this host embeds with hashing, 384) are
/// re-embedded by the vector job on first use, without downtime: new turns are indexed, searches answer by BM25 with the
/// answer labelled until every vector is back, imports are taken, and the admin status shows the progress. The re-embedding
/// is held (a gated embedder) to look at it half-way.
/// </summary>
public sealed class EmbeddingMismatchTests(GatedMemoryHost host) : IClassFixture<GatedMemoryHost>
{
    [Fact]
    public async Task A_collection_made_by_another_model_is_re_embedded_without_downtime_and_never_mixed()
    {
        var index = (Hearth.Search.Local.PostgresSearchIndex)host.Get<ISearchIndex>();
        var owner = await host.UserIdAsync("mismatch");
        await index.EnsureCollectionAsync("memory", "older-model", 128, CancellationToken.None);
        await index.EnsureCollectionAsync("documents", "older-model", 128, CancellationToken.None);
        await index.UpsertAsync("memory", [
            new SearchDocument("old-1", owner, $"I keep bees on the roof, {GatedEmbedder.Marker}.", new float[128]) { Kind = "window", Agent = "agent-1", Session = "s0" },
            new SearchDocument("old-2", owner, "My sister Priya moved to Lisbon in March.", Enumerable.Repeat(0.1f, 128).ToArray()) { Kind = "window", Agent = "agent-1", Session = "s0" },
        ], CancellationToken.None);

        // First use: a new turn is indexed (the job succeeds), and the collection starts re-embedding with this host's model.
        var turn = await host.TurnAsync(owner, "agent-1", Guid.NewGuid().ToString(), "The hive needs a new frame.", "Frames are cheap at the market.");
        await host.WaitIndexedAsync(turn);
        await host.Gate.Entered.WaitAsync(TimeSpan.FromSeconds(60)); // the re-embedding step is embedding the old documents, held by the gate

        var during = await host.User("mismatch").GetFromJsonAsync<JsonElement>("/api/search?q=bees%20roof");
        Assert.Equal("bm25", during.GetProperty("mode").GetString());
        Assert.Equal("reembedding", during.GetProperty("vectorFallback").GetString());
        Assert.Equal("old-1", during.GetProperty("items")[0].GetProperty("id").GetString());
        Assert.Equal(JsonValueKind.Null, during.GetProperty("items")[0].GetProperty("vectorScore").ValueKind);

        var status = await host.Admin.GetFromJsonAsync<JsonElement>("/api/search/collections/memory");
        Assert.True(status.GetProperty("reembedding").GetBoolean());
        Assert.Equal("older-model", status.GetProperty("fromModel").GetString());
        Assert.Equal(384, status.GetProperty("dimensions").GetInt32());
        Assert.Equal(0, status.GetProperty("done").GetInt64());
        Assert.Equal(2, status.GetProperty("pending").GetInt64());
        var user = await host.User("mismatch").GetFromJsonAsync<JsonElement>("/api/status");
        Assert.Contains("memory", user.GetProperty("providers").GetProperty("search").GetProperty("reembedding").EnumerateArray().Select(e => e.GetString()));

        // Imports are taken meanwhile (the documents collection is re-embedded too).
        var import = await host.User("mismatch").PostAsync("/api/documents/import", new StringContent("{\"text\":\"bees need water\"}\n", Encoding.UTF8, "application/x-ndjson"));
        Assert.Equal(HttpStatusCode.Accepted, import.StatusCode);

        // Skill search says so too: a library made by another model answers by BM25, labelled, while it is re-embedded.
        await index.EnsureCollectionAsync(SkillSearchIndexer.Collection, "older-model", 128, CancellationToken.None);
        await index.UpsertAsync(SkillSearchIndexer.Collection, [
            new SearchDocument("section-1", owner, $"Beekeeping checklist: inspect the hive frames, {GatedEmbedder.Marker}.", new float[128])
            { Kind = "skill", Source = "skills/bees/SKILL.md", Tags = ["file=file-1", "title=Beekeeping checklist", "key=beekeeping-checklist"] },
        ], CancellationToken.None);
        var skills = await host.User("mismatch").GetFromJsonAsync<JsonElement>("/api/skills/search?q=hive%20frames");
        Assert.Equal("bm25", skills.GetProperty("mode").GetString());
        Assert.Equal("reembedding", skills.GetProperty("vectorFallback").GetString());
        Assert.Equal(JsonValueKind.Null, skills.GetProperty("weights").ValueKind);
        Assert.Equal("section-1", skills.GetProperty("items")[0].GetProperty("sectionId").GetString());

        host.Gate.Release();
        await Eventually.TrueAsync(async () =>
        {
            var s = await host.Admin.GetFromJsonAsync<JsonElement>("/api/search/collections/memory");
            return !s.GetProperty("reembedding").GetBoolean() && s.GetProperty("pending").GetInt64() == 0;
        }, TimeSpan.FromSeconds(60), "the memory collection is re-embedded");

        status = await host.Admin.GetFromJsonAsync<JsonElement>("/api/search/collections/memory");
        Assert.Equal(2, status.GetProperty("done").GetInt64());
        Assert.NotEqual(JsonValueKind.Null, status.GetProperty("finishedAt").ValueKind);
        var after = await host.User("mismatch").GetFromJsonAsync<JsonElement>("/api/search?q=bees%20roof&mode=vector");
        Assert.Equal("vector", after.GetProperty("mode").GetString());
        Assert.Equal(JsonValueKind.Null, after.GetProperty("vectorFallback").ValueKind);
        Assert.Equal("old-1", after.GetProperty("items")[0].GetProperty("id").GetString());
        await Eventually.TrueAsync(async () =>
        {
            var s = await host.Admin.GetFromJsonAsync<JsonElement>($"/api/search/collections/{SkillSearchIndexer.Collection}");
            return !s.GetProperty("reembedding").GetBoolean() && s.GetProperty("pending").GetInt64() == 0;
        }, TimeSpan.FromSeconds(60), "the skills collection is re-embedded");
        var skillsAfter = await host.User("mismatch").GetFromJsonAsync<JsonElement>("/api/skills/search?q=hive%20frames");
        Assert.Equal("hybrid", skillsAfter.GetProperty("mode").GetString());
        Assert.Equal(JsonValueKind.Null, skillsAfter.GetProperty("vectorFallback").ValueKind);
        Assert.Equal("section-1", skillsAfter.GetProperty("items")[0].GetProperty("sectionId").GetString());
        // Never mixed: every live vector of the collection has the new model's size.
        Assert.Equal(0L, await host.ScalarAsync<long>(
            "select count(*) from search.documents d join search.collections c on c.id = d.collection_id where c.name = 'memory' and not d.deleted and length(d.vector) <> 384 * 4"));
        Assert.Equal(0L, await host.ScalarAsync<long>("select count(*) from durable.jobs where state = 'dead'"));
    }
}
