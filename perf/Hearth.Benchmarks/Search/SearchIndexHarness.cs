using System.Diagnostics;
using Hearth.Search;

namespace Hearth.Benchmarks.Search;

/// <summary>
/// <c>./bench search</c>: the local index alone (no HTTP), the figures of the memory issue's targets — indexing chunks/s
/// with the hashing embedder (embed on every core + upsert in batches of 1,000), per-query p50/p95/p99 in each mode
/// (one query at a time, the query's embedding excluded: that is the caller's cost) and the process's RSS after a full GC.
/// The same measurement as the BenchmarkDotNet-launched <see cref="SearchLoadHarness"/>, as a table in docs/benchmarks.md.
/// </summary>
public sealed class SearchIndexHarness : IHarness
{
    public string Name => "search";
    public string Description => "local search index: indexing chunks/s (hashing embedder), bm25/vector/hybrid query p50/p95/p99, RSS (--chunks 100000 --queries 500)";

    public async Task<int> RunAsync(string[] args)
    {
        var options = new HarnessArgs(args);
        var chunks = options.Int("chunks", 100_000);
        var queries = options.Int("queries", 500);
        var report = new BenchReport("Search (local index)", $"./bench search {options}".Trim())
            .Parameter("chunks", chunks).Parameter("queries per mode", queries).Parameter("k", 10)
            .Columns("measure", "value", "notes");

        var loadBefore = LoadAverage();
        await using var fixture = await SearchFixture.CreateAsync(chunks, SyntheticCorpus.Chunk);
        Console.WriteLine($"indexed {chunks:N0} chunks in {fixture.IndexSeconds:F1} s, loaded in {fixture.LoadSeconds:F1} s");
        report.Row("indexing, chunks/s (hashing embed + upsert)", chunks / fixture.IndexSeconds,
            $"{chunks:N0} chunks in {fixture.IndexSeconds:F1} s; loading the in-memory index afterwards {fixture.LoadSeconds:F1} s");
        report.Row("in-memory index, MB", fixture.Index.MemoryBytes(SearchFixture.Collection) / 1e6, "estimate");

        foreach (var mode in new[] { SearchMode.Bm25, SearchMode.Vector, SearchMode.Hybrid })
        {
            for (var i = 0; i < 50; i++) await fixture.Index.SearchAsync(SearchFixture.Collection, fixture.Query(100_000 + i, mode), CancellationToken.None);
            var times = new List<double>(queries);
            long hits = 0;
            for (var i = 0; i < queries; i++)
            {
                var query = fixture.Query(i, mode);
                var started = Stopwatch.GetTimestamp();
                var result = await fixture.Index.SearchAsync(SearchFixture.Collection, query, CancellationToken.None);
                times.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                hits += result.Count;
            }
            times.Sort();
            Console.WriteLine($"{mode}: p50 {BenchReport.Percentile(times, 50):F2} ms, p95 {BenchReport.Percentile(times, 95):F2} ms");
            report.Row($"{mode.ToString().ToLowerInvariant()} query p95 ms", BenchReport.Percentile(times, 95),
                $"p50 / p95 / p99 {BenchReport.Percentile(times, 50):F2} / {BenchReport.Percentile(times, 95):F2} / {BenchReport.Percentile(times, 99):F2} ms; {(double)hits / queries:F1} hits per query");
        }

        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        report.Row("process RSS after the queries, MB", process.WorkingSet64 / 1e6, $"peak {process.PeakWorkingSet64 / 1e6:N0} MB; after a full GC; PostgreSQL runs in its own processes");
        report.Row("load average (1 min) at start / end", LoadAverage(), $"{loadBefore} / {LoadAverage()} on {Environment.ProcessorCount} cores: above the core count, other work shares the CPU and the timings are inflated");
        report.Note("One owner holds every chunk (nothing filtered away: the worst case). Synthetic chat-like texts (40-120 words). " +
                    "Targets (issue 4): hybrid p95 ≤ 30 ms and RSS ≤ 600 MB at 100,000 chunks; indexing ≥ 2,000 chunks/s with the hashing embedder.");
        report.Publish();
        return 0;
    }

    /// <summary>The 1-minute load average (Linux), so a run on a busy machine says so; empty elsewhere.</summary>
    public static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "";
}
