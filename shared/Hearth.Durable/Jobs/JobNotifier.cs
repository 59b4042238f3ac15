using Hearth.Durable.Migrations;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Hearth.Durable.Jobs;

/// <summary>
/// Holds one LISTEN connection and turns <c>durable_jobs</c> notifications into an in-process signal that wakes the
/// fetchers. Polling remains the fallback, so a lost connection only costs latency.
/// </summary>
internal sealed class JobNotifier(NpgsqlDataSource db, DatabaseReadiness readiness, ILogger<JobNotifier> logger) : BackgroundService
{
    private readonly Signal _jobs = new();

    /// <summary>A task that completes at the next job notification.</summary>
    public Task NextJobSignal => _jobs.Next;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await readiness.WaitAsync(stoppingToken);
        }
        catch (Exception) when (!stoppingToken.IsCancellationRequested)
        {
            return; // migrations failed; the host is stopping
        }
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await db.OpenConnectionAsync(stoppingToken);
                connection.Notification += (_, _) => _jobs.Fire();
                await using (var listen = new NpgsqlCommand("listen durable_jobs", connection))
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                _jobs.Fire(); // anything enqueued while we were not listening
                while (!stoppingToken.IsCancellationRequested)
                    await connection.WaitAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is NpgsqlException or System.Net.Sockets.SocketException or IOException or TimeoutException)
            {
                logger.LogWarning("Job notifications lost ({Message}); polling until the connection is back", e.Message);
                try { await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken); } catch (OperationCanceledException) { return; }
            }
        }
    }

    /// <summary>A broadcast signal: every waiter of <see cref="Next"/> is released by the next <see cref="Fire"/>.</summary>
    private sealed class Signal
    {
        private TaskCompletionSource _current = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Next => Volatile.Read(ref _current).Task;

        public void Fire() => Interlocked.Exchange(ref _current, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }
}
