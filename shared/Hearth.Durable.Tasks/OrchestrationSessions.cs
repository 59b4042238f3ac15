using System.Collections.Concurrent;
using System.Diagnostics;
using DurableTask.Core;
using Npgsql;

namespace Hearth.Durable.Tasks;

/// <summary>
/// Extended sessions: after a checkpoint that leaves activity calls or sub-orchestrations in flight, the worker keeps
/// the instance locked and its orchestrator in memory (DurableTask.Core's cursor) for up to
/// <see cref="TaskStoreOptions.SessionIdleTimeout"/>, and hands the dispatcher the results as they are recorded. Only
/// the new events then run through the orchestrator, instead of a replay of the whole history at every batch of
/// results. The lock, lease, heartbeat and guarded checkpoint are the ordinary ones: a session is a work item that
/// stays locked between checkpoints, and is unlocked when it ends (idle, finished, or DurableTask.Core lets it go;
/// at most half of the orchestration slots hold a session, so the other half always serves the fair-share fetch).
/// </summary>
public sealed partial class PostgresOrchestrationService
{
    /// <summary>Instances this worker holds in a session, by id: the recorder of finished activities wakes them.</summary>
    private readonly ConcurrentDictionary<string, OrchestrationSession> _sessions = new(StringComparer.Ordinal);

    private bool SessionsEnabled => _options.SessionIdleTimeout > TimeSpan.Zero;

    /// <summary>Wakes every session of this worker: another process recorded something (a result, an event) somewhere.</summary>
    private void WakeSessions()
    {
        foreach (var session in _sessions.Values) session.Wake();
    }

    /// <summary>Wakes the session holding <paramref name="instanceId"/>, if this worker has one.</summary>
    private bool WakeSession(string instanceId)
    {
        if (!_sessions.TryGetValue(instanceId, out var session)) return false;
        session.Wake();
        return true;
    }

    /// <summary>
    /// The session of one locked instance: DurableTask.Core asks it for the next messages after each checkpoint and
    /// ends the session when it answers null.
    /// </summary>
    private sealed class OrchestrationSession(PostgresOrchestrationService store, PostgresOrchestrationWorkItem item) : IOrchestrationSession
    {
        private readonly SemaphoreSlim _signal = new(0, 1);

        /// <summary>Events the checkpoint read in its own round trip (arrived during the replay), taken first.</summary>
        public (long[] Ids, List<TaskMessage> Messages)? Preloaded { get; set; }

        public void Wake()
        {
            try { _signal.Release(); } catch (SemaphoreFullException) { } // already signalled
        }

        public async Task<IList<TaskMessage>?> FetchNewOrchestrationMessagesAsync(TaskOrchestrationWorkItem workItem)
        {
            if (!item.HoldsLock || store._halted || store._running is not { } running) return null;
            if (Preloaded is { } ready)
            {
                Preloaded = null;
                if (ready.Messages.Count > 0)
                {
                    item.EventIds = ready.Ids;
                    return ready.Messages;
                }
            }
            var idle = Stopwatch.StartNew();
            try
            {
                while (true)
                {
                    var remaining = store._options.SessionIdleTimeout - idle.Elapsed;
                    if (remaining <= TimeSpan.Zero || !await _signal.WaitAsync(remaining, running.Token)) return null;
                    if (store._halted) return null;
                    var (held, ids, messages) = await store.ReadSessionEventsAsync(item, running.Token);
                    if (!held)
                    {
                        // The lease ran out and another worker took the instance: what this one has in memory is stale.
                        item.HoldsLock = false;
                        return null;
                    }
                    if (messages.Count > 0)
                    {
                        item.EventIds = ids;
                            return messages;
                    }
                }
            }
            catch (OperationCanceledException)
            {
                return null; // the worker stops; the release hands the instance back
            }
        }

        public Task EndSessionAsync() => store.EndSessionAsync(item);
    }

    /// <summary>The instance's visible events, if this worker still holds its lock (one round trip).</summary>
    private async Task<(bool Held, long[] Ids, List<TaskMessage> Messages)> ReadSessionEventsAsync(PostgresOrchestrationWorkItem item, CancellationToken ct)
    {
        var ids = new List<long>();
        var messages = new List<TaskMessage>();
        await using var batch = _db.CreateBatch();
        batch.BatchCommands.Add(Command(
            "select exists (select 1 from durabletask.instances where instance_id = $1 and locked_by = $2)", item.InstanceId, WorkerName));
        batch.BatchCommands.Add(Command(
            "select id, message from durabletask.new_events where instance_id = $1 and visible_at <= $2 order by id", item.InstanceId, Now));
        await using var reader = await batch.ExecuteReaderAsync(ct);
        var held = await reader.ReadAsync(ct) && reader.GetBoolean(0);
        await reader.NextResultAsync(ct);
        while (held && await reader.ReadAsync(ct))
        {
            ids.Add(reader.GetInt64(0));
            messages.Add(MessageJson.ReadMessage(reader.GetString(1)));
        }
        return (held, ids.ToArray(), messages);
    }

    /// <summary>
    /// Ends a session: unlocks the instance (while still this worker's) and, when events arrived meanwhile, wakes the
    /// fetch so another replay takes them at once.
    /// </summary>
    private async Task EndSessionAsync(PostgresOrchestrationWorkItem item)
    {
        if (!item.HoldsLock) return;
        item.HoldsLock = false;
        _sessions.TryRemove(new KeyValuePair<string, OrchestrationSession>(item.InstanceId, (OrchestrationSession)item.Session));
        if (_halted) return;
        await using var batch = _db.CreateBatch();
        batch.BatchCommands.Add(Command(
            "update durabletask.instances set locked_by = null, lock_expires_at = null where instance_id = $1 and locked_by = $2", item.InstanceId, WorkerName));
        batch.BatchCommands.Add(Command(
            "select exists (select 1 from durabletask.new_events where instance_id = $1 and visible_at <= $2)", item.InstanceId, Now));
        await using var reader = await batch.ExecuteReaderAsync(CancellationToken.None);
        await reader.NextResultAsync();
        if (await reader.ReadAsync() && reader.GetBoolean(0)) _wake.Orchestrations();
    }

    /// <summary>A new work item, in a session when sessions are on.</summary>
    private PostgresOrchestrationWorkItem WithSession(PostgresOrchestrationWorkItem item)
    {
        if (SessionsEnabled) item.Session = new OrchestrationSession(this, item);
        return item;
    }

    /// <summary>A checkpoint kept the lock: the session is registered for the recorder's wake-ups.</summary>
    private void KeepSession(PostgresOrchestrationWorkItem item, (long[] Ids, List<TaskMessage> Messages)? arrived)
    {
        var session = (OrchestrationSession)item.Session;
        session.Preloaded = arrived;
        item.HoldsLock = true;
        _sessions[item.InstanceId] = session;
    }
}
