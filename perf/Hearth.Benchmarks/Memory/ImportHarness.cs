using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Hearth.Benchmarks.Search;

namespace Hearth.Benchmarks.Memory;

/// <summary>
/// A corpus import at FAITHH's size through the real host (a child process, the default local model unless
/// <c>--embedder hashing</c>): N documents of 40-200 words (mean ~120, about 750 characters: one chunk, sometimes two)
/// as JSON lines in one POST. Reports the time until every document is searchable by BM25 (the import reads
/// Completed: each batch is searchable by keywords when it commits), whether BM25 finds sampled documents at that
/// moment, the time until every chunk is embedded (the collection's vector job; after <c>--max-minutes</c> the rest is
/// estimated from the rate so far and labelled), and the hybrid /api/search p50/p95 afterwards.
/// <c>./bench import [--documents 91604] [--queries 300] [--max-minutes 9] [--embedder local|hashing] [--batch 100] [--parallel 4]</c>
/// </summary>
public sealed class ImportHarness : IHarness
{
    public string Name => "import";
    public string Description => "corpus import: time until all searchable by BM25, until all embedded, hybrid /api/search p95 after (--documents 91604)";

    private const string Token = "bench-token";

    public async Task<int> RunAsync(string[] args)
    {
        var options = new HarnessArgs(args);
        var documents = options.Int("documents", 91_604);
        var queries = options.Int("queries", 300);
        var maxMinutes = options.Int("max-minutes", 9);
        var batch = options.Int("batch", 100);
        var parallel = options.Int("parallel", 4);
        var embedder = options.Get("embedder") ?? "local";
        var loadBefore = BenchReport.LoadAverage();

        await using var cluster = await BenchCluster.StartAsync();
        var connectionString = await cluster.NewDatabaseAsync("import");
        var report = new BenchReport("Corpus import (keywords first, vectors follow)", $"./bench import {options}".Trim())
            .Parameter("documents", documents).Parameter("embedder", embedder).Parameter("Memory:ImportBatchSize", batch)
            .Parameter("Memory:ImportParallelism", parallel).Parameter("hybrid queries", queries)
            .Columns("measure", "value", "notes");

        using var host = ImportHostProcess.Start(connectionString, Token, batch, parallel,
            embedder == "hashing" ? new Dictionary<string, string> { ["Models__Embeddings__Provider"] = "Hashing" } : null);
        var (process, output, port) = (host.Process, host.Output, host.Port);
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromMinutes(30) };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
            await host.WaitReadyAsync(http);

