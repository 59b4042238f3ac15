using System.Numerics.Tensors;
using Hearth.Search;
using Microsoft.Extensions.AI;

namespace Hearth.Embeddings;

/// <summary>
/// The offline default embedder: deterministic signed feature hashing. Each text's analysed words (stemmed, stop words
/// dropped; weight 1), adjacent word pairs (0.7) and character trigrams of each word with boundary marks (0.25) are
/// hashed with 64-bit FNV-1a into <c>dimensions</c> buckets, one hash bit choosing the sign so collisions cancel
/// rather than pile up; counts are dampened (1 + ln tf) and the vector is L2-normalised. Texts sharing words or word
/// pieces land close; it knows no synonyms. Same text, same vector, on every machine and version of .NET.
/// </summary>
public sealed class HashingEmbeddingGenerator : IEmbeddingGenerator<string, Embedding<float>>
{
    /// <summary>Model id recorded on collections built with this embedder.</summary>
    public const string ModelId = "hearth-hashing-v1";
    /// <summary>Default vector size.</summary>
    public const int DefaultDimensions = 384;

    private const float WordWeight = 1f;
    private const float PairWeight = 0.7f;
    private const float TrigramWeight = 0.25f;

    private readonly EmbeddingGeneratorMetadata _metadata;

    public HashingEmbeddingGenerator(int dimensions = DefaultDimensions)
    {
        if (dimensions is < 16 or > 16384) throw new ArgumentOutOfRangeException(nameof(dimensions), dimensions, "Hashing dimensions must be between 16 and 16384.");
        Dimensions = dimensions;
        _metadata = new EmbeddingGeneratorMetadata("hashing", null, ModelId, dimensions);
    }

    public int Dimensions { get; }

    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        if (options?.Dimensions is { } asked && asked != Dimensions)
            throw new ArgumentException($"The hashing embedder is configured for {Dimensions} dimensions, not {asked}.", nameof(options));
        var result = new GeneratedEmbeddings<Embedding<float>>();
        foreach (var value in values)
        {
            cancellationToken.ThrowIfCancellationRequested();
            result.Add(new Embedding<float>(Embed(value)) { ModelId = ModelId });
        }
        return Task.FromResult(result);
    }

    /// <summary>The embedding of one text (all zeros when the text has no words).</summary>
    public float[] Embed(string text)
    {
        var counts = new Dictionary<ulong, (float Weight, int Count)>();
        string? previous = null;
        TextAnalyzer.Analyze(text, word =>
        {
            Add(counts, Fnv(word, 'w'), WordWeight);
            if (previous is not null) Add(counts, Fnv(previous, 'p', word), PairWeight);
            previous = word;
            if (word.Length > 1)
            {
                var marked = $"\u0002{word}\u0003";
                for (var i = 0; i + 3 <= marked.Length; i++)
                    Add(counts, Fnv(marked.AsSpan(i, 3), 't'), TrigramWeight);
            }
        });
        var vector = new float[Dimensions];
        foreach (var (hash, (weight, count)) in counts)
        {
            var bucket = (int)(hash % (ulong)Dimensions);
            var sign = (hash >> 63) == 0 ? 1f : -1f;
            vector[bucket] += sign * weight * (1 + MathF.Log(count));
        }
        var norm = TensorPrimitives.Norm(vector);
        if (norm > 0) TensorPrimitives.Divide(vector, norm, vector);
        return vector;
    }

    private static void Add(Dictionary<ulong, (float Weight, int Count)> counts, ulong feature, float weight) =>
        counts[feature] = (weight, counts.GetValueOrDefault(feature).Count + 1);

    private static ulong Fnv(ReadOnlySpan<char> text, char kind, ReadOnlySpan<char> second = default)
    {
        const ulong offset = 14695981039346656037UL;
        const ulong prime = 1099511628211UL;
        var hash = (offset ^ kind) * prime;
        foreach (var c in text) hash = ((hash ^ (byte)c) * prime ^ (byte)(c >> 8)) * prime;
        if (!second.IsEmpty)
        {
            hash = (hash ^ 0x1F) * prime;
            foreach (var c in second) hash = ((hash ^ (byte)c) * prime ^ (byte)(c >> 8)) * prime;
        }
        // FNV's low bits mix poorly and the caller takes a modulus: finish with SplitMix64's finaliser.
        hash = (hash ^ (hash >> 30)) * 0xBF58476D1CE4E5B9UL;
        hash = (hash ^ (hash >> 27)) * 0x94D049BB133111EBUL;
        return hash ^ (hash >> 31);
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType.IsInstanceOfType(_metadata) ? _metadata
        : serviceKey is null && serviceType.IsInstanceOfType(this) ? this
        : null;

    public void Dispose()
    {
    }
}
