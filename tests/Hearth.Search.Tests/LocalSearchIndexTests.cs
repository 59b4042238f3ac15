using Hearth.Search.Local;
using Hearth.Durable.Migrations;
using Microsoft.Extensions.Logging.Abstractions;

namespace Hearth.Search.Tests;

public sealed class LocalSearchIndexTests : IAsyncLifetime
{
    private const string Collection = "memory";
    private static readonly CancellationToken Ct = CancellationToken.None;
    private SearchDatabase _db = null!;
    private PostgresSearchIndex _index = null!;

    public async Task InitializeAsync()
    {
        _db = await SearchDatabase.CreateAsync();
        _index = _db.NewIndex();
        await _index.EnsureCollectionAsync(Collection, "test-model", 4, Ct);
    }

    public async Task DisposeAsync() => await _db.DisposeAsync();

    private static SearchDocument Doc(string id, string text, float[]? vector = null, string owner = "00000000-0000-4000-8000-0000000000a1") =>
        new(id, owner, text, vector is null ? (ReadOnlyMemory<float>?)null : vector);

    private static SearchQuery Query(string text, SearchMode mode, float[]? vector = null, int k = 10, SearchFilter? filter = null) =>
        new(text, vector is null ? (ReadOnlyMemory<float>?)null : vector, mode, k, filter ?? new SearchFilter("00000000-0000-4000-8000-0000000000a1"));

    [Fact]
    public async Task Bm25_scores_match_a_hand_computed_example_and_ignore_other_owners()
    {
        await _index.UpsertAsync(Collection, [
            Doc("d1", "apple banana"),
            Doc("d2", "apple apple cherry"),
            Doc("d3", "cherry date"),
            // Another owner's corpus must not shift u1's statistics.
            Doc("x1", "apple apple apple apple", owner: "00000000-0000-4000-8000-0000000000a2"),
            Doc("x2", "apple", owner: "00000000-0000-4000-8000-0000000000a2"),
        ], Ct);

        var hits = await _index.SearchAsync(Collection, Query("apple", SearchMode.Bm25), Ct);

        // N = 3, df(apple) = 2, avgdl = 7/3; idf = ln(1 + 1.5/2.5) = ln 1.6 = 0.4700036.
        // d2: tf 2, |d| 3: 2·2.2 / (2 + 1.2·(0.25 + 0.75·3/(7/3))) = 1.2727273 → 0.5981864.
        // d1: tf 1, |d| 2: 1·2.2 / (1 + 1.2·(0.25 + 0.75·2/(7/3))) = 1.0620690 → 0.4991763.
        Assert.Equal(["d2", "d1"], hits.Select(h => h.Id));
        Assert.Equal(0.5981864, hits[0].Score, 6);
        Assert.Equal(0.4991763, hits[1].Score, 6);
        Assert.Equal([1, 2], hits.Select(h => h.Bm25Rank!.Value));
        Assert.All(hits, h => Assert.Null(h.VectorRank));
        Assert.All(hits, h => Assert.Equal("00000000-0000-4000-8000-0000000000a1", h.Document.Owner));
    }

    [Fact]
    public async Task Vector_search_ranks_by_exact_cosine_similarity()
    {
        await _index.UpsertAsync(Collection, [
            Doc("north", "points north", [1, 0, 0, 0]),
            Doc("northeast", "points north east", [1, 1, 0, 0]),
            Doc("east", "points east", [0, 1, 0, 0]),
            Doc("south", "points south", [-1, 0, 0, 0]),
            Doc("none", "has no vector"),
        ], Ct);

        var hits = await _index.SearchAsync(Collection, Query("", SearchMode.Vector, [2, 0.5f, 0, 0]), Ct);

        Assert.Equal(["north", "northeast", "east", "south"], hits.Select(h => h.Id));
        var norm = Math.Sqrt(4.25);
        Assert.Equal(2 / norm, hits[0].Score, 5);
        Assert.Equal(2.5 / (norm * Math.Sqrt(2)), hits[1].Score, 5);
        Assert.Equal(0.5 / norm, hits[2].Score, 5);
        Assert.Equal(-2 / norm, hits[3].Score, 5);
        Assert.Equal([1, 2, 3, 4], hits.Select(h => h.VectorRank!.Value));
    }

