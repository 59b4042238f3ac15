using Hearth.Embeddings;
using Microsoft.Extensions.AI;

namespace Hearth.Memory.Tests.Support;

/// <summary>
/// The hashing embedder behind a gate: texts containing <see cref="Marker"/> (and matching <paramref name="blocks"/>, when
/// given) wait until <see cref="Release"/> (a deliberately slow embedder); <see cref="Entered"/> completes when one is
/// waiting. Everything else embeds at once.
/// </summary>
public sealed class GatedEmbedder(Func<string, bool>? blocks = null) : IEmbeddingGenerator<string, Embedding<float>>
{
    public const string Marker = "slowmarker";
    private readonly HashingEmbeddingGenerator _inner = new();
    private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Entered => _entered.Task;

    public void Release() => _gate.TrySetResult();

    public bool Released => _gate.Task.IsCompleted;

    public async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        var list = values.ToList();
        if (list.Any(v => v.Contains(Marker, StringComparison.OrdinalIgnoreCase) && (blocks is null || blocks(v))))
        {
            _entered.TrySetResult();
            await _gate.Task.WaitAsync(cancellationToken);
        }
        return await _inner.GenerateAsync(list, options, cancellationToken);
    }

    public object? GetService(Type serviceType, object? serviceKey = null) => _inner.GetService(serviceType, serviceKey);

    public void Dispose() => _inner.Dispose();
}

/// <summary>The hashing embedder that fails for texts containing <see cref="Poison"/> (an embedding service refusing an input).</summary>
public sealed class PoisonedEmbedder : IEmbeddingGenerator<string, Embedding<float>>
{
    public const string Poison = "poisonpill";
    private readonly HashingEmbeddingGenerator _inner = new();

    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        var list = values.ToList();
        if (list.Any(v => v.Contains(Poison, StringComparison.OrdinalIgnoreCase)))
            throw new InvalidOperationException("The embedding service refused an input (test poison).");
        return _inner.GenerateAsync(list, options, cancellationToken);
    }

    public object? GetService(Type serviceType, object? serviceKey = null) => _inner.GetService(serviceType, serviceKey);

    public void Dispose() => _inner.Dispose();
}

/// <summary>The hashing embedder counting the texts it embeds as search queries (<see cref="EmbeddingPurpose"/>) and as documents.</summary>
public sealed class CountingEmbedder : IEmbeddingGenerator<string, Embedding<float>>
{
    private readonly HashingEmbeddingGenerator _inner = new();
    private int _queries;
    private int _documents;

    public int Queries => Volatile.Read(ref _queries);

    public int Documents => Volatile.Read(ref _documents);

    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        var list = values.ToList();
        Interlocked.Add(ref EmbeddingPurpose.IsQuery(options) ? ref _queries : ref _documents, list.Count);
        return _inner.GenerateAsync(list, options, cancellationToken);
    }

    public object? GetService(Type serviceType, object? serviceKey = null) => _inner.GetService(serviceType, serviceKey);

    public void Dispose() => _inner.Dispose();
}
