using Hearth.Testing.Host;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;

namespace Hearth.Search.Tests;

/// <summary>The search module inside the real host: status, settings check.</summary>
public sealed class SearchHostTests
{
    [Fact]
    public async Task Status_names_the_search_and_embedding_providers_and_never_a_key()
    {
        await using var factory = await HearthFactory.CreateAsync(settings: new Dictionary<string, string?>
        {
            ["Auth:DevToken"] = "dev",
            ["Search:ApiKey"] = "search-key-that-must-not-leak",
        });
        var status = await factory.ClientWith("dev").GetFromJsonAsync<JsonElement>("/api/status");
        var search = status.GetProperty("providers").GetProperty("search");
        Assert.Equal("Local", search.GetProperty("index").GetString());
        Assert.Equal(384, search.GetProperty("embeddings").GetProperty("dimensions").GetInt32());
        Assert.DoesNotContain("search-key-that-must-not-leak", status.GetRawText());
    }

    [Fact]
    public async Task Settings_given_to_a_host_choose_its_embedder_and_weights()
    {
        // The test hosts' settings arrive after Program registers its services: the embedder and the search options must
        // still follow them (they did not, and every in-process host loaded the ~400 MB model).
        await using var factory = await HearthFactory.CreateAsync(settings: new Dictionary<string, string?>
        {
            ["Auth:DevToken"] = "dev",
            ["Models:Embeddings:Dimensions"] = "256",
            ["Search:Bm25Weight"] = "2",
            ["Memory:Domains:0:Name"] = "code",
            ["Memory:Domains:0:Keywords:0"] = "python",
        });
        var status = await factory.ClientWith("dev").GetFromJsonAsync<JsonElement>("/api/status");
        var embeddings = status.GetProperty("providers").GetProperty("search").GetProperty("embeddings");
        Assert.Equal("hashing", embeddings.GetProperty("provider").GetString());
        Assert.Equal(256, embeddings.GetProperty("dimensions").GetInt32());
        Assert.Equal(2.0, factory.Services.GetRequiredService<SearchOptions>().Bm25Weight);
        Assert.Equal("code", Assert.Single(factory.Services.GetRequiredService<DomainRouter>().Route("python help")).Name);
        // Memory reads the same key into its own options (the settings binder leaves the list to the configuration binder).
        Assert.Equal("code", Assert.Single(factory.Services.GetRequiredService<Hearth.Memory.MemoryOptions>().Domains).Name);
    }

    [Fact]
    public async Task An_unknown_search_provider_stops_the_start_naming_the_key()
    {
        await using var factory = await HearthFactory.CreateAsync(settings: new Dictionary<string, string?> { ["Search:Provider"] = "Elastic" });
        var error = Assert.ThrowsAny<Exception>(() => { factory.CreateClient(); });
        Assert.Contains("Search:Provider", error.ToString());
    }
}
