using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Hearth.Search;

namespace Hearth.Benchmarks.Search;

/// <summary>
/// BenchmarkDotNet latency of one local search (catch-up round trip, in-memory scoring, hit fetch) at 10k and 100k
/// chunks in each mode. In-process, so each size is indexed once and shared by the three modes:
/// <c>./bench micro --filter '*LocalSearchQueryBenchmarks*'</c>.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(InProcessConfig))]
public class LocalSearchQueryBenchmarks
{
    private static readonly Dictionary<int, SearchFixture> Fixtures = [];
    private SearchFixture _fixture = null!;
    private SearchQuery[] _queries = [];
    private int _next;

    [Params(10_000, 100_000)]
    public int Chunks { get; set; }

    [Params(SearchMode.Bm25, SearchMode.Vector, SearchMode.Hybrid)]
    public SearchMode Mode { get; set; }

    // Synchronous on purpose: the in-process toolchain does not wait for an async GlobalSetup.
    [GlobalSetup]
    public void Setup() => SetupAsync().GetAwaiter().GetResult();

    private async Task SetupAsync()
    {
        if (!Fixtures.TryGetValue(Chunks, out var fixture))
            Fixtures[Chunks] = fixture = await SearchFixture.CreateAsync(Chunks, SyntheticCorpus.Chunk);
        _fixture = fixture;
        _queries = Enumerable.Range(0, 256).Select(i => fixture.Query(i, Mode)).ToArray();
    }

    [Benchmark]
    public async Task<int> Search()
    {
        var query = _queries[_next++ & 255];
        return (await _fixture.Index.SearchAsync(SearchFixture.Collection, query, CancellationToken.None)).Count;
    }
}

/// <summary>One in-process job (the fixtures are shared between cases) with P50 and P95 columns.</summary>
public sealed class InProcessConfig : BenchmarkDotNet.Configs.ManualConfig
{
    public InProcessConfig()
    {
        AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance).WithWarmupCount(3).WithIterationCount(15));
        AddColumn(BenchmarkDotNet.Columns.StatisticColumn.P50, BenchmarkDotNet.Columns.StatisticColumn.P95);
    }
}

/// <summary>Adds P50 and P95 of the iteration means to the summary.</summary>
public sealed class PercentileConfig : BenchmarkDotNet.Configs.ManualConfig
{
    public PercentileConfig() => AddColumn(BenchmarkDotNet.Columns.StatisticColumn.P50, BenchmarkDotNet.Columns.StatisticColumn.P95);
}
