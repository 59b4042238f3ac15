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
    /// <see cref="IEmbeddingGenerator{TInput,TEmbedding}"/> as a singleton: the local model by default, hashing or an
    /// OpenAI-style client when configured. The options are bound again when first resolved, from the host's final
    /// configuration (the container's <see cref="IConfiguration"/>): sources added after registration, such as a test
    /// host's settings, must choose the embedder too (they did not, and every in-process test host loaded the model).
    /// </summary>
    public static IServiceCollection AddHearthEmbeddings(this IServiceCollection services, IConfiguration configuration)
    {
        Read(configuration).Validate();
        services.TryAddSingleton(sp => Read(sp.GetService<IConfiguration>() ?? configuration));
        services.TryAddSingleton(sp =>
        {
            var options = sp.GetRequiredService<EmbeddingOptions>();
            options.Validate();
            return EmbeddingGeneratorFactory.Create(options, time: sp.GetService<TimeProvider>(),
                logger: sp.GetService<Microsoft.Extensions.Logging.ILoggerFactory>()?.CreateLogger(typeof(EmbeddingGeneratorFactory).FullName!));
        });
        return services;
    }

    private static EmbeddingOptions Read(IConfiguration configuration) =>
        configuration.GetSection(EmbeddingOptions.Section).Get<EmbeddingOptions>() ?? new EmbeddingOptions();
}
