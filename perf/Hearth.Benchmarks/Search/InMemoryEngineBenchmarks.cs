using BenchmarkDotNet.Attributes;
using Hearth.Embeddings;
using Hearth.Search;
using Hearth.Search.Local;

namespace Hearth.Benchmarks.Search;

/// <summary>
/// The in-process half of a local query, without PostgreSQL: BM25 over the inverted index and the int8 vector scan,
/// at 20k (skill-library size) and 100k chunks. Shows what the engine costs apart from the two database round trips:
/// <c>./bench micro --filter '*InMemoryEngineBenchmarks*'</c>.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(PercentileConfig))]
public class InMemoryEngineBenchmarks
{
    private MemoryCollection _collection = null!;
    private List<string>[] _terms = [];
    private float[][] _vectors = [];
    private readonly SearchFilter _filter = new(SearchFixture.Owner);
    private int _next;

    [Params(20_000, 100_000)]
    public int Chunks { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var embedder = new HashingEmbeddingGenerator();
        _collection = new MemoryCollection(embedder.Dimensions, 1);
        const int batch = 2000;
        for (var start = 0; start < Chunks; start += batch)
        {
            var rows = new IndexedRow[Math.Min(batch, Chunks - start)];
            Parallel.For(0, rows.Length, j =>
            {
                var i = start + j;
                var text = SyntheticCorpus.Chunk(i);
                rows[j] = new IndexedRow(i + 1, i + 1, false, SearchFixture.Owner)
                {
                    Terms = IndexedRow.CountTerms(text, out var length), Length = length, Vector = embedder.Embed(text),
                };
            });
            _collection.Apply(rows);
        }
        var queries = Enumerable.Range(0, 256).Select(i => SyntheticCorpus.Query(i, SyntheticCorpus.Chunk)).ToArray();
        _terms = queries.Select(q => TextAnalyzer.Analyze(q).Distinct().ToList()).ToArray();
        _vectors = queries.Select(embedder.Embed).ToArray();
    }

    [Benchmark]
    public int Bm25Top50() => _collection.SearchBm25(_terms[_next++ & 255], _filter, 50).Count;

    [Benchmark]
    public int VectorShortlist100() => _collection.SearchVector(_vectors[_next++ & 255], _filter, 100).Count;
}
