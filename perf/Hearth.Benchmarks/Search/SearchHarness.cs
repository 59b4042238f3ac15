using System.Diagnostics;
using System.Globalization;
using System.Numerics.Tensors;
using System.Text;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Hearth.Search;

namespace Hearth.Benchmarks.Search;

/// <summary>
/// The search load harness: indexes N synthetic chunks through the real path, then times single queries one by one
/// (true per-query p50/p95/p99, which BenchmarkDotNet's iteration statistics are not) in each mode, and reports the
/// host's RSS. BenchmarkDotNet only launches it, one process per size, so each RSS figure stands alone:
/// <c>./bench micro --filter '*SearchLoadHarness*'</c>.
/// The report is printed and written to <c>BenchmarkDotNet.Artifacts/search-harness-N.md</c>.
/// </summary>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 0, iterationCount: 1)]
public class SearchLoadHarness
{
    [Params(10_000, 100_000, 300_000)]
    public int Chunks { get; set; }

    [Benchmark]
    public Task Run() => SearchHarness.RunAsync(Chunks, SyntheticCorpus.Chunk, queries: 500, $"search-harness-{Chunks}", recall: Chunks <= 100_000);
}

/// <summary>BM25 over 20,000 skill-like sections (the skill library's size), per-query percentiles, same harness.</summary>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 0, iterationCount: 1)]
public class SkillSectionsHarness
{
    [Benchmark]
    public Task Run() => SearchHarness.RunAsync(20_000, SyntheticCorpus.Section, queries: 1000, "search-harness-sections-20000", recall: false, modes: [SearchMode.Bm25]);
}

/// <summary>Shared measurement code for the harness entry points.</summary>
public static class SearchHarness
{
    public static async Task RunAsync(int chunks, Func<int, string> text, int queries, string name, bool recall, SearchMode[]? modes = null)
    {
        modes ??= [SearchMode.Bm25, SearchMode.Vector, SearchMode.Hybrid];
        var report = new StringBuilder();
        report.AppendLine(CultureInfo.InvariantCulture, $"## {name}: {chunks:N0} chunks, {queries} queries per mode, k = 10, one owner (worst case: every document is theirs)");
        await using var fixture = await SearchFixture.CreateAsync(chunks, text);
        report.AppendLine(CultureInfo.InvariantCulture, $"- indexing (hashing embed on 2 cores + upsert in batches of 1,000): {fixture.IndexSeconds:F1} s = {chunks / fixture.IndexSeconds:N0} chunks/s");
        report.AppendLine(CultureInfo.InvariantCulture, $"- loading the in-memory index from PostgreSQL: {fixture.LoadSeconds:F1} s = {chunks / fixture.LoadSeconds:N0} chunks/s; end to end {chunks / (fixture.IndexSeconds + fixture.LoadSeconds):N0} chunks/s");
        report.AppendLine(CultureInfo.InvariantCulture, $"- in-memory index estimate: {fixture.Index.MemoryBytes(SearchFixture.Collection) / 1e6:F0} MB");
        report.AppendLine();
        report.AppendLine("| mode | p50 ms | p95 ms | p99 ms | max ms | mean hits |");
        report.AppendLine("| --- | --- | --- | --- | --- | --- |");
        foreach (var mode in modes)
        {
            for (var i = 0; i < 50; i++) await fixture.Index.SearchAsync(SearchFixture.Collection, fixture.Query(100_000 + i, mode), CancellationToken.None);
            var times = new double[queries];
            long hits = 0;
            for (var i = 0; i < queries; i++)
            {
                var query = fixture.Query(i, mode); // embedding the query is the caller's cost, not the index's
                var started = Stopwatch.GetTimestamp();
                var result = await fixture.Index.SearchAsync(SearchFixture.Collection, query, CancellationToken.None);
                times[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                hits += result.Count;
            }
            Array.Sort(times);
            report.AppendLine(CultureInfo.InvariantCulture,
                $"| {mode.ToString().ToLowerInvariant()} | {Pct(times, 0.50):F2} | {Pct(times, 0.95):F2} | {Pct(times, 0.99):F2} | {times[^1]:F2} | {(double)hits / queries:F1} |");
        }

        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        report.AppendLine();
        report.AppendLine(CultureInfo.InvariantCulture,
            $"- host RSS after the queries (after a full GC): {process.WorkingSet64 / 1e6:F0} MB; peak RSS: {process.PeakWorkingSet64 / 1e6:F0} MB; managed heap: {GC.GetTotalMemory(false) / 1e6:F0} MB (workstation GC, PostgreSQL runs in its own processes)");

        if (recall) report.AppendLine(await VectorRecallAsync(fixture));
        var output = report.ToString();
        Console.WriteLine(output);
        Directory.CreateDirectory("BenchmarkDotNet.Artifacts");
        await File.WriteAllTextAsync(Path.Combine("BenchmarkDotNet.Artifacts", name + ".md"), output);
    }

    /// <summary>Recall@10 of the int8 scan + exact re-scoring against exact float32 brute force, over 50 queries.</summary>
    private static async Task<string> VectorRecallAsync(SearchFixture fixture)
    {
        const int queries = 50, k = 10;
        var vectors = Enumerable.Range(0, queries).Select(i => fixture.Query(i, SearchMode.Vector)).ToList();
        var best = vectors.Select(_ => new PriorityQueue<string, float>()).ToList();
        for (var start = 0; start < fixture.Count; start += 2000)
        {
            var embedded = Enumerable.Range(start, Math.Min(2000, fixture.Count - start)).AsParallel().AsOrdered()
                .Select(i => (Id: $"doc-{i}", Vector: fixture.Embedder.Embed(fixture.Text(i)))).ToList();
            for (var q = 0; q < queries; q++)
            {
                var query = vectors[q].Vector!.Value.Span;
                foreach (var (id, vector) in embedded)
                {
                    var score = TensorPrimitives.CosineSimilarity(query, vector);
                    if (best[q].Count < k) best[q].Enqueue(id, score);
                    else if (score > PeekScore(best[q])) best[q].DequeueEnqueue(id, score);
                }
            }
        }
        var found = 0;
        for (var q = 0; q < queries; q++)
        {
            var exact = best[q].UnorderedItems.Select(e => e.Element).ToHashSet();
            var hits = await fixture.Index.SearchAsync(SearchFixture.Collection, vectors[q], CancellationToken.None);
            found += hits.Count(h => exact.Contains(h.Id));
        }
        return string.Create(CultureInfo.InvariantCulture, $"- vector recall@10 of the int8 scan + exact re-scoring vs exact float32 brute force: {(double)found / (queries * k):P1} ({queries} queries)");
    }

    private static float PeekScore(PriorityQueue<string, float> queue) => queue.TryPeek(out _, out var score) ? score : float.MinValue;

    private static double Pct(double[] sorted, double p) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
}
