using System.Net.Http.Headers;
using Hearth.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Hearth.Testing.Host;

/// <summary>The real host in process (TestServer) on a fresh database of the throwaway cluster.</summary>
public sealed class HearthFactory : WebApplicationFactory<Program>
{
    private readonly string _environment;
    private readonly Dictionary<string, string?> _settings;
    private readonly Action<IServiceCollection>? _services;

    private HearthFactory(string environment, Dictionary<string, string?> settings, Action<IServiceCollection>? services)
    {
        _environment = environment;
        _settings = settings;
        _services = services;
    }

    public string ConnectionString => _settings["ConnectionStrings:Postgres"]!;

    /// <summary>
    /// A host on its own database; <paramref name="settings"/> override configuration (highest precedence); a null value
    /// drops this factory's own setting of that key.
    /// </summary>
    public static async Task<HearthFactory> CreateAsync(
        string environment = "Development",
        IDictionary<string, string?>? settings = null,
        Action<IServiceCollection>? services = null)
    {
        var all = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            ["ConnectionStrings:Postgres"] = await TestPostgres.CreateDatabaseAsync(),
            // The life tick on the wall clock would move moods and write events in the middle of other areas' tests
            // when it crosses a quarter hour; the life tests turn it on.
            ["Life:Enabled"] = "false",
            // The real embedding model costs ~400 MB and a second to load per host, and dozens of hosts run in the suite:
            // hosts embed by hashing unless a test asks for the model (Models:Embeddings:Provider = Local).
            ["Models:Embeddings:Provider"] = "Hashing",
        };
        // A null value removes a key this factory sets, so the product's own default applies (e.g. the embedding model).
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            if (value is null) all.Remove(key);
            else all[key] = value;
        }
        return new HearthFactory(environment, all, services);
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment(_environment);
        builder.ConfigureAppConfiguration(configuration => configuration.AddInMemoryCollection(_settings));
        if (_services is not null) builder.ConfigureTestServices(_services);
    }

    /// <summary>A client sending <c>Authorization: Bearer {token}</c> (none when null).</summary>
    public HttpClient ClientWith(string? token)
    {
        var client = CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        if (token is not null) client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }
}