    [Fact]
    public async Task With_a_calibrated_model_a_keyword_list_of_noise_does_not_outrank_a_confident_vector_neighbour()
    {
        // Query vector [1,0,0,0]; the vectors' cosines to it are 0.40 (noise for arctic), 0.75 (a good answer) and 0.85.
        float[] noise = [0.40f, 0.9165f, 0, 0], good = [0.75f, 0.6614f, 0, 0], strong = [0.85f, 0.5268f, 0, 0];
        await _index.EnsureCollectionAsync("arctic", "snowflake-arctic-embed-xs", 4, Ct);
        await _index.UpsertAsync("arctic", [
            Doc("shares-a-word", "how to report a finding to the team", noise),
            Doc("answer", "tick the boxes of an acroform with pypdf", good),
            Doc("other-1", "how the team plans the week", noise),
            Doc("other-2", "notes from the garden", noise),
        ], Ct);

        // BM25 finds only "report" (the query's other words are in no document): its best holds little of the query.
        var hits = await _index.SearchAsync("arctic", Query("how do I report checkbox states in a pdf form", SearchMode.Hybrid, [1, 0, 0, 0]), Ct);
        Assert.Equal("answer", hits[0].Id);
        Assert.Equal(1, hits.Single(h => h.Id == "shares-a-word").Bm25Rank);

        // The fusion before: BM25 over the query's best alone (Search:Bm25Scale = 0) and equal weights (0.5 × arctic's 2):
        // the one keyword match looked perfect and won.
        var byBest = await _db.NewIndex(new SearchOptions { Bm25Scale = 0, Bm25Weight = 1, VectorWeight = 0.5 }).SearchAsync("arctic",
            Query("how do I report checkbox states in a pdf form", SearchMode.Hybrid, [1, 0, 0, 0]), Ct);
        Assert.Equal("shares-a-word", byBest[0].Id);

        // A document that holds the whole query and is close in meaning keeps first place over a closer vector neighbour.
        await _index.UpsertAsync("arctic", [Doc("exact", "sourdough starter feeding schedule", strong), Doc("near", "bread yeast culture care", [0.9f, 0.4359f, 0, 0])], Ct);
        Assert.Equal("exact", (await _index.SearchAsync("arctic", Query("sourdough starter feeding schedule", SearchMode.Hybrid, [1, 0, 0, 0]), Ct))[0].Id);
    }

    [Fact]
    public async Task Hybrid_fuses_both_rankings_with_rrf_and_reports_each_half()
    {
        await _index.UpsertAsync(Collection, [
            Doc("both", "espresso machine descaling guide", [1, 0, 0, 0]),
            Doc("text", "espresso espresso espresso beans", [0, 0, 1, 0]),
            Doc("vec", "how to clean a coffee maker", [0.9f, 0.1f, 0, 0]),
            Doc("neither", "gardening in spring", [0, 0, 0, 1]),
        ], Ct);

        var hits = await _index.SearchAsync(Collection, Query("espresso descaling", SearchMode.Hybrid, [1, 0, 0, 0]), Ct);

        Assert.Equal("both", hits[0].Id);
        foreach (var hit in hits)
        {
            var expected = (hit.Bm25Rank is { } b ? 1.0 / (60 + b) : 0) + (hit.VectorRank is { } v ? 1.0 / (60 + v) : 0);
            Assert.Equal(expected, hit.Score, 12);
        }
        var both = hits[0];
        Assert.Equal(1, both.Bm25Rank);
        Assert.Equal(1, both.VectorRank);
        Assert.Equal(1.0, both.VectorScore!.Value, 5);
        var vec = hits.Single(h => h.Id == "vec");
        Assert.Null(vec.Bm25Rank);
        Assert.Equal(2, vec.VectorRank);
        Assert.True(hits.Select(h => h.Score).SequenceEqual(hits.Select(h => h.Score).OrderByDescending(s => s)));
    }

