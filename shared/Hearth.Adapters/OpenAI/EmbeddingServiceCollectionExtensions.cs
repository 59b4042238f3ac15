using Hearth.Embeddings;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Hearth.Adapters.OpenAI;

/// <summary>Registers the configured embedder.</summary>
public static class EmbeddingServiceCollectionExtensions
{
    /// <summary>
    /// Binds <c>Models:Embeddings</c>, validates it (failing at start with the key's name) and registers
    /// <see cref="IEmbeddingGenerator{TInput,TEmbedding}"/> as a singleton: hashing by default, else the OpenAI SDK client.
    /// </summary>
    public static IServiceCollection AddHearthEmbeddings(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection(EmbeddingOptions.Section).Get<EmbeddingOptions>() ?? new EmbeddingOptions();
        options.Validate();
        services.TryAddSingleton(options);
        services.TryAddSingleton(_ => EmbeddingGeneratorFactory.Create(options));
        return services;
    }
}
