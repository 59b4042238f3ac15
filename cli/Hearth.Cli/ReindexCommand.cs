using System.Collections;
using System.CommandLine;
using Hearth.Adapters.AzureSearch;
using Hearth.Search;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Hearth.Cli;

/// <summary>
/// <c>hearth reindex [--collection X]... [--connection CS]</c>: re-embeds search collections with the configured embedder
/// (<c>Models__Embeddings__*</c> and <c>Search__*</c> from the environment, as the host reads them), in process, against the
/// database of <c>--connection</c> or <c>ConnectionStrings__Postgres</c>. Without <c>--collection</c>, every collection of
/// the local index. Exit codes: 0 done, 2 bad arguments or settings, 1 a collection failed.
/// </summary>
public sealed class ReindexCommand : ICliCommand
{
    public Command Build()
    {
        var collections = new Option<string[]>("--collection") { Description = "Collection to reindex (repeatable); default: every collection of the local index.", AllowMultipleArgumentsPerToken = true };
        var connection = new Option<string?>("--connection") { Description = "PostgreSQL connection string (default: the ConnectionStrings__Postgres environment variable)." };
        var command = new Command("reindex", "Re-embeds search collections with the configured embedder (after changing Models:Embeddings).") { collections, connection };
        command.SetAction(async (result, ct) =>
        {
            var output = result.InvocationConfiguration.Output;
            var error = result.InvocationConfiguration.Error;
            var connectionString = result.GetValue(connection) ?? Environment.GetEnvironmentVariable("ConnectionStrings__Postgres");
            var configuration = FromEnvironment();
            var provider = configuration["Search:Provider"] ?? "Local";
            if (string.IsNullOrWhiteSpace(connectionString) && provider == "Local")
            {
                await error.WriteLineAsync("No database: pass --connection or set ConnectionStrings__Postgres.");
                return 2;
            }
            var services = new ServiceCollection();
            services.AddLogging();
            if (!string.IsNullOrWhiteSpace(connectionString)) services.AddSingleton(_ => NpgsqlDataSource.Create(connectionString));
            try
            {
                services.AddHearthSearch(configuration);
            }
            catch (InvalidOperationException e)
            {
                await error.WriteLineAsync($"Invalid settings: {e.Message}");
                return 2;
            }
            await using var built = services.BuildServiceProvider();
            var search = built.GetRequiredService<SearchService>();
            var names = result.GetValue(collections) is { Length: > 0 } given ? given.ToList() : await LocalCollectionsAsync(built, provider, error, ct);
            if (names is null) return 2;
            var failed = 0;
            foreach (var name in names)
            {
                try
                {
                    var count = await search.ReindexAsync(name, ct);
                    var info = await search.Index.GetCollectionAsync(name, ct);
                    await output.WriteLineAsync($"Reindexed {name}: {count} documents with {info?.EmbeddingModel} ({info?.Dimensions} dimensions).");
                }
                catch (Exception e) when (e is SearchCollectionNotFoundException or ArgumentException or NpgsqlException or InvalidOperationException)
                {
                    failed++;
                    await error.WriteLineAsync($"{name}: {e.Message}");
                }
            }
            if (names.Count == 0) await output.WriteLineAsync("No collections to reindex.");
            return failed == 0 ? 0 : 1;
        });
        return command;
    }

    /// <summary>Environment variables as configuration keys (<c>Models__Embeddings__Provider</c> → <c>Models:Embeddings:Provider</c>).</summary>
    internal static IConfiguration FromEnvironment()
    {
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (DictionaryEntry entry in Environment.GetEnvironmentVariables())
            values[((string)entry.Key).Replace("__", ":", StringComparison.Ordinal)] = entry.Value as string;
        return new ConfigurationBuilder().AddInMemoryCollection(values).Build();
    }

    private static async Task<List<string>?> LocalCollectionsAsync(IServiceProvider services, string provider, TextWriter error, CancellationToken ct)
    {
        if (provider != "Local")
        {
            await error.WriteLineAsync("With Search:Provider AzureAISearch, name the collections with --collection.");
            return null;
        }
        await using var command = services.GetRequiredService<NpgsqlDataSource>().CreateCommand("select name from search.collections order by name");
        var names = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) names.Add(reader.GetString(0));
        return names;
    }
}