    [Fact]
    public async Task Another_owners_documents_are_never_returned_even_when_they_match_better()
    {
        await _index.UpsertAsync(Collection, [
            Doc("mine", "a note about the weather", [0, 1, 0, 0]),
            Doc("theirs", "secret password secret password", [1, 0, 0, 0], owner: "00000000-0000-4000-8000-0000000000a2"),
            Doc("mine", "their same id must not collide", [1, 0, 0, 0], owner: "00000000-0000-4000-8000-0000000000a3"),
        ], Ct);

        foreach (var mode in Enum.GetValues<SearchMode>())
        {
            var hits = await _index.SearchAsync(Collection, Query("secret password weather", mode, [1, 0, 0, 0]), Ct);
            Assert.All(hits, h => Assert.Equal("00000000-0000-4000-8000-0000000000a1", h.Document.Owner));
            Assert.DoesNotContain(hits, h => h.Document.Text.Contains("secret", StringComparison.Ordinal));
        }
        var u2 = await _index.SearchAsync(Collection, Query("secret", SearchMode.Bm25, filter: new SearchFilter("00000000-0000-4000-8000-0000000000a2")), Ct);
        Assert.Equal(["theirs"], u2.Select(h => h.Id));
        var u3 = await _index.SearchAsync(Collection, Query("collide", SearchMode.Bm25, filter: new SearchFilter("00000000-0000-4000-8000-0000000000a3")), Ct);
        Assert.Equal("their same id must not collide", u3.Single().Document.Text);
        await Assert.ThrowsAsync<ArgumentException>(() => _index.SearchAsync(Collection, Query("x", SearchMode.Bm25, filter: new SearchFilter("")), Ct));
    }

    [Fact]
    public async Task Filters_narrow_by_agent_session_domain_kind_time_and_tags()
    {
        var t0 = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
        await _index.UpsertAsync(Collection, [
            Doc("a", "pizza night") with { Agent = "mia", Session = "s1", Domain = "food", Kind = "turn", CreatedAt = t0, Tags = ["fav", "lang=en"] },
            Doc("b", "pizza recipe") with { Agent = "mia", Session = "s2", Domain = "food", Kind = "summary", CreatedAt = t0.AddDays(1), Tags = ["fav"] },
            Doc("c", "pizza code review") with { Agent = "leo", Session = "s3", Domain = "code", Kind = "turn", CreatedAt = t0.AddDays(2) },
        ], Ct);

        async Task<string[]> Ids(SearchFilter filter) =>
            (await _index.SearchAsync(Collection, Query("pizza", SearchMode.Bm25, filter: filter), Ct)).Select(h => h.Id).Order().ToArray();

        var u1 = new SearchFilter("00000000-0000-4000-8000-0000000000a1");
        Assert.Equal(["a", "b", "c"], await Ids(u1));
        Assert.Equal(["a", "b"], await Ids(u1 with { Agent = "mia" }));
        Assert.Equal(["b"], await Ids(u1 with { Session = "s2" }));
        Assert.Equal(["a", "b", "c"], await Ids(u1 with { Domains = ["food", "code"] }));
        Assert.Equal(["c"], await Ids(u1 with { Domains = ["code", "unknown"] }));
        Assert.Equal(["a", "c"], await Ids(u1 with { Kinds = ["turn"] }));
        Assert.Equal(["b", "c"], await Ids(u1 with { CreatedFrom = t0.AddDays(1) }));
        Assert.Equal(["a"], await Ids(u1 with { CreatedTo = t0.AddDays(1) }));
        Assert.Equal(["a", "b"], await Ids(u1 with { Tags = ["fav"] }));
        Assert.Equal(["a"], await Ids(u1 with { Tags = ["fav", "lang=en"] }));
        Assert.Empty(await Ids(u1 with { Agent = "nobody" }));
        Assert.Empty(await Ids(u1 with { Agent = "leo", Kinds = ["summary"] }));
    }

    [Fact]
    public async Task Upserting_the_same_id_replaces_the_document()
    {
        await _index.UpsertAsync(Collection, [Doc("d", "old words here", [1, 0, 0, 0])], Ct);
        Assert.Single(await _index.SearchAsync(Collection, Query("old", SearchMode.Bm25), Ct));

        await _index.UpsertAsync(Collection, [Doc("d", "new text entirely", [0, 1, 0, 0]), Doc("d", "newest text wins", [0, 0, 1, 0])], Ct);
        await _index.UpsertAsync(Collection, [Doc("d", "newest text wins", [0, 0, 1, 0])], Ct);

        Assert.Empty(await _index.SearchAsync(Collection, Query("old", SearchMode.Bm25), Ct));
        var hit = Assert.Single(await _index.SearchAsync(Collection, Query("text", SearchMode.Hybrid, [0, 0, 1, 0]), Ct));
        Assert.Equal("newest text wins", hit.Document.Text);
        Assert.Equal(1.0, hit.VectorScore!.Value, 5);
        Assert.Equal(1, await _db.CountAsync("select count(*) from search.documents"));
    }

