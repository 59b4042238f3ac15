using System.Diagnostics;
using System.Globalization;
using Hearth.Search;

namespace Hearth.Benchmarks.Search;

/// <summary>
/// <c>./bench search</c>: hybrid (and BM25, vector) queries over growing synthetic corpora, through the same fixture as
/// <see cref="SearchLoadHarness"/>: p50/p95 per size as the median of several runs, memory, and how cost grows against
/// the smallest size. One table in docs/benchmarks.md.
/// </summary>
public sealed class SearchScaleHarness : IHarness
{
    public string Name => "search";
    public string Description => "local index: indexing chunks/s, hybrid/BM25/vector query p50/p95 and memory over 10k, 100k, 300k chunks, growth vs the smallest (--chunks 10000,100000,300000 --queries 200 --runs 3)";

    public async Task<int> RunAsync(string[] args)
    {
        var options = new HarnessArgs(args);
        var sizes = (options.Get("chunks") ?? "10000,100000,300000").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).Order().ToArray();
        var queries = options.Int("queries", 200);
        var runs = options.Int("runs", 3);
        SearchMode[] modes = [SearchMode.Hybrid, SearchMode.Bm25, SearchMode.Vector];

        var report = new BenchReport("Search: queries as the corpus grows", $"./bench search {options}".Trim())
            .Parameter("chunks", string.Join(" / ", sizes.Select(s => s.ToString("N0", CultureInfo.InvariantCulture))))
            .Parameter("queries per run and mode", queries).Parameter("runs", runs).Parameter("k", 10)
            .Columns("chunks", "mode", "p50 ms (median)", "p95 ms (median)", "p50 runs", "indexing chunks/s", "index MB", "RSS MB", "p50 ÷ smallest", "chunks ÷ smallest");
        var baseline = new Dictionary<SearchMode, double>();
        foreach (var size in sizes)
        {
            Console.WriteLine($"indexing {size:N0} chunks…");
            await using var fixture = await SearchFixture.CreateAsync(size, SyntheticCorpus.Chunk);
            var indexMb = fixture.Index.MemoryBytes(SearchFixture.Collection) / 1e6;
            // Warm every mode before timing any: the first mode timed must not pay for JIT and cold caches of all three.
            foreach (var mode in modes)
                for (var i = 0; i < 200; i++) await fixture.Index.SearchAsync(SearchFixture.Collection, fixture.Query(100_000 + i, mode), CancellationToken.None);
            foreach (var mode in modes)
            {
                var p50s = new List<double>();
                var p95s = new List<double>();
                for (var run = 0; run < runs; run++)
                {
                    var times = new double[queries];
                    for (var i = 0; i < queries; i++)
                    {
                        var query = fixture.Query(run * queries + i, mode);
                        var started = Stopwatch.GetTimestamp();
                        await fixture.Index.SearchAsync(SearchFixture.Collection, query, CancellationToken.None);
                        times[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                    }
                    Array.Sort(times);
                    p50s.Add(BenchReport.Percentile(times, 50));
                    p95s.Add(BenchReport.Percentile(times, 95));
                }
                var p50 = BenchReport.Median(p50s);
                baseline.TryAdd(mode, p50);
                using var process = Process.GetCurrentProcess();
                report.Row(size.ToString("N0", CultureInfo.InvariantCulture), mode.ToString().ToLowerInvariant(), p50, BenchReport.Median(p95s),
                    string.Join(" / ", p50s.Select(v => v.ToString("0.00", CultureInfo.InvariantCulture))), size / fixture.IndexSeconds, indexMb, process.WorkingSet64 / 1e6,
                    $"{p50 / baseline[mode]:0.0}×", $"{(double)size / sizes[0]:0.#}×");
                Console.WriteLine($"{size:N0} {mode}: p50 {p50:0.00} ms, p95 {BenchReport.Median(p95s):0.00} ms");
            }
        }
        report.Note("One owner holds every chunk (the worst case for the owner filter). Synthetic English-like chunks of 40-120 words, hashing embeddings (384 dimensions), " +
                    "the local index (PostgreSQL for storage and BM25 statistics, the in-process int8 vector scan with exact re-scoring). Embedding the query is the caller's cost and is not timed. " +
                    "Indexing: hashing embeddings and upserts through the real path, as chunks/s. Per-query latency is timed one query at a time; each figure is the median over the runs. RSS is the benchmark process after the size's queries.");
        report.Publish();
        return 0;
    }
}