            var file = Path.Combine(Path.GetTempPath(), $"hearth-bench-import-{Guid.NewGuid():N}.jsonl");
            long characters = 0;
            await using (var writer = new StreamWriter(file, false, new UTF8Encoding(false)))
                for (var i = 0; i < documents; i++)
                {
                    var text = Document(i);
                    characters += text.Length;
                    await writer.WriteLineAsync(JsonSerializer.Serialize(new { id = $"doc-{i}", title = $"Note {i}", text }));
                }
            var clock = Stopwatch.StartNew();
            HttpResponseMessage accepted;
            await using (var body = File.OpenRead(file))
            {
                var content = new StreamContent(body);
                content.Headers.ContentType = new MediaTypeHeaderValue("application/x-ndjson");
                accepted = await http.PostAsync("api/documents/import", content);
            }
            var staged = clock.Elapsed.TotalSeconds;
            File.Delete(file);
            if (accepted.StatusCode != HttpStatusCode.Accepted) throw new InvalidOperationException($"Import answered {accepted.StatusCode}: {await accepted.Content.ReadAsStringAsync()}");
            var statusUrl = (await accepted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("statusUrl").GetString()!.TrimStart('/');

            // Every document searchable by keywords: the import completes when its last batch committed.
            JsonElement status;
            var lastPrint = 0.0;
            while (true)
            {
                status = await http.GetFromJsonAsync<JsonElement>(statusUrl);
                if (status.GetProperty("status").GetString() is "Completed" or "Failed" or "Terminated") break;
                if (clock.Elapsed.TotalSeconds - lastPrint >= 10 && status.TryGetProperty("progress", out var p) && p.ValueKind == JsonValueKind.Object)
                {
                    lastPrint = clock.Elapsed.TotalSeconds;
                    Console.WriteLine($"{clock.Elapsed.TotalSeconds,6:F0} s: {p.GetProperty("documentsDone").GetInt32():N0} / {documents:N0} documents searchable by keywords");
                }
                await Task.Delay(250);
            }
            var bm25Seconds = clock.Elapsed.TotalSeconds;
            var importReport = status.GetProperty("report");
            var chunks = importReport.GetProperty("chunks").GetInt32();
            var sample = Enumerable.Range(0, 100).Select(i => (int)((long)i * documents / 100)).ToList();
            var found = 0;
            foreach (var i in sample)
            {
                var hits = await http.GetFromJsonAsync<JsonElement>($"api/search?q={Uri.EscapeDataString(Query(i))}&k=10&mode=bm25");
                if (hits.GetProperty("items").EnumerateArray().Any(h => h.GetProperty("id").GetString()!.StartsWith($"doc-{i}#", StringComparison.Ordinal))) found++;
            }
            var pendingAtBm25 = (await http.GetFromJsonAsync<JsonElement>("api/search/collections/documents")).GetProperty("pending").GetInt64();
            Console.WriteLine($"all searchable by BM25 after {bm25Seconds:F1} s ({chunks:N0} chunks; {found}/100 sampled documents found by BM25; {pendingAtBm25:N0} chunks still without a vector)");
            report.Row("all documents searchable by BM25, s (POST → import Completed)", bm25Seconds,
                $"{documents:N0} documents, {chunks:N0} chunks, {characters / 1e6:N0} M characters; POST (parse + stage) {staged:F1} s; " +
                $"{importReport.GetProperty("failed").GetInt32()} failed; BM25 found {found}/100 sampled documents in its top 10 at that moment, {pendingAtBm25:N0} chunks not yet embedded");

            // Every chunk embedded: the vector job drains the collection.
            JsonElement vectors;
            lastPrint = 0;
            while (true)
            {
                vectors = await http.GetFromJsonAsync<JsonElement>("api/search/collections/documents");
                var pending = vectors.GetProperty("pending").GetInt64();
                if (pending == 0 || clock.Elapsed.TotalMinutes >= maxMinutes) break;
                if (clock.Elapsed.TotalSeconds - lastPrint >= 15)
                {
                    lastPrint = clock.Elapsed.TotalSeconds;
                    Console.WriteLine($"{clock.Elapsed.TotalSeconds,6:F0} s: {pending:N0} chunks waiting for a vector");
                }
                await Task.Delay(1000);
            }
            var left = vectors.GetProperty("pending").GetInt64();
            var embeddedSeconds = clock.Elapsed.TotalSeconds;
            if (left == 0)
            {
                report.Row("all chunks embedded, s (POST → no chunk waits for a vector)", embeddedSeconds,
                    $"{chunks / embeddedSeconds:F1} chunks/s embedded on average from the POST (the vector job starts with the first batch)");
            }
            else
            {
                var done = chunks - left;
                var rate = done / embeddedSeconds;
                var estimate = embeddedSeconds + left / Math.Max(rate, 1e-9);
                report.Row("all chunks embedded, s (ESTIMATED from the rate so far)", estimate,
                    $"stopped after {embeddedSeconds:F0} s with {done:N0} of {chunks:N0} chunks embedded ({rate:F1} chunks/s); {left:N0} left");
            }
            Console.WriteLine(left == 0 ? $"all embedded after {embeddedSeconds:F1} s" : $"{left:N0} chunks still waiting after {embeddedSeconds:F0} s");

            // Hybrid search afterwards (labelled when vectors are still pending).
            for (var i = 0; i < 20; i++) await http.GetAsync($"api/search?q={Uri.EscapeDataString(Query(documents - 1 - i))}&k=10&mode=hybrid");
            var times = new List<double>(queries);
            var pendingLabel = 0;
            for (var q = 0; q < queries; q++)
            {
                var i = (int)((long)q * 7919 % documents);
                var started = Stopwatch.GetTimestamp();
                using var response = await http.GetAsync($"api/search?q={Uri.EscapeDataString(Query(i))}&k=10&mode=hybrid");
                var json = await response.Content.ReadFromJsonAsync<JsonElement>();
                times.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                if (json.TryGetProperty("vectorsPending", out var label) && label.GetBoolean()) pendingLabel++;
            }
            times.Sort();
            Console.WriteLine($"hybrid search: p50 {BenchReport.Percentile(times, 50):F2} ms, p95 {BenchReport.Percentile(times, 95):F2} ms");
            report.Row("GET /api/search hybrid after, p50 / p95 / p99 ms", BenchReport.Percentile(times, 95),
                $"{BenchReport.Percentile(times, 50):F2} / {BenchReport.Percentile(times, 95):F2} / {BenchReport.Percentile(times, 99):F2} ms over {queries} queries; " +
                $"{pendingLabel} answered with vectorsPending (0 when every vector was there)");
            report.Row("load average (1 min) at start / end", BenchReport.LoadAverage(),
                $"{loadBefore} / {BenchReport.LoadAverage()} on {Environment.ProcessorCount} cores: above the core count, other work shares the CPU");
            report.Note("Documents: synthetic notes of 40-200 words (Zipf pseudo-words and everyday English), one JSON line each with id and title, in one POST. " +
                        "BM25 time: POST until the import reads Completed (each batch is searchable by keywords when it commits). Embedded: until " +
                        "GET /api/search/collections/documents shows no chunk waiting. Search: one query at a time over HTTP, k = 10, the query's embedding included.");
            report.Publish();
            return status.GetProperty("status").GetString() == "Completed" ? 0 : 1;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            lock (output) Console.Error.WriteLine($"{e.Message}\nHost output:\n{output}");
            throw;
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }
        }
    }

    /// <summary>Document i: 40-200 words, deterministic.</summary>
    private static string Document(int i) => SyntheticCorpus.Chunk(i) + (i % 3 == 0 ? " " + SyntheticCorpus.Chunk(i + 1_000_003) : "");

    private static string Query(int i) => SyntheticCorpus.Query(i, Document);
}