    [Fact]
    public async Task Deleted_documents_disappear_from_every_mode()
    {
        await _index.UpsertAsync(Collection, [Doc("keep", "alpha beta", [1, 0, 0, 0]), Doc("gone", "alpha gamma", [1, 0, 0, 0])], Ct);
        Assert.Equal(2, (await _index.SearchAsync(Collection, Query("alpha", SearchMode.Hybrid, [1, 0, 0, 0]), Ct)).Count);

        Assert.Equal(0, await _index.DeleteAsync(Collection, "00000000-0000-4000-8000-0000000000a2", ["gone"], Ct)); // not theirs
        Assert.Equal(1, await _index.DeleteAsync(Collection, "00000000-0000-4000-8000-0000000000a1", ["gone", "never-existed"], Ct));

        foreach (var mode in Enum.GetValues<SearchMode>())
            Assert.Equal(["keep"], (await _index.SearchAsync(Collection, Query("alpha", mode, [1, 0, 0, 0]), Ct)).Select(h => h.Id));
        // Deleting again is a no-op; re-upserting revives it.
        Assert.Equal(0, await _index.DeleteAsync(Collection, "00000000-0000-4000-8000-0000000000a1", ["gone"], Ct));
        await _index.UpsertAsync(Collection, [Doc("gone", "alpha back again", [1, 0, 0, 0])], Ct);
        Assert.Equal(2, (await _index.SearchAsync(Collection, Query("alpha", SearchMode.Bm25), Ct)).Count);
    }

    [Fact]
    public async Task Delete_where_removes_what_the_filter_matches_for_that_owner_only()
    {
        await _index.UpsertAsync(Collection, [
            Doc("a", "session one") with { Session = "s1" },
            Doc("b", "session one too") with { Session = "s1" },
            Doc("c", "session two") with { Session = "s2" },
            Doc("a", "someone else's session one", owner: "00000000-0000-4000-8000-0000000000a2") with { Session = "s1" },
        ], Ct);

        Assert.Equal(2, await _index.DeleteWhereAsync(Collection, new SearchFilter("00000000-0000-4000-8000-0000000000a1") { Session = "s1" }, Ct));

        Assert.Equal(["c"], (await _index.SearchAsync(Collection, Query("session", SearchMode.Bm25), Ct)).Select(h => h.Id));
        Assert.Single(await _index.SearchAsync(Collection, Query("session", SearchMode.Bm25, filter: new SearchFilter("00000000-0000-4000-8000-0000000000a2")), Ct));
    }

    [Fact]
    public async Task Vectors_of_other_dimensions_fail_clearly_and_nothing_is_written()
    {
        var error = await Assert.ThrowsAsync<EmbeddingMismatchException>(() => _index.UpsertAsync(Collection, [
            Doc("ok", "fine", [1, 0, 0, 0]),
            Doc("bad", "wrong size", [1, 0, 0, 0, 0, 0, 0, 0]),
        ], Ct));

        Assert.Contains("'test-model' with 4 dimensions", error.Message);
        Assert.Contains("8 dimensions", error.Message);
        Assert.Contains("Nothing was written", error.Message);
        Assert.Equal(0, await _db.CountAsync("select count(*) from search.documents"));
        await Assert.ThrowsAsync<EmbeddingMismatchException>(() =>
            _index.SearchAsync(Collection, Query("x", SearchMode.Vector, [1, 0, 0, 0, 0, 0, 0, 0]), Ct));
    }

    [Fact]
    public async Task A_collection_refuses_another_model_or_size_naming_both()
    {
        var size = await Assert.ThrowsAsync<EmbeddingMismatchException>(() => _index.EnsureCollectionAsync(Collection, "test-model", 768, Ct));
        Assert.Contains("'test-model' with 4 dimensions", size.Message);
        Assert.Contains("model 'test-model' produces 768 dimensions", size.Message);

        var model = await Assert.ThrowsAsync<EmbeddingMismatchException>(() => _index.EnsureCollectionAsync(Collection, "other-model", 4, Ct));
        Assert.Contains("same size, different model", model.Message);
        Assert.Equal(("test-model", 4), (model.CollectionModel, model.CollectionDimensions));

        var same = await _index.EnsureCollectionAsync(Collection, "test-model", 4, Ct);
        Assert.Equal(new SearchCollection(Collection, "test-model", 4, 1), same);
    }

