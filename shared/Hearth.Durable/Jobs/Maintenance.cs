using Hearth.Durable.Migrations;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Hearth.Durable.Jobs;

/// <summary>
/// The runtime's housekeeping, run by every worker host (each statement is safe to run concurrently):
/// the rescuer returns jobs whose lease expired; the pruner deletes finished jobs past their retention.
/// (Finished orchestrations are purged by the Durable Task store's own retention.)
/// </summary>
internal sealed class Maintenance(
    JobStore store,
    IOptions<DurableOptions> optionsAccessor,
    DatabaseReadiness readiness,
    TimeProvider time,
    ILogger<Maintenance> logger) : BackgroundService
{
    private readonly DurableOptions _options = optionsAccessor.Value;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.RunWorkers) return;
        try
        {
            await readiness.WaitAsync(stoppingToken);
        }
        catch (Exception)
        {
            return;
        }

        var rescueEvery = TimeSpan.FromTicks(Math.Max(TimeSpan.FromMilliseconds(500).Ticks, _options.LeaseDuration.Ticks / 4));
        var pruneEvery = TimeSpan.FromMinutes(1);
        var nextPrune = time.GetUtcNow();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var rescued = await store.RescueAsync(time.GetUtcNow(), stoppingToken);
                if (rescued > 0)
                    logger.LogWarning("Rescued {Count} jobs whose lease expired", rescued);

                var now = time.GetUtcNow();
                if (now >= nextPrune)
                {
                    nextPrune = now + pruneEvery;
                    var pruned = await store.PruneAsync(now - _options.SucceededRetention, now - _options.DeadRetention, stoppingToken);
                    if (pruned > 0) logger.LogInformation("Pruned {Count} finished jobs", pruned);
                }
                await Task.Delay(rescueEvery, time, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException or IOException)
            {
                logger.LogWarning("Maintenance pass failed: {Message}", e.Message);
                try { await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken); } catch (OperationCanceledException) { return; }
            }
        }
    }
}
