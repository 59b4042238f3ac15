using Hearth.Embeddings;
using Hearth.Search.Local;
using Microsoft.Extensions.Logging.Abstractions;

namespace Hearth.Search.Tests;

public sealed class SearchServiceTests : IAsyncLifetime
{
    private static readonly CancellationToken Ct = CancellationToken.None;
    private SearchDatabase _db = null!;

    public async Task InitializeAsync() => _db = await SearchDatabase.CreateAsync();

    public async Task DisposeAsync() => await _db.DisposeAsync();

    private SearchService Service(int dimensions, PostgresSearchIndex? index = null) =>
        new(index ?? _db.NewIndex(), new HashingEmbeddingGenerator(dimensions), NullLogger<SearchService>.Instance);

    private static SearchDocument Doc(string id, string text) => new(id, "00000000-0000-4000-8000-0000000000a1", text);

    [Fact]
    public async Task Indexing_embeds_texts_and_every_mode_finds_them()
    {
        var service = Service(384);
        await service.IndexAsync("memory", [
            Doc("router", "To reset the router password hold the reset button for ten seconds"),
            Doc("pie", "Grandma's apple pie recipe needs cinnamon and butter"),
            Doc("tax", "Quarterly tax filing is due in April"),
        ], Ct);

        var collection = await service.Index.GetCollectionAsync("memory", Ct);
        Assert.Equal(new SearchCollection("memory", HashingEmbeddingGenerator.ModelId, 384, 1), collection);
        foreach (var mode in Enum.GetValues<SearchMode>())
        {
            var hits = await service.SearchAsync("memory", "router password reset", mode, 2, new SearchFilter("00000000-0000-4000-8000-0000000000a1"), Ct);
            Assert.Equal("router", hits[0].Id);
        }
    }

    [Fact]
    public async Task Searching_a_collection_nothing_was_indexed_in_answers_empty()
    {
        Assert.Empty(await Service(384).SearchAsync("skills", "anything", SearchMode.Hybrid, 5, new SearchFilter("00000000-0000-4000-8000-0000000000a1"), Ct));
    }

    [Fact]
    public async Task An_embedder_with_other_dimensions_re_embeds_the_collection_instead_of_mixing_and_answers_by_bm25_meanwhile()
    {
        await Service(384).IndexAsync("memory", [Doc("a", "first text")], Ct);

        var other = Service(256);
        await other.IndexAsync("memory", [Doc("b", "second text")], Ct);

        var collection = await other.Index.GetCollectionAsync("memory", Ct);
        Assert.Equal(256, collection!.Dimensions);
        Assert.Equal(1, await _db.CountAsync("select count(*) from search.documents where vector is not null and length(vector) = 256 * 4"));
        var hits = await other.SearchAsync("memory", "first", SearchMode.Hybrid, 5, new SearchFilter("00000000-0000-4000-8000-0000000000a1"), Ct);
        Assert.Equal((SearchMode.Bm25, SearchResults.Reembedding), (hits.Mode, hits.VectorFallback));
        Assert.Equal("a", Assert.Single(hits).Id);
    }

    [Fact]
    public async Task Reindex_moves_a_collection_to_the_new_embedder_and_replicas_follow()
    {
        var oldService = Service(384);
        await oldService.IndexAsync("memory", [Doc("a", "sailing boat on the lake"), Doc("b", "mountain hiking trail")], Ct);
        var replica = _db.NewIndex();
        Assert.Equal(2, await replica.WarmUpAsync("memory", Ct));

        var newService = Service(128);
        Assert.Equal(2, await newService.ReindexAsync("memory", Ct));

        var collection = await newService.Index.GetCollectionAsync("memory", Ct);
        Assert.Equal((128, 2), (collection!.Dimensions, collection.Generation));
        var hits = await newService.SearchAsync("memory", "boat", SearchMode.Vector, 1, new SearchFilter("00000000-0000-4000-8000-0000000000a1"), Ct);
        Assert.Equal("a", hits.Single().Id);
        // A replica loaded before the reindex reloads the new generation instead of mixing vector sizes.
        var query = new HashingEmbeddingGenerator(128).Embed("hiking");
        var replicaHits = await replica.SearchAsync("memory", new SearchQuery("hiking", query, SearchMode.Hybrid, 1, new SearchFilter("00000000-0000-4000-8000-0000000000a1")), Ct);
        Assert.Equal("b", replicaHits.Single().Id);
        await Assert.ThrowsAsync<EmbeddingMismatchException>(() => oldService.IndexAsync("memory", [Doc("c", "late writer")], Ct));
    }

    [Fact]
    public async Task A_text_indexed_several_times_at_once_is_embedded_once_and_every_copy_gets_its_vector()
    {
        var embedder = new TextCountingEmbedder();
        var service = new SearchService(_db.NewIndex(), embedder, NullLogger<SearchService>.Instance);
        await service.EnsureCollectionAsync("memory", Ct); // the dimension probe, before counting
        embedder.Texts.Clear();
        const string boilerplate = "This note was exported from the old wiki.";
        await service.IndexAsync("memory", [Doc("a", boilerplate), Doc("b", "The router password is on the sticker."), Doc("c", boilerplate)], Ct);

        Assert.Equal(new[] { "The router password is on the sticker.", boilerplate }.Order(StringComparer.Ordinal), embedder.Texts.Order(StringComparer.Ordinal));
        var hits = await service.SearchAsync("memory", "exported from the old wiki", SearchMode.Vector, 3, new SearchFilter("00000000-0000-4000-8000-0000000000a1"), Ct);
        Assert.Equal(hits.Single(h => h.Id == "a").Score, hits.Single(h => h.Id == "c").Score);
    }

    private sealed class TextCountingEmbedder : Microsoft.Extensions.AI.IEmbeddingGenerator<string, Microsoft.Extensions.AI.Embedding<float>>
    {
        private readonly HashingEmbeddingGenerator _inner = new();
        public List<string> Texts { get; } = [];

        public Task<Microsoft.Extensions.AI.GeneratedEmbeddings<Microsoft.Extensions.AI.Embedding<float>>> GenerateAsync(IEnumerable<string> values,
            Microsoft.Extensions.AI.EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
        {
            var list = values.ToList();
            lock (Texts) Texts.AddRange(list);
            return _inner.GenerateAsync(list, options, cancellationToken);
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => _inner.GetService(serviceType, serviceKey);

        public void Dispose() => _inner.Dispose();
    }
}
