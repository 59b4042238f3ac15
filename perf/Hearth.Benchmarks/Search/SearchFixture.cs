using System.Diagnostics;
using Hearth.Durable.Migrations;
using Hearth.Embeddings;
using Hearth.Search;
using Hearth.Search.Local;
using Hearth.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Hearth.Benchmarks.Search;

/// <summary>A throwaway database holding a synthetic collection, indexed through the real path (hashing embedder + upsert).</summary>
public sealed class SearchFixture : IAsyncDisposable
{
    public const string Owner = "00000000-0000-4000-8000-0000000be4c0"; // an owner id is a uuid
    public const string Collection = "bench";

    private SearchFixture(NpgsqlDataSource dataSource, PostgresSearchIndex index, HashingEmbeddingGenerator embedder, Func<int, string> text, int count)
    {
        (DataSource, Index, Embedder, Text, Count) = (dataSource, index, embedder, text, count);
    }

    public NpgsqlDataSource DataSource { get; }
    public PostgresSearchIndex Index { get; }
    public HashingEmbeddingGenerator Embedder { get; }
    public Func<int, string> Text { get; }
    public int Count { get; }

    /// <summary>Seconds spent embedding and writing, and spent loading the in-memory index.</summary>
    public double IndexSeconds { get; private set; }
    public double LoadSeconds { get; private set; }

    public static async Task<SearchFixture> CreateAsync(int count, Func<int, string> text, SearchOptions? options = null)
    {
        var dataSource = NpgsqlDataSource.Create(await TestPostgres.CreateDatabaseAsync());
        await Migrator.ApplyAsync(dataSource, [PostgresSearchIndex.Migrations], NullLogger.Instance, CancellationToken.None);
        var embedder = new HashingEmbeddingGenerator();
        var index = new PostgresSearchIndex(dataSource, options ?? new SearchOptions(), NullLogger<PostgresSearchIndex>.Instance);
        await index.EnsureCollectionAsync(Collection, HashingEmbeddingGenerator.ModelId, embedder.Dimensions, CancellationToken.None);
        var fixture = new SearchFixture(dataSource, index, embedder, text, count);

        var started = Stopwatch.GetTimestamp();
        const int batch = 1000;
        for (var start = 0; start < count; start += batch)
        {
            var documents = new SearchDocument[Math.Min(batch, count - start)];
            // Embedding is CPU-bound: use both cores, as an indexing worker would.
            Parallel.For(0, documents.Length, j =>
            {
                var i = start + j;
                var body = text(i);
                documents[j] = new SearchDocument($"doc-{i}", Owner, body, embedder.Embed(body))
                {
                    Kind = "turn", Domain = i % 10 == 0 ? "code" : "general", CreatedAt = DateTimeOffset.UnixEpoch.AddMinutes(i),
                };
            });
            await index.UpsertAsync(Collection, documents, CancellationToken.None);
        }
        fixture.IndexSeconds = Stopwatch.GetElapsedTime(started).TotalSeconds;

        // Measure the steady state, not autovacuum catching up with a freshly bulk-loaded table on the same 2 cores.
        await using (var vacuum = dataSource.CreateCommand("vacuum analyze search.documents"))
            await vacuum.ExecuteNonQueryAsync();

        started = Stopwatch.GetTimestamp();
        await index.WarmUpAsync(Collection, CancellationToken.None);
        fixture.LoadSeconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        return fixture;
    }

    /// <summary>The query for round <paramref name="i"/>: text from a random document, its hashing vector.</summary>
    public SearchQuery Query(int i, SearchMode mode, int k = 10)
    {
        var text = SyntheticCorpus.Query(i % Count, Text);
        return new SearchQuery(text, mode == SearchMode.Bm25 ? null : Embedder.Embed(text), mode, k, new SearchFilter(Owner));
    }

    public ValueTask DisposeAsync() => DataSource.DisposeAsync();
}
