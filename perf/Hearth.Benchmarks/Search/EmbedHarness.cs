using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Hearth.Adapters.LocalModels;
using Hearth.Embeddings;

namespace Hearth.Benchmarks.Search;

/// <summary>
/// The local embedding model alone, in this process: load time and resident memory it adds, texts/s embedding
/// conversation-window-sized chunks and 2,000-character sections (the longest text Hearth embeds) in calls of 128 as the
/// index jobs make them, single-query latency, and the resident memory after each phase (ONNX Runtime keeps the arena
/// its largest run needed). Texts are English, built from the shipped retrieval set's turns.
/// Also the import bench's synthetic chunks (pseudo-words: about 3 characters a token, against 4 for the windows).
/// <c>./bench embed [--model snowflake-arctic-embed-xs|all-minilm-l6-v2] [--precision int8|float] [--chunks 2000] [--threads N]</c>
/// </summary>
public sealed class EmbedHarness : IHarness
{
    public string Name => "embed";
    public string Description => "local embedding model: load, RSS it adds, chunks/s (windows and long sections), query p50/p95";

    public async Task<int> RunAsync(string[] args)
    {
        var model = Option(args, "--model") ?? EmbeddingOptions.DefaultLocalModel;
        var chunks = int.Parse(Option(args, "--chunks") ?? "2000", CultureInfo.InvariantCulture);
        int? threads = Option(args, "--threads") is { } t ? int.Parse(t, CultureInfo.InvariantCulture) : null;
        var precision = Option(args, "--precision") ?? EmbeddingOptions.DefaultPrecision;
        var turns = Turns();
        var windows = Enumerable.Range(0, chunks).Select(i => Join(turns, i * 7, 3 + i % 4, int.MaxValue)).ToList();
        var sections = Enumerable.Range(0, chunks / 4).Select(i => Join(turns, i * 13, 60, 2000)).ToList();
        var imported = Enumerable.Range(0, chunks / 2).Select(SyntheticCorpus.Chunk).ToList();
        var queries = Enumerable.Range(0, 300).Select(i => turns[(i * 11) % turns.Count]).ToList();

        var baseline = Rss();
        var generator = new LocalEmbeddingGenerator(model, threads, precision: precision);
        var started = Stopwatch.GetTimestamp();
        await generator.WarmUpAsync(CancellationToken.None);
        var loadSeconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var loaded = Rss();

        var windowRate = await RateAsync(generator, windows);
        var afterWindows = Rss();
        var sectionRate = await RateAsync(generator, sections);
        var afterSections = Rss();
        var importRate = await RateAsync(generator, imported);

        var times = new List<double>();
        foreach (var query in queries)
        {
            var begun = Stopwatch.GetTimestamp();
            await generator.GenerateAsync([query], EmbeddingPurpose.Query());
            times.Add(Stopwatch.GetElapsedTime(begun).TotalMilliseconds);
        }
        times.Sort();

        new BenchReport("Embedding model", $"./bench embed {string.Join(' ', args)}".Trim())
            .Parameter("model", model).Parameter("precision", precision).Parameter("threads", threads?.ToString(CultureInfo.InvariantCulture) ?? "1 per run, one run per core (default)")
            .Parameter("windows", $"{windows.Count} (mean {windows.Average(w => w.Length):F0} chars)")
            .Parameter("sections", $"{sections.Count} (mean {sections.Average(s => s.Length):F0} chars)")
            .Parameter("import chunks", $"{imported.Count} (mean {imported.Average(s => s.Length):F0} chars, ./bench import's synthetic text)")
            .Columns("load s", "RSS added by loading MB", "windows/s", "RSS after windows MB", "sections/s", "RSS after sections MB", "import chunks/s", "query p50 ms", "query p95 ms")
            .Row(loadSeconds, Mb(loaded - baseline), windowRate, Mb(afterWindows - baseline), sectionRate, Mb(afterSections - baseline), importRate,
                BenchReport.Percentile(times, 50), BenchReport.Percentile(times, 95))
            .Note("RSS figures are over the process before the model was loaded (the harness's own texts included). Calls of 128 texts, as the index jobs make them.")
            .Publish();
        return 0;
    }

    private static async Task<double> RateAsync(LocalEmbeddingGenerator generator, List<string> texts)
    {
        var started = Stopwatch.GetTimestamp();
        foreach (var batch in texts.Chunk(128)) await generator.GenerateAsync(batch);
        return texts.Count / Stopwatch.GetElapsedTime(started).TotalSeconds;
    }

    private static List<string> Turns()
    {
        using var stream = File.OpenRead(Path.Combine(Repository.Root, "eval", "hearth-memory-eval.json"));
        var turns = new HashSet<string>(StringComparer.Ordinal);
        foreach (var question in JsonDocument.Parse(stream).RootElement.EnumerateArray())
            foreach (var session in question.GetProperty("haystack_sessions").EnumerateArray())
                foreach (var turn in session.EnumerateArray())
                    turns.Add(turn.GetProperty("content").GetString()!);
        return turns.Order(StringComparer.Ordinal).ToList();
    }

    private static string Join(List<string> turns, int start, int count, int maxLength)
    {
        var text = string.Join("\n", Enumerable.Range(start, count).Select(i => turns[i % turns.Count]));
        return text.Length > maxLength ? text[..maxLength] : text;
    }

    private static long Rss()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        using var process = Process.GetCurrentProcess();
        return process.WorkingSet64;
    }

    private static double Mb(long bytes) => bytes / 1e6;

    private static string? Option(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}
