using Microsoft.Extensions.Logging;
using Npgsql;

namespace Hearth.Durable.Tasks;

/// <summary>
/// Wakes sleeping fetch loops: LISTEN on one connection for the notifications that checkpoints, completed activities
/// and client calls send at commit, and direct signals for work this process produced itself. A lost notification
/// costs at most one polling interval. A worker's own notifications carry its name (<c>o:worker</c>) and are ignored
/// by its listener: it signalled itself directly at commit, and a second wake would only cost an empty fetch. Another
/// process's notification about orchestrations also calls <paramref name="foreignOrchestrations"/> (the sessions).
/// </summary>
internal sealed class TaskWake(NpgsqlDataSource db, string worker, ILogger logger, Action? foreignOrchestrations = null) : IAsyncDisposable
{
    internal const string Channel = "durabletask";
    internal const string OrchestrationsPayload = "o";
    internal const string ActivitiesPayload = "a";

    /// <summary>The payload of a notification this worker sends about its own writes (it wakes itself directly).</summary>
    internal string Own(string payload) => $"{payload}:{worker}";

    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _orchestrations = new(0, 1);
    private readonly SemaphoreSlim _activities = new(0, 1);
    private Task? _listening;

    public void Start() => _listening ??= Task.Run(ListenAsync);

    public void Orchestrations() => Release(_orchestrations);

    public void Activities() => Release(_activities);

    public Task<bool> WaitForOrchestrationsAsync(TimeSpan timeout, CancellationToken ct) => _orchestrations.WaitAsync(timeout, ct);

    public Task<bool> WaitForActivitiesAsync(TimeSpan timeout, CancellationToken ct) => _activities.WaitAsync(timeout, ct);

    private static void Release(SemaphoreSlim signal)
    {
        try { signal.Release(); } catch (SemaphoreFullException) { } // already signalled
    }

    private async Task ListenAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await using var connection = await db.OpenConnectionAsync(_stop.Token);
                var ownActivities = Own(ActivitiesPayload);
                var ownOrchestrations = Own(OrchestrationsPayload);
                connection.Notification += (_, e) =>
                {
                    if (e.Payload == ownActivities || e.Payload == ownOrchestrations) return;
                    if (e.Payload.StartsWith(ActivitiesPayload, StringComparison.Ordinal)) Activities();
                    else
                    {
                        Orchestrations();
                        foreignOrchestrations?.Invoke();
                    }
                };
                await using (var listen = new NpgsqlCommand($"listen {Channel}", connection))
                    await listen.ExecuteNonQueryAsync(_stop.Token);
                // Anything committed while not listening is found by a look now.
                Orchestrations();
                Activities();
                while (!_stop.IsCancellationRequested)
                    await connection.WaitAsync(_stop.Token);
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is NpgsqlException or IOException or TimeoutException or InvalidOperationException)
            {
                logger.LogWarning(e, "Task store notifications lost; polling until they are back");
                try { await Task.Delay(TimeSpan.FromSeconds(1), _stop.Token); } catch (OperationCanceledException) { return; }
            }
        }
    }

    private int _disposed;

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        await _stop.CancelAsync();
        if (_listening is not null)
        {
            try { await _listening; } catch (OperationCanceledException) { }
        }
        _stop.Dispose();
    }
}
