using Microsoft.Extensions.AI;
using OpenAI.Embeddings;
using AiEmbeddingOptions = Microsoft.Extensions.AI.EmbeddingGenerationOptions;
using SdkEmbeddingOptions = OpenAI.Embeddings.EmbeddingGenerationOptions;

namespace Hearth.Adapters.OpenAI;

/// <summary>
/// <see cref="IEmbeddingGenerator{TInput,TEmbedding}"/> over the OpenAI SDK's <see cref="EmbeddingClient"/>: Azure OpenAI's
/// v1 endpoint, OpenAI, or any OpenAI-compatible server. Inputs are sent in batches of at most
/// <paramref name="batchSize"/>; <paramref name="dimensions"/>, when set, is sent so text-embedding-3 models shorten
/// their vectors, and every returned vector is checked to have it.
/// </summary>
public sealed class OpenAIEmbeddingGenerator(EmbeddingClient client, string providerName, Uri? endpoint, string model, int? dimensions, int batchSize)
    : IEmbeddingGenerator<string, Embedding<float>>
{
    private readonly EmbeddingGeneratorMetadata _metadata = new(providerName, endpoint, model, dimensions);

    public async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, AiEmbeddingOptions? options = null, CancellationToken cancellationToken = default)
    {
        var inputs = values.ToList();
        var wanted = options?.Dimensions ?? dimensions;
        var result = new GeneratedEmbeddings<Embedding<float>>(inputs.Count);
        long inputTokens = 0, totalTokens = 0;
        for (var start = 0; start < inputs.Count; start += batchSize)
        {
            var batch = inputs.GetRange(start, Math.Min(batchSize, inputs.Count - start));
            var response = await client.GenerateEmbeddingsAsync(batch, new SdkEmbeddingOptions { Dimensions = wanted }, cancellationToken);
            var collection = response.Value;
            if (collection.Count != batch.Count)
                throw new InvalidOperationException($"The embeddings endpoint returned {collection.Count} vectors for {batch.Count} inputs.");
            // The service may answer out of order; each item carries its input's index.
            foreach (var item in collection.OrderBy(e => e.Index))
            {
                var vector = item.ToFloats();
                if (wanted is { } d && vector.Length != d)
                    throw new InvalidOperationException($"Model '{model}' returned {vector.Length} dimensions, but {d} were configured (Models:Embeddings:Dimensions).");
                result.Add(new Embedding<float>(vector) { ModelId = model, CreatedAt = DateTimeOffset.UtcNow });
            }
            inputTokens += collection.Usage?.InputTokenCount ?? 0;
            totalTokens += collection.Usage?.TotalTokenCount ?? 0;
        }
        result.Usage = new UsageDetails { InputTokenCount = inputTokens, TotalTokenCount = totalTokens };
        return result;
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is not null ? null
        : serviceType == typeof(EmbeddingGeneratorMetadata) ? _metadata
        : serviceType == typeof(EmbeddingClient) ? client
        : serviceType.IsInstanceOfType(this) ? this
        : null;

    public void Dispose()
    {
    }
}
