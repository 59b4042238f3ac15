using Hearth.Adapters.AzureSearch;
using Hearth.Adapters.LocalModels;
using Hearth.Durable.Migrations;
using Hearth.Embeddings;
using Hearth.Search.Local;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace Hearth.Search.Tests;

public sealed class RegistrationTests
{
    private static ServiceProvider Build(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection().AddLogging();
        services.AddSingleton(NpgsqlDataSource.Create("Host=127.0.0.1;Database=unused"));
        services.AddSingleton<DatabaseReadiness>(); // the durable runtime's, which the host registers
        services.AddHearthSearch(configuration);
        return services.BuildServiceProvider();
    }

    [Fact]
    public void Defaults_give_the_local_index_with_the_local_model()
    {
        using var provider = Build([]);
        Assert.IsType<PostgresSearchIndex>(provider.GetRequiredService<ISearchIndex>());
        var local = Assert.IsType<LocalEmbeddingGenerator>(provider.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>());
        Assert.Equal("snowflake-arctic-embed-xs", local.Model); // loaded by the host in the background (EmbeddingWarmUp), once per process
        Assert.Equal("snowflake-arctic-embed-xs", provider.GetRequiredService<SearchService>().ModelId);
        Assert.Equal("memory", provider.GetRequiredService<DomainRouter>().Fallback.Collection);
        Assert.Empty(provider.GetServices<IHostedService>());
    }

    [Fact]
    public void Warm_up_collections_add_a_background_loader()
    {
        using var provider = Build(new() { ["Search:WarmUp:0"] = "memory", ["Search:WarmUp:1"] = "skills" });
        Assert.Equal(["memory", "skills"], provider.GetRequiredService<SearchOptions>().WarmUp);
        Assert.IsType<SearchWarmUp>(Assert.Single(provider.GetServices<IHostedService>()));
        Assert.Contains("Search:WarmUp", Assert.Throws<InvalidOperationException>(() => Build(new() { ["Search:WarmUp:0"] = "Bad Name" })).Message);
    }

    [Fact]
    public void Settings_bind_from_configuration_keys_as_environment_variables_give_them()
    {
        using var provider = Build(new()
        {
            ["Search:Provider"] = "AzureAISearch",
            ["Search:Endpoint"] = "https://unit.search.windows.net",
            ["Search:ApiKey"] = "k",
            ["Search:VectorWeight"] = "1.5",
            ["Models:Embeddings:Provider"] = "Hashing",
            ["Models:Embeddings:Dimensions"] = "256",
            ["Memory:Domains:0:Name"] = "code",
            ["Memory:Domains:0:Keywords:0"] = "python",
            ["Memory:Domains:0:Priority"] = "2",
            ["Memory:Domains:0:Collection"] = "code",
        });

        Assert.IsType<AzureSearchIndex>(provider.GetRequiredService<ISearchIndex>());
        Assert.Equal(1.5, provider.GetRequiredService<SearchOptions>().VectorWeight);
        Assert.Equal(256, ((HashingEmbeddingGenerator)provider.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>()).Dimensions);
        Assert.Equal(new DomainMatch("code", "code", 1, 2), provider.GetRequiredService<DomainRouter>().Route("python help").Single());
    }

    [Fact]
    public void Invalid_settings_fail_at_registration_naming_the_key()
    {
        Assert.Contains("Search:Provider", Assert.Throws<InvalidOperationException>(() => Build(new() { ["Search:Provider"] = "Elastic" })).Message);
        Assert.Contains("Search:Endpoint", Assert.Throws<InvalidOperationException>(() => Build(new() { ["Search:Provider"] = "AzureAISearch" })).Message);
        Assert.Contains("Models:Embeddings:Model",
            Assert.Throws<InvalidOperationException>(() => Build(new() { ["Models:Embeddings:Provider"] = "OpenAICompatible", ["Models:Embeddings:Endpoint"] = "http://127.0.0.1:11434/v1" })).Message);
        Assert.Contains("Models:Embeddings:Model",
            Assert.Throws<InvalidOperationException>(() => Build(new() { ["Models:Embeddings:Model"] = "bge-large" })).Message);
        Assert.Contains("Models:Embeddings:Dimensions",
            Assert.Throws<InvalidOperationException>(() => Build(new() { ["Models:Embeddings:Dimensions"] = "768" })).Message);
    }

    [Fact]
    public void Hashing_stays_selectable_explicitly()
    {
        using var provider = Build(new() { ["Models:Embeddings:Provider"] = "Hashing" });
        Assert.IsType<HashingEmbeddingGenerator>(provider.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>());
        Assert.Equal(HashingEmbeddingGenerator.ModelId, provider.GetRequiredService<SearchService>().ModelId);
    }
}
