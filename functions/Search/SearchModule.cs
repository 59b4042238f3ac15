using Hearth.Adapters.AzureSearch;
using Hearth.Durable;
using Hearth.Functions.Status;
using Hearth.Search;
using Hearth.Search.Local;

namespace Hearth.Functions.Search;

/// <summary>The search engine (local hybrid index or Azure AI Search) and the embedder, shared by memory and the skill library.</summary>
public static class SearchModule
{
    public static IHostApplicationBuilder AddSearch(this IHostApplicationBuilder builder)
    {
        // Bound once, by the search registration (AddHearthSearch); the host catalogues and checks the same classes.
        builder.AddSettingsCheck<SearchOptions>();                   // Search:* (the engine)
        builder.AddSettingsCheck<AzureSearchOptions>();              // Search:* (Azure AI Search's keys)
        builder.AddSettingsCheck<Hearth.Embeddings.EmbeddingOptions>(); // Models:Embeddings:*
        builder.Services.AddSettingsCheck((configuration, _) =>
            AzureSearchOptions.RequireEndpoint(configuration["Search:Provider"], configuration["Search:Endpoint"]));
        try
        {
            builder.Services.AddHearthSearch(builder.Configuration);
        }
        catch (InvalidOperationException)
        {
            // Invalid search settings: the settings check names the keys and stops the start (exit 78).
            return builder;
        }
        builder.Services.AddDurable().AddSearchMaintenance().AddVectorJobs();
        builder.Services.AddStatusContributor<SearchStatus>();
        builder.Services.AddHostedService<EmbeddingWarmUp>();
        return builder;
    }
}

/// <summary>
/// Which search and embedding providers answer (never keys); for admins also each local collection's model and vector
/// state (re-embedding progress), for users the collections being re-embedded (their searches answer by BM25 meanwhile).
/// </summary>
internal sealed class SearchStatus(SearchOptions search, Microsoft.Extensions.AI.IEmbeddingGenerator<string, Microsoft.Extensions.AI.Embedding<float>> embedder, SearchService service) : IStatusContributor
{
    public string Name => "search";

    public async Task<object?> DescribeForUserAsync(CancellationToken ct)
    {
        var reembedding = service.Index is PostgresSearchIndex local ? await local.ListReembeddingAsync(ct) : [];
        return new { index = search.Provider, embeddings = Embeddings(), reembedding };
    }

    public async Task<object?> DescribeAsync(CancellationToken ct)
    {
        var collections = service.Index is PostgresSearchIndex local ? await local.ListVectorStatusAsync(ct) : null;
        // Operators (and ./bench chat) see what the local model has cost: texts, ONNX runs, CPU milliseconds since it loaded.
        var work = embedder.GetService(typeof(Hearth.Adapters.LocalModels.LocalEmbeddingGenerator)) is Hearth.Adapters.LocalModels.LocalEmbeddingGenerator model
            ? model.Work : null;
        return new
        {
            index = search.Provider, embeddings = Embeddings(), collections,
            embeddingWork = work is null ? null : new { texts = work.Texts, runs = work.Runs, cpuMs = work.Cpu?.TotalMilliseconds },
        };
    }

    private object Embeddings()
    {
        var metadata = embedder.GetService(typeof(Microsoft.Extensions.AI.EmbeddingGeneratorMetadata)) as Microsoft.Extensions.AI.EmbeddingGeneratorMetadata;
        // A local model reports whether it is in memory yet (it loads in the background after the start).
        bool? loaded = embedder.GetService(typeof(Hearth.Adapters.LocalModels.LocalEmbeddingGenerator)) is Hearth.Adapters.LocalModels.LocalEmbeddingGenerator local ? local.IsLoaded : null;
        return new { provider = metadata?.ProviderName ?? "hashing", model = metadata?.DefaultModelId, dimensions = metadata?.DefaultModelDimensions, loaded };
    }
}
