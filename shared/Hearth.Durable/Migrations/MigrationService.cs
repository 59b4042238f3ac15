using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Hearth.Durable.Migrations;

/// <summary>Applies every registered <see cref="MigrationSource"/> at start, before the workers run.</summary>
internal sealed class MigrationService(
    NpgsqlDataSource dataSource,
    IEnumerable<MigrationSource> sources,
    DatabaseReadiness readiness,
    ILogger<MigrationService> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            var applied = await Migrator.ApplyAsync(dataSource, sources, logger, cancellationToken);
            logger.LogInformation("Database ready ({Applied} migrations applied now)", applied);
            readiness.MarkReady();
        }
        catch (Exception e)
        {
            readiness.MarkFailed(e);
            throw;
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
