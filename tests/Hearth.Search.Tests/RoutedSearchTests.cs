using Hearth.Embeddings;
using Microsoft.Extensions.Logging.Abstractions;

namespace Hearth.Search.Tests;

public sealed class RoutedSearchTests : IAsyncLifetime
{
    private static readonly CancellationToken Ct = CancellationToken.None;
    private SearchDatabase _db = null!;
    private SearchService _search = null!;
    private RoutedSearch _routed = null!;
    private DomainRouter _router = null!;

    public async Task InitializeAsync()
    {
        _db = await SearchDatabase.CreateAsync();
        _search = new SearchService(_db.NewIndex(), new HashingEmbeddingGenerator(), NullLogger<SearchService>.Instance);
        _router = new DomainRouter([
            new DomainDefinition { Name = "code", Keywords = ["python", "bug"], Collection = "code" },
            new DomainDefinition { Name = "food", Keywords = ["recipe", "cook"], Collection = "memory" },
        ]);
        _routed = new RoutedSearch(_search, _router);
    }

    public async Task DisposeAsync() => await _db.DisposeAsync();

    private async Task IndexAsync(string id, string text)
    {
        var domain = _router.Tag(text);
        await _search.IndexAsync(domain.Collection, [new SearchDocument(id, "00000000-0000-4000-8000-0000000000a1", text) { Domain = domain.Name }], Ct);
    }

    [Fact]
    public async Task Documents_are_tagged_at_index_time_and_queries_search_the_winning_domain()
    {
        await IndexAsync("py", "fixed the python bug in the parser");
        await IndexAsync("soup", "tomato soup recipe with basil");
        await IndexAsync("walk", "a long walk by the sea with basil the dog");

        var code = await _routed.SearchAsync("python parser", SearchMode.Hybrid, 5, new SearchFilter("00000000-0000-4000-8000-0000000000a1"), Ct);
        Assert.Equal(["code"], code.Domains.Select(d => d.Name));
        Assert.Equal(["py"], code.Hits.Select(h => h.Id));

        // "recipe" routes to food inside the shared memory collection: the general walk is filtered out.
        var food = await _routed.SearchAsync("basil recipe", SearchMode.Bm25, 5, new SearchFilter("00000000-0000-4000-8000-0000000000a1"), Ct);
        Assert.False(food.FellBack);
        Assert.Equal(["soup"], food.Hits.Select(h => h.Id));

        var general = await _routed.SearchAsync("basil", SearchMode.Bm25, 5, new SearchFilter("00000000-0000-4000-8000-0000000000a1"), Ct);
        Assert.True(general.FellBack);
        Assert.Equal(["soup", "walk"], general.Hits.Select(h => h.Id).Order());
    }

    [Fact]
    public async Task Winners_with_nothing_found_fall_back_to_general()
    {
        await IndexAsync("walk", "a walk with the dog");
        var result = await _routed.SearchAsync("python dog", SearchMode.Bm25, 5, new SearchFilter("00000000-0000-4000-8000-0000000000a1"), Ct);
        Assert.True(result.FellBack);
        Assert.Equal(["walk"], result.Hits.Select(h => h.Id));
    }
}
