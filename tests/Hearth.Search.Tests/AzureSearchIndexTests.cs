using System.Net;
using System.Text.Json;
using Azure;
using Hearth.Adapters.AzureSearch;
using Hearth.Testing.Host;
using Microsoft.Extensions.Logging.Abstractions;

namespace Hearth.Search.Tests;

/// <summary>
/// The Azure AI Search adapter against a fake service: the real SDK builds each request, and the tests check method,
/// path, api-version and JSON body against the REST API (2023-11-01) shape.
/// </summary>
public sealed class AzureSearchIndexTests
{
    private const string Service = "https://unit.search.windows.net";
    private const string Version = "api-version=2023-11-01";
    private static readonly CancellationToken Ct = CancellationToken.None;

    private static readonly object Registered = new
    {
        name = "memory", model = "hearth-hashing-v1", dimensions = 3, generation = 1, indexName = "hearth-memory-g1",
    };

    private static AzureSearchIndex Index(FakeHttp http) => new(
        new AzureSearchOptions { Endpoint = Service, ApiKey = "admin-key" }, new SearchOptions(),
        NullLogger<AzureSearchIndex>.Instance, http);

    private static string Path(CapturedRequest r) => Uri.UnescapeDataString(r.Uri.AbsolutePath);

    /// <summary>A service where the collection is registered; other requests go to <paramref name="more"/>.</summary>
    private static FakeHttp RegisteredService(Func<CapturedRequest, HttpResponseMessage> more) => new(r =>
        r.Method == HttpMethod.Get && Path(r) == "/indexes('hearth-collections')/docs('memory')" ? FakeHttp.Json(Registered) : more(r));

    [Fact]
    public async Task A_transient_503_is_retried_and_a_service_failing_every_call_is_not_called_until_its_break_ends()
    {
        // Backoff waits run on real timers (under a second); the break ends when the test moves the clock.
        var clock = new ManualTime(new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero));
        var options = new AzureSearchOptions { Endpoint = Service, ApiKey = "admin-key", MaxRetries = 1, BreakAfter = 4, BreakDuration = TimeSpan.FromMinutes(1) };
        var failures = 1;
        var once = new FakeHttp(r => Interlocked.Decrement(ref failures) >= 0 ? FakeHttp.Status(HttpStatusCode.ServiceUnavailable) : Registry(r));
        Assert.NotNull(await new AzureSearchIndex(options, new SearchOptions(), NullLogger<AzureSearchIndex>.Instance, once, clock).GetCollectionAsync("memory", Ct));
        Assert.Equal(2, once.Requests.Count);

        var down = true;
        var http = new FakeHttp(r => down ? FakeHttp.Status(HttpStatusCode.ServiceUnavailable) : Registry(r));
        var index = new AzureSearchIndex(options, new SearchOptions(), NullLogger<AzureSearchIndex>.Instance, http, clock);
        for (var call = 0; call < 2; call++)
            Assert.Equal(503, (await Assert.ThrowsAsync<RequestFailedException>(() => index.GetCollectionAsync("memory", Ct))).Status);
        Assert.Equal(4, http.Requests.Count);
        for (var call = 0; call < 3; call++)
            await Assert.ThrowsAnyAsync<Exception>(() => index.GetCollectionAsync("memory", Ct));
        Assert.Equal(4, http.Requests.Count); // open: the service is not called

