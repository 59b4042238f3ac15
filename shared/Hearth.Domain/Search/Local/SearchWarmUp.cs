using Hearth.Durable.Migrations;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Hearth.Search.Local;

/// <summary>
/// Loads the collections named in <c>Search:WarmUp</c> into memory once the database is migrated, in the background:
/// the host starts serving at once, and queries that arrive meanwhile wait for the same load instead of starting their own.
/// </summary>
public sealed class SearchWarmUp(PostgresSearchIndex index, SearchOptions options, DatabaseReadiness readiness, ILogger<SearchWarmUp> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await readiness.WaitAsync(stoppingToken);
        foreach (var collection in options.WarmUp)
        {
            try
            {
                var count = await index.WarmUpAsync(collection, stoppingToken);
                logger.LogInformation("Search collection {Collection} warmed up: {Count} documents in memory", collection, count);
            }
            catch (SearchCollectionNotFoundException)
            {
                logger.LogInformation("Search collection {Collection} does not exist yet; nothing to warm up", collection);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A failed warm-up only costs the first query its load; it must not stop the host.
                logger.LogWarning(e, "Warming up search collection {Collection} failed", collection);
            }
        }
    }
}
