using System.Collections;
using System.CommandLine;
using Hearth.Adapters.AzureSearch;
using Hearth.Durable;
using Hearth.Search;
using Hearth.Search.Local;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Hearth.Cli;

/// <summary>
/// <c>hearth reindex [--collection X]... [--connection CS] [--wait] [--inline]</c>: re-embeds search collections with the
/// configured embedder (<c>Models__Embeddings__*</c> and <c>Search__*</c> from the environment, as the host reads them),
/// against the database of <c>--connection</c> or <c>ConnectionStrings__Postgres</c>. On the local index it starts the
/// re-embedding (searches answer by BM25 until it ends) and the Hearth hosts' workers run it as durable queue jobs;
/// <c>--wait</c> follows the progress until every collection is done; <c>--inline</c> does the work in this process
/// instead (no host needed). With Azure AI Search the collections are rebuilt in this process. Without <c>--collection</c>,
/// every collection of the local index. Exit codes: 0 done (or started), 2 bad arguments or settings, 1 a collection failed.
/// </summary>
public sealed class ReindexCommand : ICliCommand
{
    /// <summary>How often <c>--wait</c> reads the progress.</summary>
    internal static TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    public Command Build()
    {
        var collections = new Option<string[]>("--collection") { Description = "Collection to reindex (repeatable); default: every collection of the local index.", AllowMultipleArgumentsPerToken = true };
        var connection = new Option<string?>("--connection") { Description = "PostgreSQL connection string (default: the ConnectionStrings__Postgres environment variable)." };
        var wait = new Option<bool>("--wait") { Description = "Follow the progress until every collection is re-embedded (the hosts' workers do the work)." };
        var inline = new Option<bool>("--inline") { Description = "Embed in this process instead of the hosts' workers (for a database no host serves)." };
        var command = new Command("reindex", "Re-embeds search collections with the configured embedder (after changing Models:Embeddings).") { collections, connection, wait, inline };
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
            if (!string.IsNullOrWhiteSpace(connectionString))
            {
                services.AddSingleton(_ => NpgsqlDataSource.Create(connectionString));
                services.AddDurable(); // the job client only: this process runs no workers
            }
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
            if (names.Count == 0) await output.WriteLineAsync("No collections to reindex.");
            var failed = 0;
            var started = new List<string>();
            foreach (var name in names)
            {
                try
                {
                    if (search.Index is not PostgresSearchIndex local || result.GetValue(inline))
                    {
                        var count = await search.ReindexAsync(name, ct);
                        var info = await search.Index.GetCollectionAsync(name, ct);
                        await output.WriteLineAsync($"Reindexed {name}: {count} documents with {info?.EmbeddingModel} ({info?.Dimensions} dimensions).");
                        continue;
                    }
                    if (await local.GetVectorStatusAsync(name, ct) is null) throw new SearchCollectionNotFoundException(name);
                    var restarted = await search.StartReindexAsync(name, force: true, ct);
                    var status = (await local.GetVectorStatusAsync(name, ct))!;
                    await output.WriteLineAsync(restarted
                        ? $"Re-embedding {name} from {status.FromModel} to {status.Model} ({status.Dimensions} dimensions): {status.Pending} documents. " +
                          $"The hosts' workers embed them; searches answer by BM25 until then (progress: GET /api/search/collections/{name})."
                        : $"{name} is already being re-embedded with {status.Model}: {status.Done}/{status.Total} done.");
                    started.Add(name);
                }
                catch (Exception e) when (e is SearchCollectionNotFoundException or ArgumentException or NpgsqlException or InvalidOperationException)
                {
                    failed++;
                    await error.WriteLineAsync($"{name}: {e.Message}");
                }
            }
            if (result.GetValue(wait) && started.Count > 0 && search.Index is PostgresSearchIndex followed)
                failed += await FollowAsync(followed, started, output, error, ct);
            return failed == 0 ? 0 : 1;
        });
        return command;
    }

    /// <summary>Prints each collection's progress when it changes until it is done; a recorded error that persists counts as a failure once its job is dead.</summary>
    private static async Task<int> FollowAsync(PostgresSearchIndex index, List<string> names, TextWriter output, TextWriter error, CancellationToken ct)
    {
        var left = new HashSet<string>(names, StringComparer.Ordinal);
        var shown = new Dictionary<string, string>(StringComparer.Ordinal);
        var failed = 0;
        while (left.Count > 0)
        {
            foreach (var name in left.ToList())
            {
                var status = await index.GetVectorStatusAsync(name, ct);
                if (status is null)
                {
                    left.Remove(name);
                    failed++;
                    await error.WriteLineAsync($"{name}: the collection was deleted.");
                    continue;
                }
                var line = $"{name}: {status.Done:N0}/{status.Total:N0} embedded" + (status.Rate is { } rate ? $", {rate:N1}/s" : "") + (status.Error is { } e ? $", last error: {e}" : "");
                if (shown.GetValueOrDefault(name) != line) await output.WriteLineAsync(line);
                shown[name] = line;
                if (!status.Reembedding && status.Pending == 0)
                {
                    left.Remove(name);
                    await output.WriteLineAsync($"Reindexed {name}: {status.Done} documents with {status.Model} ({status.Dimensions} dimensions).");
                }
                else if (status.Error is not null && await DeadAsync(index, name, ct))
                {
                    left.Remove(name);
                    failed++;
                    await error.WriteLineAsync($"{name}: the re-embedding stopped: {status.Error} (retry the dead job in /api/admin/jobs, or run hearth reindex again).");
                }
            }
            if (left.Count > 0) await Task.Delay(PollInterval, ct);
        }
        return failed;
    }

    private static async Task<bool> DeadAsync(PostgresSearchIndex index, string collection, CancellationToken ct)
    {
        var info = await index.GetCollectionAsync(collection, ct);
        return info is not null && await index.IsVectorJobDeadAsync(collection, info.VectorBatch, ct);
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