        down = false;
        clock.Advance(TimeSpan.FromSeconds(61));
        Assert.NotNull(await index.GetCollectionAsync("memory", Ct));
        Assert.Equal(5, http.Requests.Count);
    }

    /// <summary>The registry's answer for collection <c>memory</c>.</summary>
    private static HttpResponseMessage Registry(CapturedRequest r) =>
        r.Method == HttpMethod.Get && Path(r) == "/indexes('hearth-collections')/docs('memory')" ? FakeHttp.Json(Registered) : FakeHttp.Status(HttpStatusCode.NotFound);

    [Fact]
    public async Task Creating_a_collection_defines_a_vector_index_with_an_hnsw_profile_and_registers_it()
    {
        var http = new FakeHttp(r => r.Method == HttpMethod.Get
            ? FakeHttp.Status(HttpStatusCode.NotFound, """{"error":{"code":"","message":"not found"}}""")
            : r.Method == HttpMethod.Put ? FakeHttp.Json(JsonDocument.Parse(r.Body).RootElement, HttpStatusCode.Created)
            : FakeHttp.Json(new { value = new[] { new { key = "memory", status = true, errorMessage = (string?)null, statusCode = 201 } } }));

        var collection = await Index(http).EnsureCollectionAsync("memory", "hearth-hashing-v1", 384, Ct);

        Assert.Equal(new SearchCollection("memory", "hearth-hashing-v1", 384, 1), collection);
        Assert.Equal(
            ["GET /indexes('hearth-collections')/docs('memory')", "PUT /indexes('hearth-collections')", "PUT /indexes('hearth-memory-g1')",
             "POST /indexes('hearth-collections')/docs/search.index"],
            http.Requests.Select(r => $"{r.Method} {Path(r)}"));
        Assert.All(http.Requests, r => Assert.Contains(Version, r.Uri.Query));
        Assert.All(http.Requests, r => Assert.Equal("admin-key", r.Headers["api-key"]));

        var index = http.Requests[2].Json;
        Assert.Equal("hearth-memory-g1", index.GetProperty("name").GetString());
        var fields = index.GetProperty("fields").EnumerateArray().ToDictionary(f => f.GetProperty("name").GetString()!);
        Assert.True(fields["key"].GetProperty("key").GetBoolean());
        Assert.Equal("Edm.String", fields["text"].GetProperty("type").GetString());
        Assert.True(fields["text"].GetProperty("searchable").GetBoolean());
        Assert.Equal("en.lucene", fields["text"].GetProperty("analyzer").GetString());
        foreach (var name in new[] { "owner", "agent", "session", "domain", "kind", "createdAt", "tags" })
            Assert.True(fields[name].GetProperty("filterable").GetBoolean(), name);
        Assert.Equal("Collection(Edm.String)", fields["tags"].GetProperty("type").GetString());
        Assert.Equal("Edm.DateTimeOffset", fields["createdAt"].GetProperty("type").GetString());
        var embedding = fields["embedding"];
        Assert.Equal("Collection(Edm.Single)", embedding.GetProperty("type").GetString());
        Assert.True(embedding.GetProperty("searchable").GetBoolean());
        Assert.False(embedding.GetProperty("retrievable").GetBoolean());
        Assert.Equal(384, embedding.GetProperty("dimensions").GetInt32());
        Assert.Equal("hearth-vector", embedding.GetProperty("vectorSearchProfile").GetString());

        var vectorSearch = index.GetProperty("vectorSearch");
        var algorithm = vectorSearch.GetProperty("algorithms")[0];
        Assert.Equal("hearth-hnsw", algorithm.GetProperty("name").GetString());
        Assert.Equal("hnsw", algorithm.GetProperty("kind").GetString());
        var hnsw = algorithm.GetProperty("hnswParameters");
        Assert.Equal("cosine", hnsw.GetProperty("metric").GetString());
        Assert.Equal((4, 400, 500), (hnsw.GetProperty("m").GetInt32(), hnsw.GetProperty("efConstruction").GetInt32(), hnsw.GetProperty("efSearch").GetInt32()));
        var profile = vectorSearch.GetProperty("profiles")[0];
        Assert.Equal(("hearth-vector", "hearth-hnsw"), (profile.GetProperty("name").GetString(), profile.GetProperty("algorithm").GetString()));

        var registration = http.Requests[3].Json.GetProperty("value")[0];
        Assert.Equal("upload", registration.GetProperty("@search.action").GetString());
        Assert.Equal(("memory", "hearth-hashing-v1", 384, "hearth-memory-g1"),
            (registration.GetProperty("name").GetString(), registration.GetProperty("model").GetString(),
             registration.GetProperty("dimensions").GetInt32(), registration.GetProperty("indexName").GetString()));
    }

    [Fact]
    public async Task A_registered_collection_with_another_size_is_refused_without_writing()
    {
        var http = RegisteredService(_ => throw new InvalidOperationException("nothing else may be called"));
        var error = await Assert.ThrowsAsync<EmbeddingMismatchException>(() => Index(http).EnsureCollectionAsync("memory", "hearth-hashing-v1", 768, Ct));
        Assert.Contains("3 dimensions", error.Message);
        Assert.Contains("768 dimensions", error.Message);
        Assert.Single(http.Requests);
    }

    [Fact]
    public async Task Upsert_uploads_documents_with_hashed_owner_keys_metadata_and_vectors()
    {
        var http = RegisteredService(r => FakeHttp.Json(new
        {
            value = r.Json.GetProperty("value").EnumerateArray()
                .Select(v => new { key = v.GetProperty("key").GetString(), status = true, errorMessage = (string?)null, statusCode = 201 }),
        }));
        var created = new DateTimeOffset(2025, 3, 1, 12, 0, 0, TimeSpan.FromHours(2));

        await Index(http).UpsertAsync("memory", [
            new SearchDocument("turn-1", "u1", "It's raining in Lisbon", new float[] { 0.1f, 0.2f, 0.3f })
            {
                Agent = "mia", Session = "s1", Domain = "general", Kind = "turn", Source = "chat", CreatedAt = created, Tags = ["fav"],
            },
            new SearchDocument("turn-1", "u2", "another owner, same id"),
        ], Ct);

        var request = http.Requests.Single(r => r.Method == HttpMethod.Post);
        Assert.Equal("/indexes('hearth-memory-g1')/docs/search.index", Path(request));
        var values = request.Json.GetProperty("value").EnumerateArray().ToList();
        Assert.Equal(2, values.Count);
        var first = values[0];
        Assert.Equal("upload", first.GetProperty("@search.action").GetString());
        Assert.Equal(AzureSearchIndex.DocumentKey("u1", "turn-1"), first.GetProperty("key").GetString());
        Assert.NotEqual(first.GetProperty("key").GetString(), values[1].GetProperty("key").GetString());
        Assert.Matches("^[A-Za-z0-9_-]{43}$", first.GetProperty("key").GetString());
        Assert.Equal(("turn-1", "u1", "It's raining in Lisbon"),
            (first.GetProperty("id").GetString(), first.GetProperty("owner").GetString(), first.GetProperty("text").GetString()));
        Assert.Equal(("mia", "s1", "general", "turn", "chat"),
            (first.GetProperty("agent").GetString(), first.GetProperty("session").GetString(), first.GetProperty("domain").GetString(),
             first.GetProperty("kind").GetString(), first.GetProperty("source").GetString()));
        Assert.Equal(created, first.GetProperty("createdAt").GetDateTimeOffset());
        Assert.Equal(["fav"], first.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal([0.1f, 0.2f, 0.3f], first.GetProperty("embedding").EnumerateArray().Select(e => e.GetSingle()));
        Assert.Equal(JsonValueKind.Null, values[1].GetProperty("embedding").ValueKind);
    }

    [Fact]
    public async Task Upsert_with_other_dimensions_sends_nothing()
    {
        var http = RegisteredService(_ => throw new InvalidOperationException("no write may happen"));
        await Assert.ThrowsAsync<EmbeddingMismatchException>(() => Index(http).UpsertAsync("memory",
            [new SearchDocument("a", "u1", "ok", new float[] { 1, 2, 3 }), new SearchDocument("b", "u1", "bad", new float[] { 1, 2 })], Ct));
        Assert.DoesNotContain(http.Requests, r => r.Method == HttpMethod.Post);
    }

    private static HttpResponseMessage SearchResults(double firstScore = 0.8) => FakeHttp.Json(new Dictionary<string, object>
    {
        ["value"] = new object[]
        {
            new Dictionary<string, object?>
            {
                ["@search.score"] = firstScore, ["key"] = "k1", ["id"] = "turn-1", ["owner"] = "u1", ["text"] = "raining in Lisbon",
                ["agent"] = "mia", ["session"] = null, ["domain"] = "general", ["kind"] = "turn", ["source"] = null,
                ["createdAt"] = "2025-03-01T10:00:00Z", ["tags"] = new[] { "fav" },
            },
            new Dictionary<string, object?>
            {
                ["@search.score"] = firstScore / 2, ["key"] = "k2", ["id"] = "turn-2", ["owner"] = "u1", ["text"] = "sunny in Porto",
                ["createdAt"] = "2025-03-02T10:00:00Z", ["tags"] = Array.Empty<string>(),
            },
        },
    });

    [Fact]
    public async Task Hybrid_query_sends_search_text_a_vector_query_and_the_owner_filter()
    {
        var http = RegisteredService(_ => SearchResults(0.0325));
        var filter = new SearchFilter("u1")
        {
            Agent = "mia", Domains = ["general", "o'brien"], Kinds = ["turn"], Tags = ["fav"],
            CreatedFrom = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero), CreatedTo = new DateTimeOffset(2025, 6, 1, 0, 0, 0, TimeSpan.Zero),
        };

        var hits = await Index(http).SearchAsync("memory",
            new SearchQuery("weather in Lisbon", new float[] { 0.5f, -0.25f, 1f }, SearchMode.Hybrid, 5, filter), Ct);

        var request = http.Requests.Single(r => r.Method == HttpMethod.Post);
        Assert.Equal("/indexes('hearth-memory-g1')/docs/search.post.search", Path(request));
        Assert.Contains(Version, request.Uri.Query);
        var body = request.Json;
        Assert.Equal("weather in Lisbon", body.GetProperty("search").GetString());
        Assert.Equal(5, body.GetProperty("top").GetInt32());
        Assert.Equal("simple", body.GetProperty("queryType").GetString());
        Assert.Equal("any", body.GetProperty("searchMode").GetString());
        Assert.Equal("text", body.GetProperty("searchFields").GetString());
        Assert.Equal(
            "owner eq 'u1' and agent eq 'mia' and (domain eq 'general' or domain eq 'o''brien') and (kind eq 'turn') and " +
            "createdAt ge 2025-01-01T00:00:00.000Z and createdAt lt 2025-06-01T00:00:00.000Z and tags/any(t: t eq 'fav')",
            body.GetProperty("filter").GetString());
        Assert.Equal("preFilter", body.GetProperty("vectorFilterMode").GetString());
        var vectorQuery = Assert.Single(body.GetProperty("vectorQueries").EnumerateArray());
        Assert.Equal("vector", vectorQuery.GetProperty("kind").GetString());
        Assert.Equal([0.5f, -0.25f, 1f], vectorQuery.GetProperty("vector").EnumerateArray().Select(e => e.GetSingle()));
        Assert.Equal("embedding", vectorQuery.GetProperty("fields").GetString());
        Assert.Equal(50, vectorQuery.GetProperty("k").GetInt32());
        Assert.DoesNotContain("embedding", body.GetProperty("select").GetString()!.Split(','));

        Assert.Equal(["turn-1", "turn-2"], hits.Select(h => h.Id));
        Assert.Equal(0.0325, hits[0].Score, 6);
        Assert.Equal(("u1", "mia", "general", "turn"), (hits[0].Document.Owner, hits[0].Document.Agent, hits[0].Document.Domain, hits[0].Document.Kind));
        Assert.Equal(["fav"], hits[0].Document.Tags);
        Assert.Equal(new DateTimeOffset(2025, 3, 1, 10, 0, 0, TimeSpan.Zero), hits[0].Document.CreatedAt);
    }

    [Fact]
    public async Task Bm25_and_vector_queries_send_only_their_half()
    {
        var http = RegisteredService(_ => SearchResults());
        var index = Index(http);

        var bm25 = await index.SearchAsync("memory", new SearchQuery("lisbon", null, SearchMode.Bm25, 3, new SearchFilter("u1")), Ct);
        var vector = await index.SearchAsync("memory", new SearchQuery("", new float[] { 1, 0, 0 }, SearchMode.Vector, 3, new SearchFilter("u1")), Ct);

        var posts = http.Requests.Where(r => r.Method == HttpMethod.Post).Select(r => r.Json).ToList();
        Assert.Equal("lisbon", posts[0].GetProperty("search").GetString());
        Assert.False(posts[0].TryGetProperty("vectorQueries", out _));
        Assert.Equal("owner eq 'u1'", posts[0].GetProperty("filter").GetString());
        Assert.False(posts[1].TryGetProperty("search", out var search) && search.ValueKind == JsonValueKind.String);
        Assert.Equal(3, posts[1].GetProperty("vectorQueries")[0].GetProperty("k").GetInt32());
        Assert.Equal([1, 2], bm25.Select(h => h.Bm25Rank!.Value));
        Assert.Equal(0.8, bm25[0].Bm25Score!.Value, 6);
        // Azure's cosine score 1/(1 + (1 − cos)) is reported as the cosine: 0.8 → 0.75.
        Assert.Equal(0.75, vector[0].VectorScore!.Value, 6);
        Assert.Equal([1, 2], vector.Select(h => h.VectorRank!.Value));
    }

    [Fact]
    public async Task Delete_looks_up_the_owners_keys_then_deletes_only_those()
    {
        var key = AzureSearchIndex.DocumentKey("u1", "turn-1");
        var http = RegisteredService(r => Path(r).EndsWith("search.post.search", StringComparison.Ordinal)
            ? FakeHttp.Json(new { value = new[] { new Dictionary<string, object> { ["@search.score"] = 1.0, ["key"] = key } } })
            : FakeHttp.Json(new { value = new[] { new { key, status = true, errorMessage = (string?)null, statusCode = 200 } } }));

        var deleted = await Index(http).DeleteAsync("memory", "u1", ["turn-1", "missing"], Ct);

        Assert.Equal(1, deleted);
        var lookup = http.Requests.Single(r => Path(r).EndsWith("search.post.search", StringComparison.Ordinal)).Json;
        Assert.Equal($"owner eq 'u1' and search.in(key, '{key},{AzureSearchIndex.DocumentKey("u1", "missing")}', ',')", lookup.GetProperty("filter").GetString());
        var batch = http.Requests.Single(r => Path(r).EndsWith("search.index", StringComparison.Ordinal)).Json.GetProperty("value");
        var action = Assert.Single(batch.EnumerateArray());
        Assert.Equal(("delete", key), (action.GetProperty("@search.action").GetString(), action.GetProperty("key").GetString()));
    }

    [Fact]
    public async Task Reindex_builds_the_next_generation_switches_the_registry_and_drops_the_old_index()
    {
        var pages = 0;
        var http = RegisteredService(r =>
        {
            var path = Path(r);
            if (r.Method == HttpMethod.Put) return FakeHttp.Json(JsonDocument.Parse(r.Body).RootElement, HttpStatusCode.Created);
            if (r.Method == HttpMethod.Delete) return FakeHttp.Status(HttpStatusCode.NoContent);
            if (path == "/indexes('hearth-memory-g1')/docs/search.post.search" && pages++ == 0)
                return SearchResults();
            if (path.EndsWith("search.post.search", StringComparison.Ordinal)) return FakeHttp.Json(new { value = Array.Empty<object>() });
            return FakeHttp.Json(new
            {
                value = r.Json.GetProperty("value").EnumerateArray()
                    .Select(v => new { key = v.TryGetProperty("key", out var k) ? k.GetString() : "memory", status = true, errorMessage = (string?)null, statusCode = 200 }),
            });
        });
        var embedded = new List<string>();

        var count = await Index(http).ReindexAsync("memory", "text-embedding-3-small", 2, (texts, _) =>
        {
            embedded.AddRange(texts);
            return Task.FromResult<IReadOnlyList<ReadOnlyMemory<float>>>(texts.Select(_ => new ReadOnlyMemory<float>([0.6f, 0.8f])).ToList());
        }, Ct);

        Assert.Equal(2, count);
        Assert.Equal(["raining in Lisbon", "sunny in Porto"], embedded);
        Assert.Equal(
            ["GET /indexes('hearth-collections')/docs('memory')", "PUT /indexes('hearth-memory-g2')",
             "POST /indexes('hearth-memory-g1')/docs/search.post.search", "POST /indexes('hearth-memory-g2')/docs/search.index",
             "POST /indexes('hearth-memory-g1')/docs/search.post.search", "POST /indexes('hearth-collections')/docs/search.index",
             "POST /indexes('hearth-memory-g1')/docs/search.post.search", "DELETE /indexes('hearth-memory-g1')"],
            http.Requests.Select(r => $"{r.Method} {Path(r)}"));
        var newIndex = http.Requests[1].Json.GetProperty("fields").EnumerateArray().Single(f => f.GetProperty("name").GetString() == "embedding");
        Assert.Equal(2, newIndex.GetProperty("dimensions").GetInt32());
        var firstPage = http.Requests[2].Json;
        Assert.Equal("key", firstPage.GetProperty("orderby").GetString());
        Assert.Equal("key gt 'k2'", http.Requests[4].Json.GetProperty("filter").GetString());
        var copied = http.Requests[3].Json.GetProperty("value").EnumerateArray().ToList();
        Assert.Equal(["k1", "k2"], copied.Select(c => c.GetProperty("key").GetString()));
        Assert.All(copied, c => Assert.Equal([0.6f, 0.8f], c.GetProperty("embedding").EnumerateArray().Select(e => e.GetSingle())));
        var registry = http.Requests[5].Json.GetProperty("value")[0];
        Assert.Equal((2, "hearth-memory-g2", "text-embedding-3-small", 2),
            (registry.GetProperty("generation").GetInt32(), registry.GetProperty("indexName").GetString(),
             registry.GetProperty("model").GetString(), registry.GetProperty("dimensions").GetInt32()));
        Assert.StartsWith("indexedAt ge ", http.Requests[6].Json.GetProperty("filter").GetString());
    }

    [Fact]
    public async Task Searching_an_unregistered_collection_is_a_clear_error()
    {
        var http = new FakeHttp(_ => FakeHttp.Status(HttpStatusCode.NotFound, """{"error":{"code":"","message":"not found"}}"""));
        await Assert.ThrowsAsync<SearchCollectionNotFoundException>(() =>
            Index(http).SearchAsync("memory", new SearchQuery("x", null, SearchMode.Bm25, 3, new SearchFilter("u1")), Ct));
    }

    [Fact]
    public void Options_are_validated_naming_the_key()
    {
        Assert.Contains("Search:Endpoint", Assert.Throws<InvalidOperationException>(() => new AzureSearchOptions().Validate()).Message);
        Assert.Contains("Search:IndexPrefix",
            Assert.Throws<InvalidOperationException>(() => new AzureSearchOptions { Endpoint = Service, IndexPrefix = "Bad_" }.Validate()).Message);
    }
}