    [Fact]
    public async Task Bad_input_gets_clear_errors()
    {
        await Assert.ThrowsAsync<SearchCollectionNotFoundException>(() => _index.UpsertAsync("nowhere", [Doc("a", "b")], Ct));
        await Assert.ThrowsAsync<SearchCollectionNotFoundException>(() => _index.SearchAsync("nowhere", Query("b", SearchMode.Bm25), Ct));
        await Assert.ThrowsAsync<ArgumentException>(() => _index.EnsureCollectionAsync("Bad Name", "m", 4, Ct));
        await Assert.ThrowsAsync<ArgumentException>(() => _index.UpsertAsync(Collection, [Doc("a", "b", [float.NaN, 0, 0, 0])], Ct));
        await Assert.ThrowsAsync<ArgumentException>(() => _index.UpsertAsync(Collection, [Doc("", "b")], Ct));
        await Assert.ThrowsAsync<ArgumentException>(() => _index.SearchAsync(Collection, Query("b", SearchMode.Hybrid), Ct));
        await Assert.ThrowsAsync<ArgumentException>(() => _index.SearchAsync(Collection, Query("b", SearchMode.Bm25, k: 0), Ct));
        Assert.Equal(0, await _db.CountAsync("select count(*) from search.documents"));
    }

    [Fact]
    public async Task Two_replicas_on_one_database_see_each_others_writes_and_deletes()
    {
        var other = _db.NewIndex();
        // Both load the (empty) collection first, so later changes must arrive through the change sequence.
        Assert.Empty(await _index.SearchAsync(Collection, Query("river", SearchMode.Bm25), Ct));
        Assert.Empty(await other.SearchAsync(Collection, Query("river", SearchMode.Bm25), Ct));

        await _index.UpsertAsync(Collection, [Doc("r1", "river trip", [1, 0, 0, 0]), Doc("r2", "river fishing", [0, 1, 0, 0])], Ct);
        Assert.Equal(2, (await other.SearchAsync(Collection, Query("river", SearchMode.Hybrid, [1, 0, 0, 0]), Ct)).Count);

        await other.DeleteAsync(Collection, "00000000-0000-4000-8000-0000000000a1", ["r1"], Ct);
        await other.UpsertAsync(Collection, [Doc("r2", "lake fishing", [0, 1, 0, 0])], Ct);

        Assert.Empty(await _index.SearchAsync(Collection, Query("river", SearchMode.Bm25), Ct));
        Assert.Equal(["r2"], (await _index.SearchAsync(Collection, Query("lake", SearchMode.Bm25), Ct)).Select(h => h.Id));
        Assert.Equal(["r2"], (await _index.SearchAsync(Collection, Query("", SearchMode.Vector, [1, 0, 0, 0]), Ct)).Select(h => h.Id));
    }

    [Fact]
    public async Task A_replica_behind_purged_tombstones_reloads_instead_of_missing_deletes()
    {
        await _index.UpsertAsync(Collection, [Doc("a", "orange"), Doc("b", "orange juice")], Ct);
        var stale = _db.NewIndex();
        Assert.Equal(2, (await stale.SearchAsync(Collection, Query("orange", SearchMode.Bm25), Ct)).Count);

        await _index.DeleteAsync(Collection, "00000000-0000-4000-8000-0000000000a1", ["b"], Ct);
        Assert.Equal(1, await _index.PurgeDeletedAsync(Collection, TimeSpan.Zero, Ct));
        Assert.Equal(1, await _db.CountAsync("select count(*) from search.documents"));

        Assert.Equal(["a"], (await stale.SearchAsync(Collection, Query("orange", SearchMode.Bm25), Ct)).Select(h => h.Id));

        // A replica loading after the purge reflects it and does not reload again on the next query.
        var fresh = _db.NewIndex();
        Assert.Single(await fresh.SearchAsync(Collection, Query("orange", SearchMode.Bm25), Ct));
        Assert.Single(await fresh.SearchAsync(Collection, Query("orange", SearchMode.Bm25), Ct));
        Assert.Equal(1, fresh.FullLoads);

        // The all-collections sweep the maintenance timer runs keeps recent tombstones.
        await _index.DeleteAsync(Collection, "00000000-0000-4000-8000-0000000000a1", ["a"], Ct);
        Assert.Equal(0, await _index.PurgeDeletedAsync(TimeSpan.FromDays(7), Ct));
        Assert.Equal(1, await _index.PurgeDeletedAsync(TimeSpan.Zero, Ct));
    }

