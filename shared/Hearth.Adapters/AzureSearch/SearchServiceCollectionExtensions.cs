using Hearth.Adapters.OpenAI;
using Hearth.Durable;
using Hearth.Search;
using Hearth.Search.Local;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Hearth.Adapters.AzureSearch;

/// <summary>Registers the search engine: index (local or Azure AI Search), embedder, <see cref="SearchService"/> and domain routing.</summary>
public static class SearchServiceCollectionExtensions
{
    /// <summary>
    /// Reads <c>Search</c>, <c>Models:Embeddings</c> and <c>Memory:Domains</c> (invalid values fail here, naming the key)
    /// and registers <see cref="ISearchIndex"/>, the embedder, <see cref="SearchService"/>, <see cref="DomainRouter"/>
    /// and <see cref="RoutedSearch"/> as singletons. The local provider needs an <c>NpgsqlDataSource</c> in the
    /// container and registers the <c>search</c> migrations.
    /// </summary>
    public static IServiceCollection AddHearthSearch(this IServiceCollection services, IConfiguration configuration)
    {
        var section = configuration.GetSection(SearchOptions.Section);
        var search = section.Get<SearchOptions>() ?? new SearchOptions();
        search.Validate();
        // Weights, depths and domains are bound again from the host's final configuration when first resolved (sources
        // added after registration count); the provider and the warm-up list shape the registrations, so they are read now.
        services.TryAddSingleton(sp =>
        {
            var final = (sp.GetService<IConfiguration>() ?? configuration).GetSection(SearchOptions.Section).Get<SearchOptions>() ?? new SearchOptions();
            final.Validate();
            return final;
        });
        services.AddHearthEmbeddings(configuration);

        if (search.Provider == "AzureAISearch")
        {
            var azure = section.Get<AzureSearchOptions>() ?? new AzureSearchOptions();
            azure.Validate();
            services.TryAddSingleton(azure);
            services.TryAddSingleton<ISearchIndex>(sp => new AzureSearchIndex(azure, sp.GetRequiredService<SearchOptions>(), sp.GetRequiredService<ILogger<AzureSearchIndex>>(),
                time: sp.GetService<TimeProvider>()));
        }
        else
        {
            services.AddMigrations(PostgresSearchIndex.Migrations);
            // With the durable runtime registered, re-embedding and vectors that follow run as its queue jobs.
            services.TryAddSingleton(sp => new PostgresSearchIndex(
                sp.GetRequiredService<NpgsqlDataSource>(), sp.GetRequiredService<SearchOptions>(), sp.GetRequiredService<ILogger<PostgresSearchIndex>>(),
                sp.GetService<Hearth.Durable.Jobs.IJobClient>()));
            services.TryAddSingleton<ISearchIndex>(sp => sp.GetRequiredService<PostgresSearchIndex>());
            if (search.WarmUp.Count > 0) services.AddHostedService<SearchWarmUp>();
        }

        // Built now too so that invalid domains stop the start here, naming the key.
        _ = new DomainRouter(configuration.GetSection("Memory:Domains").Get<List<DomainDefinition>>() ?? []);
        services.TryAddSingleton(sp => new DomainRouter((sp.GetService<IConfiguration>() ?? configuration).GetSection("Memory:Domains").Get<List<DomainDefinition>>() ?? []));
        services.TryAddSingleton<SearchService>();
        services.TryAddSingleton<RoutedSearch>();
        return services;
    }
}
