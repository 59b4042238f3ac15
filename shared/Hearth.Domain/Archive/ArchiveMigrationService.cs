using Hearth.Durable.Migrations;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Hearth.Archive;

/// <summary>Applies the archive database's migrations at start when an archive is configured (a failure stops the start, as for the main database).</summary>
public sealed class ArchiveMigrationService(ArchiveDatabase archive, ILogger<ArchiveMigrationService> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (archive.DataSource is not { } dataSource) return;
        try
        {
            var applied = await Migrator.ApplyAsync(dataSource, [ArchiveDatabase.Migrations], logger, cancellationToken);
            logger.LogInformation("Archive database ready ({Applied} migrations applied now)", applied);
            archive.MarkReady();
        }
        catch (Exception e)
        {
            archive.MarkFailed(e);
            throw;
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