    [Fact]
    public async Task Warm_up_loads_named_collections_in_the_background_and_skips_missing_ones()
    {
        await _index.UpsertAsync(Collection, [Doc("a", "warm start")], Ct);
        var options = new SearchOptions { WarmUp = ["missing", Collection] };
        var readiness = new DatabaseReadiness();
        readiness.MarkReady(); // the test's database is migrated already
        var warmUp = new SearchWarmUp(_index, options, readiness, NullLogger<SearchWarmUp>.Instance);

        await warmUp.StartAsync(Ct);
        await warmUp.ExecuteTask!;

        Assert.Equal(1, _index.FullLoads);
        Assert.True(_index.MemoryBytes(Collection) > 0);
        Assert.Single(await _index.SearchAsync(Collection, Query("warm", SearchMode.Bm25), Ct));
        Assert.Equal(1, _index.FullLoads);
    }

    [Fact]
    public async Task Concurrent_queries_and_writes_stay_consistent()
    {
        var other = _db.NewIndex();
        var writer = Task.Run(async () =>
        {
            for (var batch = 0; batch < 20; batch++)
                await other.UpsertAsync(Collection, Enumerable.Range(batch * 50, 50).Select(i => Doc($"d{i}", $"shared word{i}", [1, i % 7, 0, 0])).ToList(), Ct);
        });
        var readers = Enumerable.Range(0, 4).Select(r => Task.Run(async () =>
        {
            var seen = 0;
            while (!writer.IsCompleted)
            {
                var hits = await _index.SearchAsync(Collection, Query("shared", r % 2 == 0 ? SearchMode.Hybrid : SearchMode.Bm25, [1, 0, 0, 0], k: 1000), Ct);
                Assert.True(hits.Count >= seen, "a replica never goes back in time");
                Assert.Equal(hits.Count, hits.Select(h => h.Id).Distinct().Count());
                seen = hits.Count;
            }
        })).ToList();

        await Task.WhenAll(readers.Append(writer));

        Assert.Equal(1000, (await _index.SearchAsync(Collection, Query("shared", SearchMode.Bm25, k: 1000), Ct)).Count);
        Assert.Equal("shared word999", Assert.Single(await _index.SearchAsync(Collection, Query("word999", SearchMode.Bm25), Ct)).Document.Text);
    }

    [Fact]
    public async Task Compaction_after_many_replacements_keeps_results_right()
    {
        // 6,000 replacements leave 6,000 dead slots: enough to trigger compaction of the in-memory index.
        var documents = Enumerable.Range(0, 3000).Select(i => Doc($"d{i}", $"item number{i} common", [i % 4 == 0 ? 1 : 0, 1, 0, 0])).ToList();
        await _index.UpsertAsync(Collection, documents, Ct);
        Assert.Equal(3000, await _index.WarmUpAsync(Collection, Ct));
        for (var round = 0; round < 2; round++)
        {
            await _index.UpsertAsync(Collection, documents.Select(d => d with { Text = d.Text + $" round{round}" }).ToList(), Ct);
            Assert.Equal(3000, await _index.WarmUpAsync(Collection, Ct));
        }

        var hit = Assert.Single(await _index.SearchAsync(Collection, Query("number1234", SearchMode.Bm25), Ct));
        Assert.Equal("item number1234 common round1", hit.Document.Text);
        Assert.Equal(1000, (await _index.SearchAsync(Collection, Query("round1", SearchMode.Bm25, k: 1000), Ct)).Count);
        Assert.Equal(750, (await _index.SearchAsync(Collection, Query("", SearchMode.Vector, [1, 0, 0, 0], k: 1000), Ct))
            .Count(h => h.VectorScore > 0.5));
        Assert.Empty(await _index.SearchAsync(Collection, Query("round0", SearchMode.Bm25), Ct));
    }
}
